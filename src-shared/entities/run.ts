import { z } from 'zod';
import { generalisationGap } from '../overfitting';

/** `pruned`: a sweep's successive halving stopped the trial early (its logged epochs are kept). */
export const RUN_STATUSES = ['queued', 'running', 'finished', 'failed', 'stopped', 'interrupted', 'diverged', 'pruned'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const runStatusSchema = z.enum(RUN_STATUSES);

/** Statuses a run never leaves. */
export const TERMINAL_STATUSES: readonly RunStatus[] = ['finished', 'failed', 'stopped', 'interrupted', 'diverged', 'pruned'];
export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/**
 * A metric value as it crosses JSON: finite numbers as numbers, and the non-finite values that JSON cannot
 * hold as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`, so a diverged loss is never silently `null`.
 */
export const metricValueSchema = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
export type MetricValue = z.infer<typeof metricValueSchema>;

export const paramValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Live progress of a running run, inside the current epoch (epochs and batches counted from 1). */
export const runProgressSchema = z.object({
  epoch: z.number().int(),
  epochs: z.number().int(),
  batch: z.number().int(),
  batches: z.number().int(),
  /** Mean training loss so far in this epoch. */
  loss: metricValueSchema.nullable(),
  /** Estimated milliseconds until the run ends. */
  eta_ms: z.number().nullable(),
});
export type RunProgress = z.infer<typeof runProgressSchema>;

/**
 * What a run is: a normal training run, a sanity check that overfits one batch (`--overfit-batch`), or a run Runboard
 * did not train: logged by a script through the MLflow API, or imported from MLflow or TensorBoard records.
 */
export const RUN_KINDS = ['train', 'sanity', 'external'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** How an external run reached Runboard. */
export const RUN_SOURCE_TYPES = ['mlflow-api', 'mlflow-file-store', 'mlflow-sqlite', 'tensorboard'] as const;
export type RunSourceType = (typeof RUN_SOURCE_TYPES)[number];

/** Where an external run came from, recorded with it. */
export const runSourceSchema = z.object({
  type: z.enum(RUN_SOURCE_TYPES),
  /** The script (MLflow's `mlflow.source.name`), or the folder or database file it was imported from. */
  location: z.string().nullable(),
  /** The run's id in the tracker it came from (an MLflow run id; a TensorBoard run's first event file). */
  original_id: z.string().nullable(),
  /** Who ran it (MLflow's `user_id`), when known. */
  user: z.string().nullable(),
  /** When it was imported, ms since the Unix epoch; null for a run logged live. */
  imported_at: z.number().nullable(),
});
export type RunSource = z.infer<typeof runSourceSchema>;

/** How a run ended and what it left, recorded when it ends (fields are null while unknown). */
export const runOutcomeSchema = z.object({
  /** Why training stopped: all epochs done, early stopping, a stop request, a diverging loss, an error. */
  stop_reason: z.enum(['completed', 'early_stopping', 'stopped', 'diverged', 'failed', 'pruned']).nullable(),
  /** Epoch of the lowest validation loss (the weights kept when early stopping restored them). */
  best_epoch: z.number().int().nullable(),
  /** True when early stopping put the best epoch's weights back. */
  restored_best: z.boolean(),
  /** Dense layers that did not train (hidden layers 0..H-1, output layer H). */
  frozen_layers: z.array(z.number().int()),
  /** Fine-tuning onto a dataset with another number of classes replaced the parent's output layer. */
  output_layer_replaced: z.boolean(),
  /** Saved weights: `final` (every finished run) and `best` (when early stopping was on). */
  checkpoint: z.object({ final: z.boolean(), best: z.boolean() }),
  train_size: z.number().int().nullable(),
  val_size: z.number().int().nullable(),
  test_size: z.number().int().nullable(),
});
export type RunOutcome = z.infer<typeof runOutcomeSchema>;

/** One row of the runs table. Times are milliseconds since the Unix epoch. */
export const runSummarySchema = z.object({
  run_id: z.number().int(),
  name: z.string(),
  experiment: z.string(),
  status: runStatusSchema,
  kind: z.enum(RUN_KINDS),
  /** Where an `external` run came from; null for runs Runboard trained. */
  source: runSourceSchema.nullable(),
  /** Backend the run trained on (`wasm`, `tensorflow`...), or the one requested while it is queued. */
  backend: z.string().nullable(),
  /** Device description, e.g. `CPU (WebAssembly SIMD, 1 thread)`. */
  device: z.string().nullable(),
  parent_run_id: z.number().int().nullable(),
  /** The sweep this run is a trial of, and its trial number (from 1). */
  sweep_id: z.number().int().nullable(),
  trial: z.number().int().nullable(),
  /**
   * Which run of its trial this is, from 1: a resumed sweep runs its stopped trials again, and each rerun is the next
   * attempt of the same trial number. Null outside sweeps.
   */
  attempt: z.number().int().nullable(),
  seed: z.number().int().nullable(),
  created_at: z.number(),
  started_at: z.number().nullable(),
  ended_at: z.number().nullable(),
  /** Seconds from start to end (or to now while running). */
  duration_s: z.number().nullable(),
  error: z.string().nullable(),
  params: z.record(z.string(), paramValueSchema),
  /** Final (last logged) value of each metric. */
  metrics: z.record(z.string(), metricValueSchema),
  /** Best value of each metric: highest for accuracies, lowest for losses; none for settings like `lr` (`hasBest`). */
  best: z.record(z.string(), metricValueSchema),
  /** Number of epochs logged. */
  epochs: z.number().int(),
  progress: runProgressSchema.nullable(),
  outcome: runOutcomeSchema.nullable(),
  /** Free-form labels (`stage: final`), editable in the runs table. */
  tags: z.record(z.string(), z.string()),
  notes: z.string().nullable(),
  /** Archived runs are hidden from the runs table unless asked for. */
  archived: z.boolean(),
  /** In the trash: hidden everywhere, restorable for seven days. */
  deleted: z.boolean(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const metricPointSchema = z.object({
  /** Epoch, counted from 1 (an external run's step, from 0). */
  step: z.number().int(),
  value: metricValueSchema,
  /** Wall time the epoch ended, ms since the Unix epoch. */
  time: z.number(),
});
export type MetricPoint = z.infer<typeof metricPointSchema>;

export const metricSeriesSchema = z.object({
  run_id: z.number().int(),
  key: z.string(),
  points: z.array(metricPointSchema),
  /** True when the series was downsampled to fit the point budget. */
  downsampled: z.boolean(),
});
export type MetricSeries = z.infer<typeof metricSeriesSchema>;

/**
 * Which way is better for a metric: accuracies (and precision, recall, F1) and rates such as `samples_per_second`
 * up, everything else (losses, `epoch_seconds`) down.
 */
export function metricDirection(key: string): 'max' | 'min' {
  return /acc|precision|recall|f1|auc|per_second/i.test(key) ? 'max' : 'min';
}

/**
 * Metrics that record a setting, not a result: `lr`, the rate the schedule set for each epoch. Neither way is
 * better for them, so they have a final, a lowest and a highest value but no best.
 */
export const SETTING_METRICS: readonly string[] = ['lr'];

/** Whether "best" means something for a metric (see `SETTING_METRICS`), so that a best value is kept and shown. */
export function hasBest(key: string): boolean {
  return !SETTING_METRICS.includes(key);
}

/**
 * A run's generalisation gap: final train_accuracy − val_accuracy (large: overfitting), or null when either is
 * missing or not finite. The runs table's `gap` column and its export; the store sorts by the same difference.
 */
export function runGap(run: Pick<RunSummary, 'metrics'>): number | null {
  const finite = (value: MetricValue | undefined) => (typeof value === 'number' ? value : undefined);
  return generalisationGap(finite(run.metrics['train_accuracy']), finite(run.metrics['val_accuracy']));
}

/** The metrics every epoch logs, then those logged once after training. */
export const EPOCH_METRICS = ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'lr', 'test_loss', 'test_accuracy'] as const;

export function toMetricValue(value: number): MetricValue {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

export function fromMetricValue(value: MetricValue): number {
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return value;
}
