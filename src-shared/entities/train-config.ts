import { z } from 'zod';
import { MODEL_NAMES, parseLayers } from '../model/layers';
import { parseAugment, parseEarlyStopping, parseFreeze, parseInit, parseLrSchedule, type Parsed } from './specs';

export const BACKENDS = ['auto', 'tensorflow-cuda', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
/** A backend a run actually trained on (never `auto`). */
export type BackendName = Exclude<BackendChoice, 'auto'>;

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Largest values accepted, to refuse typos (an extra zero) before they allocate gigabytes. */
export const LIMITS = {
  hiddenUnits: 8192,
  hiddenLayers: 16,
  epochs: 100_000,
  batchSize: 65_536,
  nameLength: 200,
} as const;

/** A text spec checked by its parser (specs.ts), so the CLI, the form and the worker agree on what is valid. */
const spec = (field: string, parse: (text: string) => Parsed<unknown>, fallback: string) =>
  // `field` names the option in type errors; a parser's message is shown next to the field as it is.
  z
    .string({ error: `${field} must be text` })
    .trim()
    .default(fallback)
    .superRefine((text, ctx) => {
      const parsed = parse(text);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
    });

const rate = (field: string) =>
  z
    .number({ error: `${field} must be a number` })
    .min(0, { error: `${field} must be at least 0` })
    .lt(1, { error: `${field} must be below 1` });

const positiveInt = (field: string, max: number) =>
  z
    .number({ error: `${field} must be a number` })
    .int({ error: `${field} must be a whole number` })
    .min(1, { error: `${field} must be at least 1` })
    .max(max, { error: `${field} must be at most ${max}` });

/**
 * Everything that defines a training run. Field names are the param names that are logged and exported
 * (`batch_size`, `val_split`...), and the CLI flags are the same names in kebab case.
 */
export const trainConfigSchema = z.object({
  /** A dataset name from the catalogue (`digits`, `iris`, ...), or a view of one (`fashion-mnist:classes=0-4,n=12000`). */
  dataset: z.string({ error: 'dataset is required' }).min(1, { error: 'dataset is required' }),
  /**
   * A named model: `mlp` (built from `hidden`, `activation` and `dropout`, the default), `cnn` (a small CNN, fast on a
   * CPU) or `lenet5`. The expanded layer list is recorded as the param `layers`.
   */
  model: z.enum(MODEL_NAMES, { error: `model must be one of ${MODEL_NAMES.join(', ')}` }).optional(),
  /**
   * The model as a layer list, PyTorch's names: `conv2d(32,3),relu,maxpool2d(2),flatten,linear(128),relu`. The output
   * layer is added. Overrides `model`, `hidden`, `activation` and `dropout`.
   */
  layers: z
    .string({ error: 'layers must be text' })
    .trim()
    .superRefine((text, ctx) => {
      const parsed = parseLayers(text);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
    })
    .optional(),
  /** Units per hidden layer, input side first. An empty list trains a linear (softmax regression) model. */
  hidden: z
    .array(positiveInt('each hidden layer size', LIMITS.hiddenUnits), { error: 'hidden must be a list of layer sizes' })
    .max(LIMITS.hiddenLayers, { error: `at most ${LIMITS.hiddenLayers} hidden layers` })
    .default([256, 256]),
  activation: z.enum(ACTIVATIONS, { error: `activation must be one of ${ACTIVATIONS.join(', ')}` }).default('relu'),
  /** Weight initialiser of every dense layer: `glorot-uniform` (default), `uniform:LOW,HIGH`, `normal:MEAN,STD`... */
  init: spec('init', parseInit, 'glorot-uniform'),
  /** Bias initialiser: `zeros` (default), `constant:VALUE`, or any weight initialiser. */
  bias_init: spec('bias_init', parseInit, 'zeros'),
  /** Dropout after each hidden activation, in [0, 1): one rate for every layer, or one per hidden layer. */
  dropout: z.union([rate('dropout'), z.array(rate('dropout'), { error: 'dropout must be a rate or a list of rates' })], { error: 'dropout must be a number' }).default(0.2),
  optimizer: z.enum(OPTIMIZERS, { error: `optimizer must be one of ${OPTIMIZERS.join(', ')}` }).default('sgd'),
  /** Learning rate, > 0. */
  lr: z.number({ error: 'lr must be a number' }).gt(0, { error: 'lr must be greater than 0' }).max(100, { error: 'lr must be at most 100' }).default(0.01),
  /** Momentum of SGD and RMSprop, in [0, 1); Adam and AdamW ignore it. */
  momentum: z
    .number({ error: 'momentum must be a number' })
    .min(0, { error: 'momentum must be at least 0' })
    .lt(1, { error: 'momentum must be below 1' })
    .default(0.9),
  /** Nesterov momentum (SGD only). */
  nesterov: z.boolean({ error: 'nesterov must be true or false' }).default(false),
  /**
   * Weight decay, with PyTorch's meaning for sgd, adam and rmsprop: each gradient gains `weight_decay * w` (L2);
   * with adamw it is decoupled: every step also shrinks each weight by `lr * weight_decay * w`.
   */
  weight_decay: z
    .number({ error: 'weight_decay must be a number' })
    .min(0, { error: 'weight_decay must be at least 0' })
    .max(1, { error: 'weight_decay must be at most 1' })
    .default(0),
  /** `constant`, `step:EVERY,GAMMA` or `cosine`; each epoch's rate is logged as metric `lr`. */
  lr_schedule: spec('lr_schedule', parseLrSchedule, 'constant'),
  batch_size: positiveInt('batch_size', LIMITS.batchSize).default(32),
  epochs: positiveInt('epochs', LIMITS.epochs).default(10),
  /** Seed of every random choice in the run (split, shuffling, initialisation, dropout). Chosen and recorded when absent. */
  seed: z
    .number({ error: 'seed must be a number' })
    .int({ error: 'seed must be a whole number' })
    .min(0, { error: 'seed must be at least 0' })
    .max(2 ** 32 - 1, { error: 'seed must be below 2^32' })
    .optional(),
  /** Fraction of the dataset held out for validation, in (0, 1), stratified by class. */
  val_split: z
    .number({ error: 'val_split must be a number' })
    .gt(0, { error: 'val_split must be greater than 0' })
    .lt(1, { error: 'val_split must be below 1' })
    .default(0.2),
  /** Fraction held out as a test set, evaluated once after training; 0 for none. */
  test_split: z
    .number({ error: 'test_split must be a number' })
    .min(0, { error: 'test_split must be at least 0' })
    .lt(1, { error: 'test_split must be below 1' })
    .default(0),
  /** Standardise features with training-split statistics (for imported datasets; built-ins have their own scaling). */
  standardize: z.boolean({ error: 'standardize must be true or false' }).default(false),
  /** On-the-fly augmentation of the training set: `none`, or `shift=1,rotate=10,noise=0.05` (images), `noise=0.1`. */
  augment: spec('augment', parseAugment, 'none'),
  /** `off`, or `PATIENCE[:MIN_DELTA]` on validation loss; the best epoch's weights are restored. */
  early_stopping: spec('early_stopping', parseEarlyStopping, 'off'),
  /** Sanity check: train repeatedly on one fixed batch of this many training samples (1: a single datapoint). */
  overfit_batch: positiveInt('overfit_batch', LIMITS.batchSize).optional(),
  /** Start from this run's final weights (fine-tuning); the new run records it as its parent. */
  from_run: positiveInt('from_run', Number.MAX_SAFE_INTEGER).optional(),
  /** Layers that do not train: `none`, hidden layer indices `0,1`, or `all-but-last`. */
  freeze: spec('freeze', parseFreeze, 'none'),
  backend: z.enum(BACKENDS, { error: `backend must be one of ${BACKENDS.join(', ')}` }).default('auto'),
  /** Display name; defaults to `<dataset>-<run id>`. */
  name: z.string().trim().max(LIMITS.nameLength, { error: `name must be at most ${LIMITS.nameLength} characters` }).optional(),
  experiment: z
    .string()
    .trim()
    .min(1, { error: 'experiment must not be empty' })
    .max(LIMITS.nameLength, { error: `experiment must be at most ${LIMITS.nameLength} characters` })
    .default('default'),
})
  .strict()
  .superRefine((config, ctx) => {
    if (Array.isArray(config.dropout) && config.dropout.length !== config.hidden.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['dropout'],
        message: `dropout lists ${config.dropout.length} rate(s) for ${config.hidden.length} hidden layer(s): give one rate, or one per hidden layer`,
      });
    }
    if (config.nesterov && (config.optimizer !== 'sgd' || config.momentum === 0)) {
      ctx.addIssue({ code: 'custom', path: ['nesterov'], message: 'nesterov needs the sgd optimizer with a momentum above 0' });
    }
    if (config.layers !== undefined && config.model !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['layers'], message: 'give a model (--model) or a layer list (--layers), not both' });
    }
    if (config.val_split + config.test_split >= 1) {
      ctx.addIssue({ code: 'custom', path: ['test_split'], message: `val_split ${config.val_split} and test_split ${config.test_split} leave no training data` });
    }
  });

/** The dropout rate of each hidden layer. */
export function dropoutRates(config: Pick<TrainConfig, 'dropout' | 'hidden'>): number[] {
  return Array.isArray(config.dropout) ? config.dropout : config.hidden.map(() => config.dropout as number);
}

/** What a client sends: every field but `dataset` may be left out. */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
/** A complete configuration, defaults applied. `seed` is filled in by the host before the run is created. */
export type TrainConfig = z.output<typeof trainConfigSchema>;
/** The configuration a run is created with: the seed is always known. */
export type ResolvedTrainConfig = TrainConfig & { seed: number };

/** The hyperparameters that are logged as params, in display order. `name` and `experiment` are run metadata, not params. */
export const PARAM_KEYS = [
  'dataset',
  'model',
  'layers',
  'hidden',
  'activation',
  'init',
  'bias_init',
  'dropout',
  'optimizer',
  'lr',
  'momentum',
  'nesterov',
  'weight_decay',
  'lr_schedule',
  'batch_size',
  'epochs',
  'seed',
  'val_split',
  'test_split',
  'standardize',
  'augment',
  'early_stopping',
  'overfit_batch',
  'from_run',
  'freeze',
  'backend',
] as const;

export type ParamValue = string | number | boolean | null;

/** The optimisers that use `momentum` (RMSprop as its momentum term); Adam and AdamW ignore it. */
export const MOMENTUM_OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'rmsprop'];

export function usesMomentum(optimizer: OptimizerName): boolean {
  return MOMENTUM_OPTIMIZERS.includes(optimizer);
}

/** How a fine-tuned run's weights start: its parent's, with the output layer replaced when the classes differ. */
export interface FineTuningStart {
  replaceOutput: boolean;
}

/**
 * Whether a param shapes this run, so that a run records (and the table, Compare and exports show) only what did:
 * `momentum` only for SGD and RMSprop, `nesterov` only for SGD with momentum, and the initialisers of a fine-tuned
 * run only when its output layer is replaced (the other weights come from the parent), `hidden`, `activation` and
 * `dropout` only for the MLP they build (a layer list or a named model says everything itself). The learning-rate schedule
 * and the augmentation are one text param each (`step:10,0.5`, `shift=1`), so no part of them outlives its choice.
 * @param fineTuning How a fine-tuned run starts; when `from_run` is set and this is not given, the output layer is
 *   taken as kept (the parent's).
 */
export function paramApplies(key: (typeof PARAM_KEYS)[number], config: TrainConfig, fineTuning?: FineTuningStart | null): boolean {
  switch (key) {
    case 'momentum':
      return usesMomentum(config.optimizer);
    case 'nesterov':
      return config.optimizer === 'sgd' && config.momentum > 0;
    case 'init':
    case 'bias_init':
      return config.from_run === undefined || fineTuning?.replaceOutput === true;
    case 'hidden':
    case 'activation':
    case 'dropout':
      return config.layers === undefined && (config.model === undefined || config.model === 'mlp');
    default:
      return true;
  }
}

/**
 * Flattens a configuration into typed, queryable params: numbers stay numbers, lists become
 * comma-separated text (`hidden = "256,256"`), and nested objects become dotted keys. Params that do nothing for
 * this configuration are left out (see `paramApplies`).
 * @param fineTuning For a fine-tuned run (`from_run`): whether its output layer is replaced, i.e. initialised anew.
 */
export function flattenParams(config: ResolvedTrainConfig, fineTuning?: FineTuningStart | null): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  const visit = (prefix: string, value: unknown): void => {
    if (value === undefined) return;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[prefix] = value;
    } else if (Array.isArray(value)) {
      out[prefix] = value.map(String).join(',');
    } else if (typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) visit(`${prefix}.${key}`, inner);
    }
  };
  for (const key of PARAM_KEYS) if (paramApplies(key, config, fineTuning)) visit(key, config[key]);
  return out;
}
