import { z } from 'zod';
import { metricValueSchema, paramValueSchema, runStatusSchema } from './run';

/**
 * How a sweep chooses its trials: every combination (`grid`), independent random draws (`random`), random draws
 * pruned by successive halving (`asha`), or Optuna's Tree-structured Parzen Estimator (`tpe`), which draws each trial's
 * params when it starts, from what the trials before it reached.
 */
export const STRATEGIES = ['grid', 'random', 'asha', 'tpe'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const SWEEP_STATUSES = ['running', 'finished', 'stopped', 'interrupted', 'failed'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

/** Above this many trials a grid needs an explicit yes. */
export const GRID_CONFIRM_LIMIT = 1000;

/** `val_accuracy:max`, `val_loss:min`: the metric a sweep optimises (its best value over a trial's epochs). */
export const objectiveSchema = z.object({ metric: z.string().min(1), direction: z.enum(['max', 'min']) });
export type Objective = z.infer<typeof objectiveSchema>;

export function parseObjective(text: string): Objective | null {
  const match = /^([A-Za-z_][\w.]*)(?::(max|min))?$/.exec(text.trim());
  if (!match) return null;
  const metric = match[1] as string;
  return { metric, direction: (match[2] as 'max' | 'min' | undefined) ?? (/acc|precision|recall|f1/i.test(metric) ? 'max' : 'min') };
}

/** Successive halving on epochs: rungs at min_epochs x factor^k up to max_epochs; at each, the top 1/factor go on. */
export const ashaSchema = z.object({
  min_epochs: z.number().int().min(1),
  max_epochs: z.number().int().min(1),
  reduction_factor: z.number().int().min(2),
});
export type AshaSettings = z.infer<typeof ashaSchema>;

/** Rung epochs of a successive-halving sweep, below its last epoch: min, min*factor, min*factor^2... */
export function ashaRungs(settings: AshaSettings): number[] {
  const rungs: number[] = [];
  for (let epoch = settings.min_epochs; epoch < settings.max_epochs; epoch *= settings.reduction_factor) rungs.push(epoch);
  return rungs;
}

export const trialSchema = z.object({
  /** Trial number, from 1. */
  trial: z.number().int(),
  /** The trial's values; empty for a TPE trial that has not started yet (TPE draws them when it starts). */
  params: z.record(z.string(), paramValueSchema),
  run_id: z.number().int().nullable(),
  /** The trial's run status, or `pending` before it has a run. */
  status: z.union([runStatusSchema, z.literal('pending')]),
  /** The objective (its best value over the trial's epochs so far). */
  value: metricValueSchema.nullable(),
  epochs: z.number().int(),
  /** The machine that trained the trial's run (its host name), or null before it has a run. */
  host: z.string().nullable(),
});
export type Trial = z.infer<typeof trialSchema>;

export const sweepSummarySchema = z.object({
  sweep_id: z.number().int(),
  name: z.string(),
  experiment: z.string(),
  status: z.enum(SWEEP_STATUSES),
  /** Why a failed sweep failed. */
  error: z.string().nullable(),
  strategy: z.enum(STRATEGIES),
  /** Each searched parameter and its distribution, as written (`loguniform(0.0001,0.01)`). */
  space: z.array(z.object({ name: z.string(), distribution: z.string() })),
  /** The options every trial shares (dataset, epochs, and any training option not searched). */
  fixed: z.record(z.string(), z.unknown()),
  objective: objectiveSchema,
  trials_planned: z.number().int(),
  seed: z.number().int(),
  parallel: z.number().int(),
  asha: ashaSchema.nullable(),
  /** A TPE sweep warm-started from earlier runs: where they came from (`experiment NAME`, `sweep ID`) and how many fed it. */
  warm_start: z.object({ from: z.string(), runs: z.number().int() }).nullable(),
  /** Run by `runboard worker` processes on any number of machines (`runboard sweep --no-local`), not by the process that started it. */
  workers: z.boolean(),
  created_at: z.number(),
  ended_at: z.number().nullable(),
  counts: z.object({ pending: z.number().int(), running: z.number().int(), finished: z.number().int(), pruned: z.number().int(), failed: z.number().int() }),
  best_run_id: z.number().int().nullable(),
  best_value: metricValueSchema.nullable(),
  /** Epochs trained by all trials so far. */
  epochs_trained: z.number().int(),
});
export type SweepSummary = z.infer<typeof sweepSummarySchema>;

/** A finished run that fed a TPE sweep before its first trial (`--warm-start`): its searched params and objective. */
export const warmStartRunSchema = z.object({ run_id: z.number().int(), params: z.record(z.string(), paramValueSchema), value: z.number() });
export type WarmStartRun = z.infer<typeof warmStartRunSchema>;

export const sweepDetailSchema = sweepSummarySchema.extend({ trials: z.array(trialSchema), warm_start_runs: z.array(warmStartRunSchema) });
export type SweepDetail = z.infer<typeof sweepDetailSchema>;

/**
 * What starts a sweep (the CLI's `runboard sweep` flags, the UI's sweep form). `fixed` holds the training options
 * every trial shares (the dataset, epochs, and anything not searched); `params` the searched ones, one
 * `NAME=DISTRIBUTION` each.
 */
export const sweepRequestSchema = z
  .object({
    name: z.string().trim().max(200).optional(),
    experiment: z.string().trim().min(1).max(200).default('default'),
    strategy: z.enum(STRATEGIES, { error: `strategy must be one of ${STRATEGIES.join(', ')}` }).default('random'),
    params: z.array(z.string().min(1).max(500)).min(1, { error: 'params: give at least one NAME=DISTRIBUTION' }).max(50),
    /** Trials to run (random and asha); a grid runs all its combinations. */
    trials: z.number({ error: 'trials must be a number' }).int({ error: 'trials must be a whole number' }).min(1, { error: 'trials must be at least 1' }).max(100_000).optional(),
    fixed: z.record(z.string(), z.unknown()),
    objective: z.string().default('val_accuracy:max'),
    /** Trials at once, each in its own process; the host's core count when absent. */
    parallel: z.number({ error: 'parallel must be a number' }).int({ error: 'parallel must be a whole number' }).min(1, { error: 'parallel must be at least 1' }).max(256).optional(),
    seed: z
      .number({ error: 'seed must be a number' })
      .int({ error: 'seed must be a whole number' })
      .min(0, { error: 'seed must be at least 0' })
      .max(2 ** 32 - 1, { error: 'seed must be below 2^32' })
      .optional(),
    /** Prunes trials by successive halving (ASHA) with any strategy but grid; the `asha` strategy always does. */
    pruner: z.enum(['none', 'asha'], { error: 'pruner must be none or asha' }).default('none'),
    /**
     * TPE only: the finished runs of this experiment or sweep (`experiment:NAME`, `sweep:ID`, or a bare name or id)
     * that have every searched param inside the space feed the sampler before the first trial.
     */
    warm_start: z.string().trim().min(1).max(200).optional(),
    /** asha: the first rung (epochs) and the reduction factor; the last rung is `fixed.epochs`. */
    min_epochs: z.number().int().min(1, { error: 'min_epochs must be at least 1' }).default(1),
    reduction_factor: z.number().int().min(2, { error: 'reduction_factor must be at least 2' }).max(10).default(3),
    /** Confirms a grid of more than GRID_CONFIRM_LIMIT trials. */
    yes: z.boolean().default(false),
  })
  .strict();
export type SweepRequest = z.output<typeof sweepRequestSchema>;
export type SweepRequestInput = z.input<typeof sweepRequestSchema>;
