import { SvelteSet } from 'svelte/reactivity';
import type { DatasetInfo } from '../../../src-shared/entities/dataset';
import type { ParamValue } from '../../../src-shared/entities/train-config';
import type { ApiClient } from '../api/api-client';
import { ApiCallError, errorMessage } from '../api/api-call-error';
import {
  defaultFormValues,
  groupFieldErrors,
  modelValuesFromParams,
  toTrainConfig,
  validateTrainConfig,
  type FormErrors,
  type FormField,
  type FormValues,
  type SubmitMode,
} from '../new-run-fields';
import { previewModel, type ModelPreview, type RunLookup } from '../model-preview';

/** What the form checks the model against: the dataset catalogue, and the runs a fine-tuning may start from. */
export interface ModelContext {
  datasets: readonly DatasetInfo[];
  runs: RunLookup;
}

/**
 * The New run form. Client errors come from the same zod schema the host uses and show once a field was
 * edited or a submit was tried; server errors (`fields` of a refused `runs/start`) show until the field changes.
 */
export class NewRunForm {
  /** Why a field is not the form's to set (a sweep searches it), or undefined; read reactively. */
  #lockedBy: (field: FormField) => string | undefined;
  #values = $state<FormValues>(defaultFormValues());
  #touched = new SvelteSet<FormField>();
  #submitTried = $state(false);
  #submitting = $state<SubmitMode | null>(null);
  #serverErrors = $state.raw<FormErrors>({});
  #context: (() => ModelContext) | null = null;
  /** The model on the chosen data, with what the host would refuse about them (see `previewModel`). */
  #preview = $derived(this.#context ? previewModel(this.#values, this.#context().datasets, this.#context().runs) : null);
  /**
   * Checked as the sanity check sends it (with `overfit_batch`); a training run ignores that field's error. The
   * schema's message comes first; the model's and the data's checks add theirs to the fields it accepted.
   */
  #clientErrors = $derived({ ...this.#preview?.errors, ...validateTrainConfig(toTrainConfig(this.#values, 'sanity')) });

  /**
   * @param lockedBy Fields that another part of the page decides (a sweep's searched parameters): they are shown
   * greyed out with the reason as their hint, and their errors are neither shown nor counted.
   * @param context The catalogue and the runs, to plan the model live and check it against the data; without it
   * only the schema checks the form.
   */
  constructor(lockedBy: (field: FormField) => string | undefined = () => undefined, context: (() => ModelContext) | null = null) {
    this.#lockedBy = lockedBy;
    this.#context = context;
  }

  /** The live model, when the form has a context to plan it in. */
  get preview(): ModelPreview | null {
    return this.#preview;
  }

  /** Why the field is locked, if it is. */
  lockedReason(field: FormField): string | undefined {
    return this.#lockedBy(field);
  }

  get submitting(): boolean {
    return this.#submitting !== null;
  }
  /** What is being started, while a submit is in flight. */
  get submittingMode(): SubmitMode | null {
    return this.#submitting;
  }
  get values(): Readonly<FormValues> {
    return this.#values;
  }

  /** Whether the schema refuses what `mode` would send. */
  hasClientErrors(mode: SubmitMode = 'train'): boolean {
    return Object.keys(this.#clientErrors).some(
      (field) => (mode === 'sanity' || field !== 'overfit_batch') && (field === 'form' || this.#lockedBy(field as FormField) === undefined),
    );
  }

  value(field: FormField): string {
    return this.#values[field];
  }

  set(field: FormField, value: string): void {
    this.#values[field] = value;
    this.#touched.add(field);
    if (this.#serverErrors[field]) {
      const next = { ...this.#serverErrors };
      delete next[field];
      this.#serverErrors = next;
    }
  }

  /** The message to show next to a field (or `form` for the banner), if any. */
  errorFor(field: FormField | 'form'): string | undefined {
    const server = this.#serverErrors[field];
    if (server) return server;
    if (field === 'form') return undefined;
    if (this.#lockedBy(field) !== undefined) return undefined;
    if (field === 'overfit_batch' && !this.#touched.has(field)) return undefined;
    if (this.#submitTried || this.#touched.has(field)) return this.#clientErrors[field];
    // A model that does not fit the data, or a fine-tuning onto data of another shape, is news whichever field changed.
    return this.#preview?.errors[field];
  }

  /** Shows every client error, as a submit does (for a form that another submits, such as the sweep form). */
  showAllErrors(): void {
    this.#submitTried = true;
  }

  /** Shows errors the host returned for these fields until each field changes (another form's submit). */
  showServerErrors(errors: FormErrors): void {
    this.#serverErrors = errors;
  }

  /** Replaces every value (defaults, or a run to clone) and forgets errors. */
  reset(values: FormValues = defaultFormValues()): void {
    this.#values = values;
    this.#touched.clear();
    this.#submitTried = false;
    this.#serverErrors = {};
  }

  /**
   * Takes a run's model (a fine-tuning reuses its parent's layers): the model fields then say what will be built,
   * and what the host checks of the form's own model is the parent's.
   */
  adoptModel(params: Record<string, ParamValue>): void {
    Object.assign(this.#values, modelValuesFromParams(params));
  }

  /** Picks a dataset when none is chosen yet (the first of the catalogue). */
  chooseDefaultDataset(name: string): void {
    if (this.#values.dataset === '') this.#values.dataset = name;
  }

  /**
   * Starts the run, or with `sanity` the overfit-one-batch check of the same configuration. Resolves with its id,
   * or null when the input was refused (the errors are then shown).
   */
  async submit(client: ApiClient, mode: SubmitMode = 'train'): Promise<number | null> {
    if (this.#submitting) return null;
    this.#submitTried = true;
    if (mode === 'sanity') this.#touched.add('overfit_batch');
    if (this.hasClientErrors(mode)) return null;
    this.#submitting = mode;
    this.#serverErrors = {};
    try {
      const { run_id } = await client.call('runs/start', toTrainConfig(this.#values, mode));
      return run_id;
    } catch (error) {
      if (error instanceof ApiCallError && error.fields.length > 0) {
        this.#serverErrors = { ...groupFieldErrors(error.fields), form: error.message };
      } else {
        this.#serverErrors = { form: errorMessage(error) };
      }
      return null;
    } finally {
      this.#submitting = null;
    }
  }
}
