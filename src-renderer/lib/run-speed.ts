import type { MetricPoint, RunSummary } from '../../src-shared/entities/run';
import { trainingSpeed } from '../../src-shared/training-speed';
import { formatDuration } from './format';
import { formatCount } from './model-summary-text';

export interface RunSpeed {
  /** `1.7 s per epoch · 499 samples/s`; `≈` marks a training-set size estimated from the batches while it runs. */
  text: string;
  /** How it was measured, for a tooltip. */
  title: string;
}

function seconds(value: number): string {
  return value < 60 ? `${Number(value.toPrecision(value < 10 ? 2 : 3))} s` : formatDuration(value);
}

/**
 * How fast a run trains, from when it started and when each epoch ended (the time of each point of a metric every
 * epoch logs, such as `train_loss`) by the shared `trainingSpeed`: the median epoch, the first left out once there are
 * three. Samples per second need the training-set size: the run's outcome says it once it ends; while it runs it is
 * estimated from the batches per epoch and the batch size (at most one batch too many). Null before an epoch ended.
 * A series the store thinned (more epochs than its point budget) gives the mean epoch instead.
 */
export function runSpeed(run: Pick<RunSummary, 'started_at' | 'outcome' | 'progress' | 'params'>, epochEnds: readonly MetricPoint[]): RunSpeed | null {
  if (run.started_at === null || epochEnds.length === 0) return null;
  const known = run.outcome?.train_size ?? null;
  const batchSize = run.params['overfit_batch'] ?? run.params['batch_size'];
  const estimated = known === null && run.progress && typeof batchSize === 'number' ? run.progress.batches * batchSize : null;
  const trainSize = known ?? estimated;
  const consecutive = epochEnds.every((point, i) => point.step === i + 1);
  let secondsPerEpoch: number;
  let how: string;
  if (consecutive) {
    const speed = trainingSpeed(run.started_at, epochEnds.map((p) => p.time), 1);
    if (!speed) return null;
    secondsPerEpoch = speed.secondsPerEpoch;
    how = epochEnds.length >= 3 ? 'the median epoch, the first left out (it loads the data and warms up)' : 'the median epoch';
  } else {
    const last = epochEnds[epochEnds.length - 1] as MetricPoint;
    secondsPerEpoch = (last.time - run.started_at) / 1000 / last.step;
    how = 'the mean epoch';
  }
  if (!(secondsPerEpoch > 0)) return null;
  const parts = [`${seconds(secondsPerEpoch)} per epoch`];
  if (trainSize !== null && trainSize > 0) parts.push(`${known === null ? '≈' : ''}${formatCount(Math.round(trainSize / secondsPerEpoch))} samples/s`);
  return { text: parts.join(' · '), title: `${how}, validation included; training samples per second` };
}
