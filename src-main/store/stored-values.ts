import { AppError } from '../../src-shared/api/errors';
import { paramText, typedParam } from '../../src-shared/entities/param-text';
import type { ParamValue } from '../../src-shared/entities/train-config';
import type { MetricPointInput } from './run-store';

/**
 * How values are stored, the same on every engine: a metric as a finite number or a named special value, a param as
 * its type, number and text. Pure functions, shared by the SQLite and PostgreSQL stores.
 */

/** Splits a number into the stored pair: finite values in `value`, NaN and infinities named in `special`. */
export function encodeMetric(value: number): [number | null, string | null] {
  if (Number.isFinite(value)) return [value, null];
  return [null, Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'];
}

/** A typed param (Runboard's own) as its stored type, number and text. */
export function encodeParam(value: ParamValue): [string, number | null, string | null] {
  if (value === null) return ['null', null, null];
  if (typeof value === 'number') return ['number', value, null];
  if (typeof value === 'boolean') return ['boolean', value ? 1 : 0, null];
  return ['string', null, value];
}

/** A param's stored type, number and text: a text-logged one keeps its text beside the type it reads as. */
export function encodeParamText(text: string): [string, number | null, string] {
  const value = typedParam(text);
  if (typeof value === 'number') return ['number', value, text];
  if (typeof value === 'boolean') return ['boolean', value ? 1 : 0, text];
  return ['string', null, text];
}

/** A stored param as text: its logged text, or its typed value written out (Runboard's own params keep no text). */
export function storedParamText(type: string, num: number | null, text: string | null): string {
  if (text !== null) return text;
  const value: ParamValue = type === 'number' ? num : type === 'boolean' ? num === 1 : null;
  return paramText(value);
}

/** One key's summary over a batch of points: its last value (highest step, latest time), finite min and max, count. */
export interface PointsSummary {
  step: number;
  time: number;
  value: number | null;
  special: string | null;
  min: number | null;
  max: number | null;
  count: number;
}

/** A point encoded for storage. */
export interface StoredPoint {
  key: string;
  step: number;
  value: number | null;
  special: string | null;
  time: number;
}

/**
 * Checks and encodes a batch of points. Epochs count from 1; an external run's steps from 0, as MLflow's and
 * TensorBoard's do. A point given twice in the batch (same key, step and time) is kept once, the later one.
 * @throws AppError(BAD_INPUT) for a step that is not a whole number from `firstStep`.
 */
export function encodeBatch(points: readonly MetricPointInput[], firstStep: 0 | 1): StoredPoint[] {
  const rows = new Map<string, StoredPoint>();
  for (const point of points) {
    if (!Number.isInteger(point.step) || point.step < firstStep) throw new AppError('BAD_INPUT', `Metric "${point.key}": step must be a whole number from ${firstStep}; got ${point.step}.`);
    const [value, special] = encodeMetric(point.value);
    const id = `${point.key}\u0000${point.step}\u0000${point.time}`;
    rows.delete(id);
    rows.set(id, { key: point.key, step: point.step, value, special, time: point.time });
  }
  return [...rows.values()];
}

/**
 * Summarises stored points per key. The stores summarise only the points a batch actually inserted: a point that
 * was there already (a batch logged again after its commit's reply was lost) is not counted twice.
 */
export function summarisePoints(rows: readonly StoredPoint[]): Map<string, PointsSummary> {
  const summaries = new Map<string, PointsSummary>();
  for (const { key, step, time, value, special } of rows) {
    const summary = summaries.get(key);
    if (!summary) {
      summaries.set(key, { step, time, value, special, min: value, max: value, count: 1 });
      continue;
    }
    if (step > summary.step || (step === summary.step && time >= summary.time)) Object.assign(summary, { step, time, value, special });
    if (value !== null) {
      summary.min = summary.min === null ? value : Math.min(summary.min, value);
      summary.max = summary.max === null ? value : Math.max(summary.max, value);
    }
    summary.count++;
  }
  return summaries;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
