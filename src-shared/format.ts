/**
 * How values read in the runs table, shared by the UI and the exports people read (Markdown), so that a number
 * copied from one looks the same in the other.
 */
import type { MetricValue } from './entities/run';
import type { ParamValue } from './entities/train-config';

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

/** A generalisation gap as signed text with three decimals: `+0.083`. */
export function formatGap(gap: number | null): string {
  if (gap === null) return NONE;
  const text = Math.abs(gap) < 0.0005 ? '0.000' : gap.toFixed(3);
  return gap > 0 && text !== '0.000' ? `+${text}` : text;
}

/** Tags as one line of text, as the table shows and edits them: `stage=final, paper=yes`. */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => (value === '' ? key : `${key}=${value}`))
    .join(', ');
}
