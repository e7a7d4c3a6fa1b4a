/**
 * How a run's rows are split and turned into model inputs (`training/data.ts`): exact per-class counts of the three
 * parts, a dataset's own test rows kept as its test set, the refusals naming the field to fix, and each kind of
 * preprocessing value by value.
 */
import { describe, expect, it } from 'vitest';
import { checkSplit, gatherLabels, inputEncoder, preprocessRows, splitRows, stratifiedSplit } from '../../src-main/training/data';
import type { AppError } from '../../src-shared/api/errors';
import { Prng } from '../../src-shared/prng';

/** 10 rows of class 0, 6 of class 1, 4 of class 2, interleaved. */
const labels = Int32Array.from([0, 1, 0, 2, 0, 1, 0, 0, 2, 1, 0, 0, 1, 2, 0, 1, 0, 2, 1, 0]);
const classOf = (rows: Int32Array) => Array.from(rows, (row) => labels[row]);
const perClass = (rows: Int32Array) => [0, 1, 2].map((c) => classOf(rows).filter((l) => l === c).length);

function refusal(run: () => unknown): { message: string; field: string | undefined; code: string } {
  try {
    run();
  } catch (error) {
    const appError = error as AppError;
    return { message: appError.message, field: appError.fields?.[0]?.field, code: appError.code };
  }
  throw new Error('expected a refusal');
}

describe('a stratified three-way split', () => {
  it('holds out round(count × fraction) rows of each class for test, then for validation, the rest for training', () => {
    const split = stratifiedSplit(labels, 3, 0.2, new Prng(3), 0.3);
    expect(perClass(split.test)).toEqual([3, 2, 1]);
    expect(perClass(split.val)).toEqual([2, 1, 1]);
    expect(perClass(split.train)).toEqual([5, 3, 2]);
    expect(new Set([...split.train, ...split.val, ...split.test]).size).toBe(20);
  });

  it('never holds out more validation rows of a class than the test split left', () => {
    const split = stratifiedSplit(labels, 3, 0.6, new Prng(3), 0.5);
    expect(perClass(split.test)).toEqual([5, 3, 2]);
    expect(perClass(split.val)).toEqual([5, 3, 2]);
    expect(split.train).toHaveLength(0);
  });

  it('lists validation and test rows in order, training rows shuffled', () => {
    const split = stratifiedSplit(labels, 3, 0.3, new Prng(9), 0.2);
    expect(Array.from(split.val)).toEqual([...split.val].sort((a, b) => a - b));
    expect(Array.from(split.test)).toEqual([...split.test].sort((a, b) => a - b));
    expect(Array.from(split.train)).not.toEqual([...split.train].sort((a, b) => a - b));
  });

  it('draws different rows of a class for another seed', () => {
    const a = stratifiedSplit(labels, 3, 0.3, new Prng(1));
    const b = stratifiedSplit(labels, 3, 0.3, new Prng(2));
    expect(perClass(a.val)).toEqual(perClass(b.val));
    expect(a.val).not.toEqual(b.val);
  });
});

describe('a dataset with its own test rows', () => {
  it('keeps its last rows as the test set, in order, and splits only the others', () => {
    const split = splitRows(labels, 3, 0.25, 0.5, 5, new Prng(4));
    expect(Array.from(split.test)).toEqual([15, 16, 17, 18, 19]);
    const rest = [...split.train, ...split.val];
    expect(rest.every((row) => row < 15)).toBe(true);
    expect(new Set(rest).size).toBe(15);
    // The first 15 rows hold 8, 4 and 3 of the classes: a quarter of each, rounded, for validation.
    expect(perClass(split.val)).toEqual([2, 1, 1]);
  });

  it('without own test rows, splits three ways with the test split', () => {
    const split = splitRows(labels, 3, 0.2, 0.3, 0, new Prng(3));
    expect(split).toEqual(stratifiedSplit(labels, 3, 0.2, new Prng(3), 0.3));
  });
});

describe('checking a split before a run exists', () => {
  it('counts the rows each part gets', () => {
    expect(checkSplit(labels, 3, 0.2, 0.3)).toEqual({ train: 10, val: 4, test: 6 });
    expect(checkSplit(labels, 3, 0.5)).toEqual({ train: 10, val: 10, test: 0 });
  });

  it('refuses a validation split that holds nothing out, naming val_split and the row count', () => {
    expect(refusal(() => checkSplit(labels, 3, 0.01))).toEqual({ code: 'BAD_INPUT', field: 'val_split', message: 'Invalid input: val_split 0.01 leaves no validation data (20 rows).' });
  });

  it('refuses a test split that holds nothing out, naming test_split', () => {
    expect(refusal(() => checkSplit(labels, 3, 0.2, 0.01))).toEqual({ code: 'BAD_INPUT', field: 'test_split', message: 'Invalid input: test_split 0.01 leaves no test data (20 rows).' });
  });

  it('refuses splits that leave no training data, naming the fields that took it', () => {
    expect(refusal(() => checkSplit(labels, 3, 0.95))).toEqual({ code: 'BAD_INPUT', field: 'val_split', message: 'Invalid input: val_split 0.95 leaves no training data (20 rows).' });
    expect(refusal(() => checkSplit(labels, 3, 0.5, 0.5))).toEqual({
      code: 'BAD_INPUT',
      field: 'test_split',
      message: 'Invalid input: val_split 0.5 and test_split 0.5 leave no training data (20 rows).',
    });
  });

  it('accepts a split that leaves a single training row', () => {
    const two = Int32Array.from([0, 0, 0, 1, 1]);
    expect(checkSplit(two, 2, 0.4, 0.4)).toEqual({ train: 1, val: 2, test: 2 });
  });
});

describe('model inputs from raw rows', () => {
  // Three rows of two values: column 0 is 1, 3, 5 (mean 3, std √(8/3)); column 1 is constant 7.
  const features = Float32Array.from([1, 7, 3, 7, 5, 7]);

  it('none: the raw values of the rows asked for, in that order', () => {
    expect(Array.from(preprocessRows(features, 2, Int32Array.from([2, 0]), { kind: 'none' }, Int32Array.from([0])))).toEqual([5, 7, 1, 7]);
  });

  it('scale: every value divided by the divisor, rows in the order asked for', () => {
    expect(Array.from(preprocessRows(features, 2, Int32Array.from([1, 0]), { kind: 'scale', divisor: 2 }, Int32Array.from([0])))).toEqual([1.5, 3.5, 0.5, 3.5]);
  });

  it('standardize: (value − mean) ÷ std of the statistics rows; a constant column is only centred', () => {
    const out = preprocessRows(features, 2, Int32Array.from([2, 0, 1]), { kind: 'standardize' }, Int32Array.from([0, 1, 2]));
    const std = Math.sqrt(8 / 3);
    expect(Array.from(out).map((v) => Number(v.toFixed(5)))).toEqual([2 / std, 0, -2 / std, 0, 0, 0].map((v) => Number(v.toFixed(5))));
  });

  it('standardize: statistics from the statistics rows only, whatever rows are encoded', () => {
    const encode = inputEncoder(features, 2, { kind: 'standardize' }, Int32Array.from([0, 1]));
    // Rows 0 and 1: mean 2, std 1 in column 0.
    expect(Array.from(encode(Int32Array.from([2, 0])))).toEqual([3, 0, -1, 0]);
  });

  it('gathers the labels of rows in their order', () => {
    expect(Array.from(gatherLabels(labels, Int32Array.from([3, 1, 0])))).toEqual([2, 1, 0]);
  });
});
