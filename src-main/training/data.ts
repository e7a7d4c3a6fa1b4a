import { AppError } from '../../src-shared/api/errors';
import type { Preprocessing } from '../datasets/catalogue';
import type { Prng } from './prng';

export interface Split {
  train: Int32Array;
  val: Int32Array;
}

/** Rows of each class held out for validation: round(count x fraction), per class, so the split is stratified. */
function validationCounts(labels: Int32Array, classCount: number, valSplit: number): number[] {
  const perClass = new Array<number>(classCount).fill(0);
  for (const label of labels) perClass[label] = (perClass[label] as number) + 1;
  return perClass.map((count) => Math.round(count * valSplit));
}

/**
 * Checks a split before anything starts: both sides must hold data.
 * @throws AppError(BAD_INPUT) naming `val_split`.
 */
export function checkSplit(labels: Int32Array, classCount: number, valSplit: number): { train: number; val: number } {
  const val = validationCounts(labels, classCount, valSplit).reduce((a, b) => a + b, 0);
  const train = labels.length - val;
  if (val === 0 || train === 0) {
    const side = val === 0 ? 'validation' : 'training';
    const message = `val_split ${valSplit} leaves no ${side} data (${labels.length} rows)`;
    throw new AppError('BAD_INPUT', `Invalid input: ${message}.`, [{ field: 'val_split', message }]);
  }
  return { train, val };
}

/** A seeded, stratified train/validation split: every class keeps its proportion on both sides. */
export function stratifiedSplit(labels: Int32Array, classCount: number, valSplit: number, rng: Prng): Split {
  const counts = validationCounts(labels, classCount, valSplit);
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  labels.forEach((label, row) => byClass[label]?.push(row));
  const train: number[] = [];
  const val: number[] = [];
  byClass.forEach((rows, label) => {
    rng.shuffle(rows);
    const held = counts[label] as number;
    val.push(...rows.slice(0, held));
    train.push(...rows.slice(held));
  });
  return { train: rng.shuffle(Int32Array.from(train)), val: Int32Array.from(val).sort() };
}

/**
 * Returns model inputs for `rows` (in that order) from raw features. Standardisation uses statistics of
 * `statsRows` (the training split) only, so nothing about validation data leaks into training.
 */
export function preprocessRows(features: Float32Array, width: number, rows: Int32Array, preprocessing: Preprocessing, statsRows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  if (preprocessing.kind === 'scale') {
    const d = preprocessing.divisor;
    rows.forEach((row, i) => {
      for (let c = 0; c < width; c++) out[i * width + c] = (features[row * width + c] as number) / d;
    });
    return out;
  }
  const mean = new Float64Array(width);
  const sq = new Float64Array(width);
  for (const row of statsRows) {
    for (let c = 0; c < width; c++) {
      const v = features[row * width + c] as number;
      mean[c] = (mean[c] as number) + v;
      sq[c] = (sq[c] as number) + v * v;
    }
  }
  const n = Math.max(1, statsRows.length);
  const std = new Float64Array(width);
  for (let c = 0; c < width; c++) {
    mean[c] = (mean[c] as number) / n;
    const variance = Math.max(0, (sq[c] as number) / n - (mean[c] as number) ** 2);
    std[c] = Math.sqrt(variance) || 1;
  }
  rows.forEach((row, i) => {
    for (let c = 0; c < width; c++) out[i * width + c] = ((features[row * width + c] as number) - (mean[c] as number)) / (std[c] as number);
  });
  return out;
}

export function gatherLabels(labels: Int32Array, rows: Int32Array): Int32Array {
  return Int32Array.from(rows, (row) => labels[row] as number);
}
