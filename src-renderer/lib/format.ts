import type { MetricValue, RunSummary } from '../../src-shared/entities/run';
import type { ParamValue } from '../../src-shared/entities/train-config';

/** What an empty cell shows. */
export const NONE = '—';

/**
 * A metric as text. Non-finite values arrive as the strings `NaN`, `Infinity`, `-Infinity` and are shown as such,
 * so a diverged loss is never mistaken for a missing one. Finite values keep four significant digits.
 */
export function formatMetric(value: MetricValue | undefined | null): string {
  if (value === undefined || value === null) return NONE;
  if (typeof value === 'string') return value;
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-4) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** A metric as a chart y value: non-finite values become gaps (null). */
export function metricToChartValue(value: MetricValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * A param as text. Lists arrive comma-joined (`hidden = "256,128"`, `dropout = "0.5,0.2"`) and are shown with a
 * space after each comma; booleans as `true` / `false`.
 */
export function formatParam(value: ParamValue | undefined): string {
  if (value === undefined || value === null || value === '') return NONE;
  if (typeof value === 'string' && /^-?[\d.e+-]+(,-?[\d.e+-]+)+$/i.test(value)) return value.split(',').join(', ');
  return String(value);
}

/** A param for a narrow table cell: fractional numbers to three significant digits (`0.0124`, `1.23e-4`). */
export function formatParamShort(value: ParamValue | undefined): string {
  if (typeof value !== 'number' || Number.isInteger(value)) return formatParam(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}

/** Seconds as `850 ms`, `12.4 s`, `3m 07s` or `2h 05m`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return NONE;
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(rest).padStart(2, '0')}s`;
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
