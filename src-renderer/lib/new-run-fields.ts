import type { FieldError } from '../../src-shared/api/errors';
import { toFieldErrors } from '../../src-shared/api/validation';
import type { ParamValue, TrainConfigInput } from '../../src-shared/entities/train-config';
import { trainConfigSchema } from '../../src-shared/entities/train-config';

/** The New run form's fields: the contract's `runs/start` input names, as the user types them. */
export const FORM_FIELDS = Object.keys(trainConfigSchema.shape) as (keyof typeof trainConfigSchema.shape)[];
export type FormField = (typeof FORM_FIELDS)[number];
export type FormValues = Record<FormField, string>;
/** One message per field, plus `form` for errors that name no field of the form. */
export type FormErrors = Partial<Record<FormField | 'form', string>>;

const NUMBER_FIELDS = ['dropout', 'lr', 'momentum', 'batch_size', 'epochs', 'seed', 'val_split'] as const;
const OPTIONAL_TEXT_FIELDS = ['name', 'experiment'] as const;

/** The schema's defaults, as the form shows them. */
export function defaultFormValues(): FormValues {
  const defaults = trainConfigSchema.parse({ dataset: 'x' });
  return {
    dataset: '',
    hidden: defaults.hidden.join(','),
    activation: defaults.activation,
    dropout: String(defaults.dropout),
    optimizer: defaults.optimizer,
    lr: String(defaults.lr),
    momentum: String(defaults.momentum),
    batch_size: String(defaults.batch_size),
    epochs: String(defaults.epochs),
    seed: '',
    val_split: String(defaults.val_split),
    backend: defaults.backend,
    name: '',
    experiment: defaults.experiment,
  };
}

/** Form values from another run's params (for "Clone"), falling back to the defaults for what it lacks. */
export function formValuesFromParams(params: Record<string, ParamValue>, experiment: string): FormValues {
  const values = defaultFormValues();
  for (const field of FORM_FIELDS) {
    const value = params[field];
    if (value !== undefined && value !== null) values[field] = String(value);
  }
  values.experiment = experiment;
  // A clone trains with a new seed unless the user types one.
  values.seed = '';
  return values;
}

/** `"256, 128"` -> `[256, 128]`; an empty text is no hidden layer. Non-numbers become NaN for the schema to name. */
function parseHidden(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(/[\s,]+/).filter((part) => part !== '').map(Number);
}

function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}

/**
 * The `runs/start` input the form describes. Empty number fields are left out so the schema's default applies;
 * text that is not a number is passed as NaN, so the schema's own message ("lr must be a number") is shown.
 */
export function toTrainConfig(values: FormValues): TrainConfigInput {
  const config: Record<string, unknown> = {
    dataset: values.dataset === '' ? undefined : values.dataset,
    hidden: parseHidden(values.hidden),
    activation: values.activation,
    optimizer: values.optimizer,
    backend: values.backend,
  };
  for (const field of NUMBER_FIELDS) config[field] = parseNumber(values[field]);
  for (const field of OPTIONAL_TEXT_FIELDS) config[field] = values[field].trim() === '' ? undefined : values[field];
  for (const key of Object.keys(config)) if (config[key] === undefined) delete config[key];
  return config as TrainConfigInput;
}

function isFormField(name: string): name is FormField {
  return (FORM_FIELDS as readonly string[]).includes(name);
}

/** Files each field error under the form field it names (`hidden.0` -> `hidden`); the rest under `form`. */
export function groupFieldErrors(fields: readonly FieldError[]): FormErrors {
  const errors: FormErrors = {};
  for (const { field, message } of fields) {
    const head = field.split('.')[0] ?? field;
    const key = isFormField(head) ? head : 'form';
    const text = key === 'form' && field !== '(input)' ? `${field}: ${message}` : message;
    errors[key] = errors[key] ? `${errors[key]}; ${text}` : text;
  }
  return errors;
}

/** Client-side validation with the very schema the host applies to `runs/start`. */
export function validateTrainConfig(config: TrainConfigInput): FormErrors {
  const result = trainConfigSchema.strict().safeParse(config);
  return result.success ? {} : groupFieldErrors(toFieldErrors(result.error));
}
