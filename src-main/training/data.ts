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

/**
 * The split of a run: a dataset with its own test part (`testRows`, the last rows: MNIST's t10k files) keeps it as the
 * test set, so test accuracy compares with published tables, and splits the rest into training and validation;
 * any other dataset is split three ways by `stratifiedSplit`.
 */
export function splitRows(labels: Int32Array, classCount: number, valSplit: number, testSplit: number, testRows: number, rng: Prng): Split {
  if (testRows === 0) return stratifiedSplit(labels, classCount, valSplit, rng, testSplit);
  const trainPart = labels.subarray(0, labels.length - testRows);
  const { train, val } = stratifiedSplit(trainPart, classCount, valSplit, rng, 0);
  return { train, val, test: Int32Array.from({ length: testRows }, (_, i) => trainPart.length + i) };
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
 * Turns rows of raw values into model inputs, one batch at a time (an image dataset stays bytes in memory; only the
 * batch in use becomes floats). Standardisation uses statistics of `statsRows` (the training split) only, computed
 * once here, so nothing about validation or test data leaks into training.
 */
export function inputEncoder(features: Float32Array | Uint8Array, width: number, preprocessing: Preprocessing, statsRows: Int32Array): (rows: Int32Array) => Float32Array {
  if (preprocessing.kind === 'none') {
    return (rows) => {
      const out = new Float32Array(rows.length * width);
      rows.forEach((row, i) => out.set(features.subarray(row * width, (row + 1) * width), i * width));
      return out;
    };
  }
  if (preprocessing.kind === 'scale') {
    const scale = 1 / preprocessing.divisor;
    return (rows) => {
      const out = new Float32Array(rows.length * width);
      rows.forEach((row, i) => {
        const from = row * width;
        const to = i * width;
        for (let c = 0; c < width; c++) out[to + c] = (features[from + c] as number) * scale;
      });
      return out;
    };
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
  return (rows) => {
    const out = new Float32Array(rows.length * width);
    rows.forEach((row, i) => {
      for (let c = 0; c < width; c++) out[i * width + c] = ((features[row * width + c] as number) - (mean[c] as number)) / (std[c] as number);
    });
    return out;
  };
}

/** Model inputs for `rows` (in that order) from raw values, as `inputEncoder` makes them. */
export function preprocessRows(features: Float32Array | Uint8Array, width: number, rows: Int32Array, preprocessing: Preprocessing, statsRows: Int32Array): Float32Array {
  return inputEncoder(features, width, preprocessing, statsRows)(rows);
}

export function gatherLabels(labels: Int32Array, rows: Int32Array): Int32Array {
  return Int32Array.from(rows, (row) => labels[row] as number);
}
