import type { MetricValue, RunSummary } from '../../src-shared/entities/run';
import { NONE, formatDuration } from '../../src-shared/format';

// The table's formatting lives in src-shared (the Markdown export uses it too); the UI imports it from here.
export { NONE, formatDuration, formatMetric, formatParam, formatParamShort } from '../../src-shared/format';

/** A metric as a chart y value: non-finite values become gaps (null). */
export function metricToChartValue(value: MetricValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Milliseconds left, for a progress line: `ETA 12 s`, or nothing while unknown. */
export function formatEta(milliseconds: number | null | undefined): string {
  if (milliseconds === null || milliseconds === undefined || !Number.isFinite(milliseconds)) return '';
  return `ETA ${formatDuration(Math.max(0, milliseconds) / 1000)}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** A wall time (ms since the Unix epoch) in the user's locale, to the minute: `Nov 28, 14:05`. */
export function formatTime(milliseconds: number | null | undefined): string {
  if (milliseconds === null || milliseconds === undefined) return NONE;
  return timeFormat.format(milliseconds);
}

/** Seconds a run has taken: its recorded duration, or the time since it started while it still runs. */
export function liveDurationSeconds(run: { duration_s: number | null; started_at: number | null; ended_at: number | null }, now: number): number | null {
  if (run.ended_at === null && run.started_at !== null) return Math.max(0, (now - run.started_at) / 1000);
  return run.duration_s;
}

type TrialOf = Pick<RunSummary, 'sweep_id' | 'trial' | 'attempt'>;

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];

/** A sweep trial, short (`sweep 3 · trial 2`), with `· rerun` (`rerun 2`...) for the runs of a resumed trial after its first. */
export function trialLabel(run: TrialOf): string {
  if (run.sweep_id === null) return '';
  const base = `sweep ${run.sweep_id} · trial ${run.trial ?? '?'}`;
  const reruns = (run.attempt ?? 1) - 1;
  return reruns <= 0 ? base : `${base} · rerun${reruns > 1 ? ` ${reruns}` : ''}`;
}

/** A sweep trial in words, for a tooltip: which run of the trial this is when it ran more than once. */
export function trialTitle(run: TrialOf): string {
  if (run.sweep_id === null) return '';
  const base = `Sweep ${run.sweep_id}, trial ${run.trial ?? '?'}`;
  const attempt = run.attempt ?? 1;
  if (attempt <= 1) return base;
  return `${base}: its ${ORDINALS[attempt - 1] ?? `${attempt}th`} run (the sweep was resumed and ran the trial again)`;
}
