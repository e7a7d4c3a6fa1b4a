import type { FieldError } from '../../src-shared/api/errors';
import { toFieldErrors } from '../../src-shared/api/validation';
import { parseSyntheticDataset } from '../../src-shared/entities/specs';
import type { ParamValue, TrainConfigInput } from '../../src-shared/entities/train-config';
import { OPTIMIZERS, trainConfigSchema, usesMomentum, type OptimizerName } from '../../src-shared/entities/train-config';
import type { NewRunMode } from './routes';

/**
 * The Model choice that sends the form's layer list (`layers`) rather than a named model (`model`: mlp, cnn, lenet5);
 * it is the form's, never sent.
 */
export const CUSTOM_MODEL = 'custom';

/** The New run form's fields: the contract's `runs/start` input names, as the user types them. */
export const FORM_FIELDS = Object.keys(trainConfigSchema.shape) as (keyof typeof trainConfigSchema.shape)[];
export type FormField = (typeof FORM_FIELDS)[number];
/** Every value as the user typed it; the two booleans are `"true"` or `"false"`. */
export type FormValues = Record<FormField, string>;
/** One message per field, plus `form` for errors that name no field of the form. */
export type FormErrors = Partial<Record<FormField | 'form', string>>;

/** What a submit starts: a training run, or the sanity check that overfits one batch (`overfit_batch` set). */
export type SubmitMode = 'train' | 'sanity';

const NUMBER_FIELDS = ['lr', 'momentum', 'weight_decay', 'batch_size', 'epochs', 'seed', 'val_split', 'test_split', 'from_run'] as const;
const BOOLEAN_FIELDS = ['nesterov', 'standardize'] as const;
/** Text specs checked by their parsers (specs.ts); empty text means the default. */
const SPEC_FIELDS = ['init', 'bias_init', 'lr_schedule', 'augment', 'early_stopping', 'freeze'] as const;
const OPTIONAL_TEXT_FIELDS = ['name', 'experiment'] as const;

/** Fields in the collapsed "advanced" part of the form (it opens by itself when one of them has an error). */
export const ADVANCED_FIELDS: readonly FormField[] = [
  'test_split',
  'standardize',
  'init',
  'bias_init',
  'nesterov',
  'weight_decay',
  'lr_schedule',
  'early_stopping',
  'from_run',
  'freeze',
];

/** The schema's defaults, as the form shows them. */
export function defaultFormValues(): FormValues {
  const defaults = trainConfigSchema.parse({ dataset: 'x' });
  return {
    dataset: '',
    model: 'mlp',
    layers: '',
    hidden: defaults.hidden.join(','),
    activation: defaults.activation,
    init: defaults.init,
    bias_init: defaults.bias_init,
    dropout: Array.isArray(defaults.dropout) ? defaults.dropout.join(',') : String(defaults.dropout),
    optimizer: defaults.optimizer,
    lr: String(defaults.lr),
    momentum: String(defaults.momentum),
    nesterov: String(defaults.nesterov),
    weight_decay: String(defaults.weight_decay),
    lr_schedule: defaults.lr_schedule,
    batch_size: String(defaults.batch_size),
    epochs: String(defaults.epochs),
    seed: '',
    val_split: String(defaults.val_split),
    test_split: String(defaults.test_split),
    standardize: String(defaults.standardize),
    augment: defaults.augment,
    early_stopping: defaults.early_stopping,
    overfit_batch: '1',
    from_run: '',
    freeze: defaults.freeze,
    backend: defaults.backend,
    name: '',
    experiment: defaults.experiment,
  };
}

/**
 * Form values from another run's params, falling back to the defaults for what it lacks. `clone` trains with a new
 * seed; `scale-up` keeps everything, the seed too (Start run never sends `overfit_batch`, so it trains on the whole
 * training set); `finetune` starts from the run's weights with its convolutional part, or every layer but the output
 * layer, frozen (`fineTuningFreeze`), with the same seed and a tenth of its learning rate (`fineTuningLearningRate`).
 */
export function formValuesFromParams(params: Record<string, ParamValue>, experiment: string, mode: NewRunMode = 'clone', runId?: number): FormValues {
  const values = defaultFormValues();
  for (const field of FORM_FIELDS) {
    const value = params[field];
    if (value !== undefined && value !== null) values[field] = String(value);
  }
  values.experiment = experiment;
  Object.assign(values, modelValuesFromParams(params));
  // A clone draws a new seed. A scale-up keeps it; so does a fine-tuning on the same data, so that the split (seeded)
  // keeps the parent's validation and test samples out of training.
  if (mode === 'clone') values.seed = '';
  if (mode === 'finetune' && runId !== undefined) {
    values.from_run = String(runId);
    values.freeze = fineTuningFreeze(params);
    const lr = params['lr'];
    if (typeof lr === 'number' && lr > 0) values.lr = String(fineTuningLearningRate(lr));
  }
  return values;
}

/**
 * The model fields of a run's params. Every run records its expanded layer list; the form keeps what the run was made
 * from: the MLP's sizes, a named model, or the list itself (the Custom layers choice).
 */
export function modelValuesFromParams(params: Record<string, ParamValue>): Pick<FormValues, 'model' | 'layers' | 'hidden' | 'activation'> {
  const values = defaultFormValues();
  const { model, hidden, activation, layers } = params;
  const custom = model === undefined && hidden === undefined && typeof layers === 'string';
  return {
    model: typeof model === 'string' ? model : custom ? CUSTOM_MODEL : 'mlp',
    layers: custom ? layers : '',
    hidden: hidden !== undefined && hidden !== null ? String(hidden) : values.hidden,
    activation: typeof activation === 'string' ? activation : values.activation,
  };
}

/**
 * What a fine-tuning freezes at first: the convolutional part of a model that has one (the course's transfer: keep the
 * features, train the classifier), else every layer but the output layer.
 */
export function fineTuningFreeze(params: Record<string, ParamValue>): string {
  const layers = params['layers'];
  return typeof layers === 'string' && /(^|,)\s*conv2d/i.test(layers) ? 'conv' : 'all-but-last';
}

/**
 * The learning rate a fine-tuning starts with: a tenth of the parent's, the usual step down so that the reused
 * weights are adjusted rather than overwritten. Rounded to 12 significant digits, so 0.03 gives 0.003, not
 * 0.0029999999999999996.
 */
export function fineTuningLearningRate(parentLr: number): number {
  return Number((parentLr / 10).toPrecision(12));
}

/** Whether the optimizer the form names uses the momentum field (SGD, RMSprop); Adam and AdamW have none. */
export function optimizerUsesMomentum(optimizer: string): boolean {
  return (OPTIMIZERS as readonly string[]).includes(optimizer) && usesMomentum(optimizer as OptimizerName);
}

/** `"256, 128"` -> `[256, 128]`; an empty text is no hidden layer. Non-numbers become NaN for the schema to name. */
function parseList(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed
    .split(/[\s,]+/)
    .filter((part) => part !== '')
    .map(Number);
}

function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}

/** `0.2` is one rate for every hidden layer, `0.5, 0.2` one per layer. */
function parseDropout(text: string): number | number[] | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /[\s,]/.test(trimmed) ? parseList(trimmed) : Number(trimmed);
}

/**
 * The `runs/start` input the form describes. Empty fields are left out so the schema's default applies; text that
 * is not a number is passed as NaN, so the schema's own message ("lr must be a number") is shown. `overfit_batch`
 * is sent only by the sanity check, `momentum` only to the optimizers that use it, and `nesterov` only with SGD. The
 * layer list is sent only for the Custom layers choice, and `hidden`, `activation` and `dropout` only for the MLP they
 * build.
 */
export function toTrainConfig(values: FormValues, mode: SubmitMode = 'train'): TrainConfigInput {
  const custom = values.model === CUSTOM_MODEL;
  const model = !custom && values.model !== 'mlp' && values.model !== '' ? values.model : undefined;
  const mlp = !custom && model === undefined;
  const config: Record<string, unknown> = {
    dataset: values.dataset.trim() === '' ? undefined : values.dataset.trim(),
    // An empty list is sent, for the schema to say that it is empty.
    layers: custom ? values.layers.trim() : undefined,
    model,
    hidden: mlp ? parseList(values.hidden) : undefined,
    activation: mlp ? values.activation : undefined,
    dropout: mlp ? parseDropout(values.dropout) : undefined,
    optimizer: values.optimizer,
    backend: values.backend,
  };
  for (const field of NUMBER_FIELDS) config[field] = parseNumber(values[field]);
  for (const field of BOOLEAN_FIELDS) config[field] = values[field] === 'true';
  for (const field of SPEC_FIELDS) config[field] = values[field].trim() === '' ? undefined : values[field].trim();
  for (const field of OPTIONAL_TEXT_FIELDS) config[field] = values[field].trim() === '' ? undefined : values[field];
  if (!optimizerUsesMomentum(values.optimizer)) config.momentum = undefined;
  if (values.optimizer !== 'sgd') config.nesterov = undefined;
  if (mode === 'sanity') config.overfit_batch = parseNumber(values.overfit_batch) ?? NaN;
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

/** Client-side validation with the very schema the host applies to `runs/start`, plus the synthetic dataset spec. */
export function validateTrainConfig(config: TrainConfigInput): FormErrors {
  const result = trainConfigSchema.strict().safeParse(config);
  const errors = result.success ? {} : groupFieldErrors(toFieldErrors(result.error));
  const synthetic = typeof config.dataset === 'string' ? parseSyntheticDataset(config.dataset) : null;
  if (synthetic && !synthetic.ok && !errors.dataset) errors.dataset = `dataset: ${synthetic.message}`;
  return errors;
}
