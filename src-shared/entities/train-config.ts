import { z } from 'zod';

export const BACKENDS = ['auto', 'tensorflow-cuda', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
/** A backend a run actually trained on (never `auto`). */
export type BackendName = Exclude<BackendChoice, 'auto'>;

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const OPTIMIZERS = ['sgd', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Largest values accepted, to refuse typos (an extra zero) before they allocate gigabytes. */
export const LIMITS = {
  hiddenUnits: 8192,
  hiddenLayers: 16,
  epochs: 100_000,
  batchSize: 65_536,
  nameLength: 200,
} as const;

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
  /** A dataset name from the catalogue (`digits`, `iris`, ...). */
  dataset: z.string({ error: 'dataset is required' }).min(1, { error: 'dataset is required' }),
  /** Units per hidden layer, input side first. An empty list trains a linear (softmax regression) model. */
  hidden: z
    .array(positiveInt('each hidden layer size', LIMITS.hiddenUnits), { error: 'hidden must be a list of layer sizes' })
    .max(LIMITS.hiddenLayers, { error: `at most ${LIMITS.hiddenLayers} hidden layers` })
    .default([256, 256]),
  activation: z.enum(ACTIVATIONS, { error: `activation must be one of ${ACTIVATIONS.join(', ')}` }).default('relu'),
  /** Dropout rate after each hidden activation, in [0, 1). */
  dropout: z
    .number({ error: 'dropout must be a number' })
    .min(0, { error: 'dropout must be at least 0' })
    .lt(1, { error: 'dropout must be below 1' })
    .default(0.2),
  optimizer: z.enum(OPTIMIZERS, { error: `optimizer must be one of ${OPTIMIZERS.join(', ')}` }).default('sgd'),
  /** Learning rate, > 0. */
  lr: z.number({ error: 'lr must be a number' }).gt(0, { error: 'lr must be greater than 0' }).max(100, { error: 'lr must be at most 100' }).default(0.01),
  /** SGD momentum in [0, 1); ignored by Adam. */
  momentum: z
    .number({ error: 'momentum must be a number' })
    .min(0, { error: 'momentum must be at least 0' })
    .lt(1, { error: 'momentum must be below 1' })
    .default(0.9),
  batch_size: positiveInt('batch_size', LIMITS.batchSize).default(32),
  epochs: positiveInt('epochs', LIMITS.epochs).default(10),
  /** Seed of every random choice in the run (split, shuffling, initialisation, dropout). Chosen and recorded when absent. */
  seed: z
    .number({ error: 'seed must be a number' })
    .int({ error: 'seed must be a whole number' })
    .min(0, { error: 'seed must be at least 0' })
    .max(2 ** 32 - 1, { error: 'seed must be below 2^32' })
    .optional(),
  /** Fraction of the dataset held out for validation, in (0, 1). */
  val_split: z
    .number({ error: 'val_split must be a number' })
    .gt(0, { error: 'val_split must be greater than 0' })
    .lt(1, { error: 'val_split must be below 1' })
    .default(0.2),
  backend: z.enum(BACKENDS, { error: `backend must be one of ${BACKENDS.join(', ')}` }).default('auto'),
  /** Display name; defaults to `<dataset>-<run id>`. */
  name: z.string().trim().max(LIMITS.nameLength, { error: `name must be at most ${LIMITS.nameLength} characters` }).optional(),
  experiment: z
    .string()
    .trim()
    .min(1, { error: 'experiment must not be empty' })
    .max(LIMITS.nameLength, { error: `experiment must be at most ${LIMITS.nameLength} characters` })
    .default('default'),
});

/** What a client sends: every field but `dataset` may be left out. */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
/** A complete configuration, defaults applied. `seed` is filled in by the host before the run is created. */
export type TrainConfig = z.output<typeof trainConfigSchema>;
/** The configuration a run is created with: the seed is always known. */
export type ResolvedTrainConfig = TrainConfig & { seed: number };

/** The hyperparameters that are logged as params, in display order. `name` and `experiment` are run metadata, not params. */
export const PARAM_KEYS = [
  'dataset',
  'hidden',
  'activation',
  'dropout',
  'optimizer',
  'lr',
  'momentum',
  'batch_size',
  'epochs',
  'seed',
  'val_split',
  'backend',
] as const;

export type ParamValue = string | number | boolean | null;

/**
 * Flattens a configuration into typed, queryable params: numbers stay numbers, lists become
 * comma-separated text (`hidden = "256,256"`), and nested objects become dotted keys.
 */
export function flattenParams(config: ResolvedTrainConfig): Record<string, ParamValue> {
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
  for (const key of PARAM_KEYS) visit(key, config[key]);
  return out;
}
