import { AppError } from '../../src-shared/api/errors';
import type { Preprocessing } from '../datasets/catalogue';
import type { Prng } from '../../src-shared/prng';

export interface Split {
  train: Int32Array;
  val: Int32Array;
  /** Empty when there is no test split. */
  test: Int32Array;
}

/** Rows of each class held out: round(count x fraction), per class, so the split is stratified. */
function heldOutCounts(labels: Int32Array, classCount: number, valSplit: number, testSplit: number): { val: number[]; test: number[] } {
  const perClass = new Array<number>(classCount).fill(0);
  for (const label of labels) perClass[label] = (perClass[label] as number) + 1;
  const test = perClass.map((count) => Math.round(count * testSplit));
  const val = perClass.map((count, c) => Math.min(count - (test[c] as number), Math.round(count * valSplit)));
  return { val, test };
}

/**
 * Checks a split before anything starts: training and validation must hold data, and a test split that was
 * asked for must too.
 * @throws AppError(BAD_INPUT) naming `val_split` or `test_split`.
 */
export function checkSplit(labels: Int32Array, classCount: number, valSplit: number, testSplit = 0): { train: number; val: number; test: number } {
  const counts = heldOutCounts(labels, classCount, valSplit, testSplit);
  const val = counts.val.reduce((a, b) => a + b, 0);
  const test = counts.test.reduce((a, b) => a + b, 0);
  const train = labels.length - val - test;
  const refuse = (field: string, message: string) => {
    throw new AppError('BAD_INPUT', `Invalid input: ${message}.`, [{ field, message }]);
  };
  if (val === 0) refuse('val_split', `val_split ${valSplit} leaves no validation data (${labels.length} rows)`);
  if (testSplit > 0 && test === 0) refuse('test_split', `test_split ${testSplit} leaves no test data (${labels.length} rows)`);
  if (train <= 0) {
    const which = testSplit > 0 ? `val_split ${valSplit} and test_split ${testSplit} leave` : `val_split ${valSplit} leaves`;
    refuse(testSplit > 0 ? 'test_split' : 'val_split', `${which} no training data (${labels.length} rows)`);
  }
  return { train, val, test };
}

/** A seeded, stratified train/validation/test split: every class keeps its proportion in each part. */
export function stratifiedSplit(labels: Int32Array, classCount: number, valSplit: number, rng: Prng, testSplit = 0): Split {
  const counts = heldOutCounts(labels, classCount, valSplit, testSplit);
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  labels.forEach((label, row) => byClass[label]?.push(row));
  const train: number[] = [];
  const val: number[] = [];
  const test: number[] = [];
  byClass.forEach((rows, label) => {
    rng.shuffle(rows);
    const v = counts.val[label] as number;
    const t = counts.test[label] as number;
    val.push(...rows.slice(0, v));
    test.push(...rows.slice(v, v + t));
    train.push(...rows.slice(v + t));
  });
  return { train: rng.shuffle(Int32Array.from(train)), val: Int32Array.from(val).sort(), test: Int32Array.from(test).sort() };
}

/**
 * Returns model inputs for `rows` (in that order) from raw features. Standardisation uses statistics of
 * `statsRows` (the training split) only, so nothing about validation data leaks into training.
 */
export function preprocessRows(features: Float32Array, width: number, rows: Int32Array, preprocessing: Preprocessing, statsRows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  if (preprocessing.kind === 'none') {
    rows.forEach((row, i) => out.set(features.subarray(row * width, (row + 1) * width), i * width));
    return out;
  }
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
