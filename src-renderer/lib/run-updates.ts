import type { EventPayload } from '../../src-shared/api/events';
import { hasBest, metricDirection, type MetricValue, type RunProgress, type RunSummary } from '../../src-shared/entities/run';

/** Whether `next` beats `current` for this metric; non-finite values never beat a finite one. */
function isBetter(key: string, current: MetricValue | undefined, next: MetricValue): boolean {
  if (typeof next !== 'number' || !Number.isFinite(next)) return current === undefined;
  if (typeof current !== 'number' || !Number.isFinite(current)) return true;
  return metricDirection(key) === 'max' ? next > current : next < current;
}

/** A run with one more epoch applied: final values replaced, best values kept or improved, progress moved past it. */
export function withEpoch(run: RunSummary, epoch: EventPayload<'run/epoch-logged'>): RunSummary {
  const best = { ...run.best };
  for (const [key, value] of Object.entries(epoch.metrics)) {
    if (hasBest(key) && isBetter(key, best[key], value)) best[key] = value;
  }
  return { ...run, metrics: { ...run.metrics, ...epoch.metrics }, best, epochs: Math.max(run.epochs, epoch.epoch), progress: run.progress ? progressAfterEpoch(run.progress, epoch.epoch) : null };
}

/** Whether progress `a` is further than `b`: a later epoch, or a later batch of the same epoch. */
function isAhead(a: RunProgress, b: RunProgress): boolean {
  return a.epoch > b.epoch || (a.epoch === b.epoch && a.batch > b.batch);
}

/**
 * The further of two reports of a run's progress. They reach the page out of order (a read that was in flight while
 * progress events arrived, a run copy taken when the page loaded), and a run's progress never goes back.
 */
export function laterProgress(current: RunProgress | undefined, next: RunProgress): RunProgress {
  return current && isAhead(current, next) ? current : next;
}

/** Progress once epoch `epoch` (from 1) is logged: at least the end of that epoch, so it never lags the epochs charted. */
export function progressAfterEpoch(progress: RunProgress, epoch: number): RunProgress {
  return laterProgress(progress, { ...progress, epoch, batch: progress.batches, loss: null });
}

export function indexRuns(runs: readonly RunSummary[]): ReadonlyMap<number, RunSummary> {
  return new Map(runs.map((run) => [run.run_id, run]));
}

/**
 * A read of runs in flight. Events that arrive meanwhile are newer than what the read returns, so the runs they
 * touched keep their event copy when the read lands, and runs created meanwhile are kept even if the read missed them.
 */
export class RunsRead {
  #touched = new Set<number>();

  touch(runId: number): void {
    this.#touched.add(runId);
  }

  touched(runId: number): boolean {
    return this.#touched.has(runId);
  }

  /** The read's runs with the newer copies from `current` (the list as events left it) merged in. */
  merge(read: readonly RunSummary[], current: readonly RunSummary[]): RunSummary[] {
    const currentById = indexRuns(current);
    const merged = read.map((run) => (this.#touched.has(run.run_id) ? (currentById.get(run.run_id) ?? run) : run));
    const readIds = new Set(read.map((run) => run.run_id));
    const createdMeanwhile = current.filter((run) => this.#touched.has(run.run_id) && !readIds.has(run.run_id));
    return [...createdMeanwhile, ...merged];
  }
}
