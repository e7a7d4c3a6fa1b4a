import { SvelteSet } from 'svelte/reactivity';
import { EPOCH_METRICS, metricDirection } from '../../../src-shared/entities/run';
import { ashaRungs, type Strategy, type SweepRequestInput } from '../../../src-shared/entities/sweep';
import { gridSize, type SearchParam } from '../../../src-shared/search/space';
import type { ApiClient } from '../api/api-client';
import { ApiCallError, errorMessage } from '../api/api-call-error';
import type { FormField, FormValues } from '../new-run-fields';
import { checkRow, nextParamName, searchedTexts, suggestedRow, withKind, type DistributionKind, type SpaceRow } from '../sweep-space';
import { fixedOptions, numberOrNone, settingErrors, sortFieldErrors, sweepRequest, type SweepErrors, type SweepField, type SweepValues } from '../sweep-request';
import { NewRunForm } from './new-run-form.svelte';

/**
 * The New sweep form: the search-space rows (each checked live with the shared parsers against the fixed options),
 * the fixed training options (a New run form whose searched fields are locked), and the sweep's own settings. Client
 * errors come from the shared request schema; the host's `fields` are shown next to the row or input they name.
 */
export class SweepForm {
  readonly fixed: NewRunForm;
  #nextId = 1;
  #rows = $state<SpaceRow[]>([]);
  #strategy = $state<Strategy>('random');
  #values = $state<SweepValues>({ name: '', experiment: 'default', trials: '10', parallel: '', seed: '', min_epochs: '1', reduction_factor: '3', warm_start: '' });
  #prune = $state(false);
  #metric = $state('val_accuracy');
  #direction = $state<'max' | 'min'>('max');
  #confirmLarge = $state(false);
  #touched = new SvelteSet<SweepField>();
  #submitTried = $state(false);
  #submitting = $state(false);
  #serverErrors = $state.raw<SweepErrors>({});
  #rowServerErrors = $state.raw<Record<number, string>>({});

  #searched = $derived(searchedTexts(this.#rows));
  /** Every trial's options: the New run form's, less the searched ones and the sweep's own. */
  #fixedConfig = $derived.by(() => fixedOptions(this.fixed.values, this.#searched));
  #rowChecks = $derived(this.#rows.map((row, i) => checkRow(row, this.#strategy, this.#fixedConfig, this.#rows.slice(0, i).map((r) => r.name))));
  #space = $derived(this.#rowChecks.flatMap((check) => (check.ok ? [check.value] : [])));
  #request = $derived(
    sweepRequest({
      strategy: this.#strategy,
      rows: this.#rows,
      values: this.#values,
      fixed: this.#fixedConfig,
      objective: `${this.#metric}:${this.#direction}`,
      confirmLarge: this.#confirmLarge,
      prune: this.#prune,
    }),
  );
  #clientErrors = $derived.by(() => settingErrors(this.#request, Number(this.fixed.values.epochs.trim() || 10), this.gridSize));

  constructor() {
    this.fixed = new NewRunForm((field) => (this.#searched.has(field) ? `Searched: ${this.#searched.get(field)}` : undefined));
    this.#rows = [suggestedRow(this.#nextId++, 'lr'), suggestedRow(this.#nextId++, 'momentum')];
  }

  get rows(): readonly SpaceRow[] {
    return this.#rows;
  }
  get strategy(): Strategy {
    return this.#strategy;
  }
  set strategy(value: Strategy) {
    this.#strategy = value;
    this.#clearServer('form');
  }
  /** TPE: prune its trials by successive halving. */
  get prune(): boolean {
    return this.#prune;
  }
  set prune(value: boolean) {
    this.#prune = value;
    this.#clearServer('form');
  }
  /** Whether successive halving prunes this sweep's trials: the asha strategy, or TPE with pruning. */
  get prunes(): boolean {
    return this.#strategy === 'asha' || (this.#strategy === 'tpe' && this.#prune);
  }
  get metric(): string {
    return this.#metric;
  }
  set metric(value: string) {
    this.#metric = value;
    this.#direction = metricDirection(value);
    this.#touch('objective');
  }
  get direction(): 'max' | 'min' {
    return this.#direction;
  }
  set direction(value: 'max' | 'min') {
    this.#direction = value;
    this.#touch('objective');
  }
  get confirmLarge(): boolean {
    return this.#confirmLarge;
  }
  set confirmLarge(value: boolean) {
    this.#confirmLarge = value;
    this.#touch('yes');
  }
  get submitting(): boolean {
    return this.#submitting;
  }
  /** What Start sends (`sweeps/start`), as the form stands. */
  get request(): SweepRequestInput {
    return this.#request;
  }
  /** Searched parameters that parse and check, in row order. */
  get space(): readonly SearchParam[] {
    return this.#space;
  }
  /** Trials of a grid over the valid rows (a continuous row counts as unbounded). */
  get gridSize(): number {
    return this.#space.length === 0 ? 0 : gridSize(this.#space);
  }
  /** Metrics the trials log every epoch, and the test set's when there is one (not for successive halving). */
  get objectiveMetrics(): string[] {
    const testSplit = Number(this.fixed.values.test_split || 0);
    return EPOCH_METRICS.filter((m) => m !== 'lr' && (!m.startsWith('test_') || (testSplit > 0 && !this.prunes)));
  }
  /** Rung epochs of a successive-halving sweep, when its settings are valid. */
  get rungs(): number[] {
    const epochs = Number(this.fixed.values.epochs.trim() || 10);
    const min = numberOrNone(this.#values.min_epochs) ?? 1;
    const factor = numberOrNone(this.#values.reduction_factor) ?? 3;
    if (!(Number.isInteger(min) && min >= 1 && Number.isInteger(factor) && factor >= 2 && Number.isInteger(epochs) && min < epochs)) return [];
    return ashaRungs({ min_epochs: min, max_epochs: epochs, reduction_factor: factor });
  }

  value(field: keyof SweepValues): string {
    return this.#values[field];
  }
  set(field: keyof SweepValues, value: string): void {
    this.#values[field] = value;
    this.#touch(field);
  }

  errorFor(field: SweepField | 'form' | 'space'): string | undefined {
    const server = this.#serverErrors[field];
    if (server || field === 'form' || field === 'space') return server;
    return this.#submitTried || this.#touched.has(field) ? this.#clientErrors[field] : undefined;
  }

  /** The row's problem: the host's, else the shared parsers' (shown live, as the row is typed). */
  rowError(index: number): string | undefined {
    const row = this.#rows[index];
    if (!row) return undefined;
    const check = this.#rowChecks[index];
    return this.#rowServerErrors[row.id] ?? (check && !check.ok ? check.message : undefined);
  }

  addRow(): void {
    const name = nextParamName(this.#rows.map((r) => r.name));
    this.#rows.push(suggestedRow(this.#nextId++, name, this.fixed.values[name as FormField]));
    this.#clearServer('space');
  }
  removeRow(id: number): void {
    this.#rows = this.#rows.filter((r) => r.id !== id);
    this.#clearServer('space');
  }
  /** Changes a row; a new parameter starts from its suggested range. */
  updateRow(id: number, patch: Partial<Omit<SpaceRow, 'id'>>): void {
    const index = this.#rows.findIndex((r) => r.id === id);
    const row = this.#rows[index];
    if (!row) return;
    let next: SpaceRow = { ...row, ...patch };
    if (patch.name !== undefined && patch.name !== row.name) next = suggestedRow(id, patch.name, this.fixed.values[patch.name as FormField]);
    if (patch.kind !== undefined && patch.kind !== row.kind) next = withKind(row, patch.kind as DistributionKind);
    this.#rows[index] = next;
    if (this.#rowServerErrors[id]) this.#rowServerErrors = Object.fromEntries(Object.entries(this.#rowServerErrors).filter(([key]) => Number(key) !== id));
  }

  /** Replaces the fixed options (from a run to start a sweep from) and forgets errors. */
  prefill(values: FormValues, experiment: string): void {
    this.fixed.reset(values);
    this.#values.experiment = experiment;
    this.#serverErrors = {};
    this.#rowServerErrors = {};
  }

  /** Starts the sweep; resolves with its id, or null when the input was refused (the errors are then shown). */
  async submit(client: ApiClient): Promise<number | null> {
    if (this.#submitting) return null;
    this.#submitTried = true;
    this.fixed.showAllErrors();
    const rowsBad = this.#rowChecks.some((check) => !check.ok) || this.#rows.length === 0;
    if (rowsBad || Object.keys(this.#clientErrors).length > 0 || this.fixed.hasClientErrors('train')) {
      if (this.#rows.length === 0) this.#serverErrors = { space: 'add at least one parameter to search' };
      return null;
    }
    this.#submitting = true;
    this.#serverErrors = {};
    try {
      return (await client.call('sweeps/start', this.#request)).sweep_id;
    } catch (error) {
      const sorted = sortFieldErrors(error instanceof ApiCallError ? error.fields : [], errorMessage(error), this.#rows);
      this.#serverErrors = sorted.own;
      this.#rowServerErrors = sorted.rows;
      this.fixed.showServerErrors(sorted.options);
      return null;
    } finally {
      this.#submitting = false;
    }
  }

  #touch(field: SweepField): void {
    this.#touched.add(field);
    this.#clearServer(field);
  }

  #clearServer(field: SweepField | 'form' | 'space'): void {
    if (!this.#serverErrors[field]) return;
    const next = { ...this.#serverErrors };
    delete next[field];
    this.#serverErrors = next;
  }
}
