import { formatMetric } from '../format';
import { coordinate, PENDING_COLOR, type PlotParam, type PlotTrial } from './sweep-plot';

/** One point of a scatter: a trial, where it is, how it looks, what its tooltip says, and the run it opens. */
export interface ScatterMark {
  x: number;
  y: number;
  color: string;
  /** Trials without a final value (pending, running, failed) are drawn as grey rings. */
  hollow: boolean;
  runId: number | null;
  lines: string[];
}

/**
 * An axis: a title, and either a log scale or categories (drawn evenly spaced, at 0, 1, 2...); `range` spans the
 * whole searched range, so that the plot shows how the trials cover it.
 */
export interface AxisSpec {
  title: string;
  log: boolean;
  categories: readonly string[] | null;
  range?: { low: number; high: number } | null;
}

export function paramAxis(param: PlotParam): AxisSpec {
  return { title: param.log ? `${param.name} (log)` : param.name, log: param.log, categories: param.categorical ? param.categories : null, range: param.bounds };
}

/** The axis limits for a searched range, with a margin so that marks on its edges are drawn whole. */
export function paddedRange(range: { low: number; high: number }, log: boolean): { min: number; max: number } {
  if (log) {
    const factor = (range.high / range.low) ** 0.03 || 1.1;
    return { min: range.low / factor, max: range.high * factor };
  }
  const pad = (range.high - range.low) * 0.03 || Math.abs(range.low) * 0.05 || 1;
  return { min: range.low - pad, max: range.high + pad };
}

/** A small, fixed horizontal offset per trial, so that trials on the same category do not hide each other. */
export function jitter(trial: number): number {
  return (((trial * 2654435761) % 1000) / 1000 - 0.5) * 0.36;
}

/** A tick label: numbers with four significant digits; on a log axis only 1, 2 and 5 times a power of ten. */
export function tickLabel(value: number, log: boolean): string {
  if (log) {
    const mantissa = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
    if (![1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)) return '';
  }
  return formatMetric(value);
}

/** The tooltip of a trial: its number, status, value and sampled params. */
export function trialLines(trial: PlotTrial, names: readonly string[], metric: string, format: (v: PlotTrial['params'][string] | undefined) => string): string[] {
  const value = trial.value === null ? '—' : formatMetric(trial.value);
  return [`trial ${trial.trial} (${trial.status})`, `${metric} ${value}${trial.done || trial.value === null ? '' : ' so far'}`, ...names.map((n) => `${n} = ${format(trial.params[n])}`)];
}

/** A trial's mark on an x/y plot of two params (or a param and the objective, when `yParam` is null). */
export function markFor(
  trial: PlotTrial,
  xParam: PlotParam,
  yParam: PlotParam | null,
  color: string,
  lines: string[],
): ScatterMark | null {
  const rawX = coordinate(xParam, trial.params[xParam.name]);
  const rawY = yParam ? coordinate(yParam, trial.params[yParam.name]) : trial.value;
  if (rawX === null || rawY === null) return null;
  const x = xParam.categorical ? rawX + jitter(trial.trial) : rawX;
  const y = yParam?.categorical ? rawY + jitter(trial.trial * 7 + 3) : rawY;
  const hollow = !trial.done || trial.value === null;
  return { x, y, color: hollow ? PENDING_COLOR : color, hollow, runId: trial.runId, lines };
}
