import { AppError } from '../../src-shared/api/errors';
import { EPOCH_METRICS } from '../../src-shared/entities/run';
import { GRID_CONFIRM_LIMIT, ashaRungs, parseObjective, type AshaSettings, type Objective, type SweepRequest } from '../../src-shared/entities/sweep';
import { trainConfigSchema, type TrainConfig } from '../../src-shared/entities/train-config';
import { applyParams, checkSpace, formatDistribution, gridSize, gridTrials, parseSpace, randomTrial, type ParamValue, type SearchSpace } from '../../src-shared/search/space';
import { parseOrThrow } from '../../src-shared/api/validation';
import { randomSeed } from '../../src-shared/prng';
import type { DatasetCatalogue } from '../datasets/catalogue';
import { checkTrainable } from '../training/host/preflight';
import { tpeSpaceProblem } from './tpe/tpe-sampler';

/** A sweep ready to create: every trial's params and everything the runner needs. */
export interface SweepPlan {
  name: string;
  experiment: string;
  strategy: SweepRequest['strategy'];
  space: SearchSpace;
  fixed: Record<string, unknown>;
  objective: Objective;
  /** Every trial's params; empty for a trial whose params are drawn when it starts (TPE). */
  trials: Record<string, ParamValue>[];
  seed: number;
  parallel: number;
  asha: AshaSettings | null;
}

function refuse(field: string, message: string): never {
  throw new AppError('BAD_INPUT', `Invalid sweep: ${field}: ${message}.`, [{ field, message }]);
}

/** Metrics a trial logs, given its options: every epoch's, and the test set's when there is one. */
function loggedMetrics(config: TrainConfig): string[] {
  const perEpoch = EPOCH_METRICS.filter((k) => !k.startsWith('test_'));
  return config.test_split > 0 ? [...perEpoch, 'test_loss', 'test_accuracy'] : perEpoch;
}

/**
 * Checks a sweep request completely before any trial starts, naming the parameter or option at fault: the space
 * (syntax, bounds, unknown names, values the training options refuse), the trial count, the objective (a metric the
 * trials log), the grid size, and the fixed options (dataset, split...). Then plans every trial.
 */
export function planSweep(request: SweepRequest, datasets: DatasetCatalogue, cores: number): SweepPlan {
  const parsed = parseSpace(request.params);
  if (!parsed.ok) refuse('params', parsed.message);
  const space = parsed.value;
  const fixedInput = { ...request.fixed };
  for (const param of space) {
    if (param.name in fixedInput) refuse('params', `${param.name} is both searched and fixed; drop one`);
  }
  const base = parseOrThrow(trainConfigSchema, fixedInput, 'fixed training options');
  const checked = checkSpace(space, fixedInput);
  if (!checked.ok) refuse('params', checked.message);
  checkTrainable(base, datasets);

  const objective = parseObjective(request.objective);
  if (!objective) refuse('objective', `"${request.objective}" should be METRIC or METRIC:max or METRIC:min, e.g. val_accuracy:max`);
  const logged = loggedMetrics(base);
  if (!logged.includes(objective.metric)) refuse('objective', `${objective.metric} is never logged by these trials; one of ${logged.join(', ')}`);

  if (request.warm_start !== undefined && request.strategy !== 'tpe') refuse('warm_start', `only TPE learns from earlier runs: use --strategy tpe, not ${request.strategy}`);
  const seed = request.seed ?? randomSeed();
  let trials: Record<string, ParamValue>[];
  if (request.strategy === 'grid') {
    const grid = gridTrials(space);
    if (!grid.ok) refuse('params', grid.message);
    const size = gridSize(space);
    if (size > GRID_CONFIRM_LIMIT && !request.yes) refuse('yes', `this grid has ${size} trials, more than ${GRID_CONFIRM_LIMIT}: pass --yes to run them all`);
    trials = grid.value;
  } else if (request.strategy === 'tpe') {
    const problem = tpeSpaceProblem(space);
    if (problem) refuse('params', problem);
    // Drawn when each trial starts, from the trials before it (`trial-params.ts`).
    trials = Array.from({ length: request.trials ?? 10 }, () => ({}));
  } else {
    const count = request.trials ?? 10;
    trials = Array.from({ length: count }, (_, i) => randomTrial(space, seed, i));
  }
  let asha: AshaSettings | null = null;
  if (request.strategy === 'asha' || request.pruner === 'asha') {
    if (objective.metric.startsWith('test_')) refuse('objective', 'successive halving compares trials epoch by epoch: choose a metric logged every epoch');
    if (request.min_epochs >= base.epochs) refuse('min_epochs', `the first rung (${request.min_epochs}) must come before the last epoch (${base.epochs})`);
    asha = { min_epochs: request.min_epochs, max_epochs: base.epochs, reduction_factor: request.reduction_factor };
    if (ashaRungs(asha).length === 0) refuse('min_epochs', 'no rung fits below the last epoch');
  }
  trials.forEach((params, i) => {
    if (Object.keys(params).length === 0) return;
    const result = trainConfigSchema.safeParse(applyParams(fixedInput, params));
    if (!result.success) refuse('params', `trial ${i + 1} (${JSON.stringify(params)}) is not a valid configuration: ${result.error.issues[0]?.message}`);
    // What the schema cannot see (a split that leaves no data, augmentation on tabular data...), trial by trial.
    try {
      checkTrainable(result.data, datasets);
    } catch (error) {
      if (error instanceof AppError) refuse('params', `trial ${i + 1} (${JSON.stringify(params)}): ${error.fields?.[0]?.message ?? error.message}`);
      throw error;
    }
  });
  return {
    name: request.name ?? '',
    experiment: request.experiment,
    strategy: request.strategy,
    space,
    fixed: fixedInput,
    objective,
    trials,
    seed,
    parallel: request.parallel ?? cores,
    asha,
  };
}

/** The space as stored and shown: each parameter with its distribution as text. */
export function describeSpace(space: SearchSpace): { name: string; distribution: string }[] {
  return space.map((p) => ({ name: p.name, distribution: formatDistribution(p.distribution) }));
}

/**
 * A trial's training configuration: the fixed options, the trial's params, and a training seed. Without a fixed
 * seed, each trial's seed is derived from the sweep's seed and its number, so a sweep repeats exactly.
 */
export function trialConfig(fixed: Record<string, unknown>, params: Record<string, ParamValue>, sweepSeed: number, trial: number, experiment: string): TrainConfig {
  const config = trainConfigSchema.parse(applyParams(fixed, params));
  return { ...config, experiment, seed: config.seed ?? ((sweepSeed * 1_000_003 + trial) >>> 0) };
}
