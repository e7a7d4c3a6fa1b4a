import type { SweepDetail, SweepSummary } from '../../src-shared/entities/sweep';

/** Trials that will not run again: finished, pruned, failed (or diverged). */
export function doneTrials(sweep: Pick<SweepSummary, 'counts'>): number {
  return sweep.counts.finished + sweep.counts.pruned + sweep.counts.failed;
}

/** The epochs a trial runs when it is not stopped early: the sweep's `epochs` (the schema's default 10 if unset). */
export function maxEpochs(sweep: Pick<SweepSummary, 'fixed' | 'asha'>): number {
  if (sweep.asha) return sweep.asha.max_epochs;
  const epochs = sweep.fixed['epochs'];
  return typeof epochs === 'number' && epochs > 0 ? epochs : 10;
}

const ENDED = new Set(['finished', 'pruned', 'failed', 'diverged']);

/**
 * Milliseconds left for a running sweep, from the epochs trained so far per unit of time (which includes the
 * parallelism): each trial not ended still has its full epochs to run (grid, random), or as many as the ended trials
 * took on average (successive halving prunes most), less what it has trained. Null while nothing can be estimated.
 * Time spent stopped before a resume counts too, so a resumed sweep's estimate is long.
 */
export function sweepEtaMs(sweep: SweepDetail, now: number): number | null {
  if (sweep.status !== 'running' || sweep.epochs_trained <= 0) return null;
  const elapsed = now - sweep.created_at;
  if (elapsed <= 0) return null;
  const ended = sweep.trials.filter((t) => ENDED.has(t.status));
  const perTrial = sweep.asha && ended.length > 0 ? ended.reduce((sum, t) => sum + t.epochs, 0) / ended.length : maxEpochs(sweep);
  const left = sweep.trials.filter((t) => !ENDED.has(t.status)).reduce((sum, t) => sum + Math.max(0, perTrial - t.epochs), 0);
  return (left / sweep.epochs_trained) * elapsed;
}
