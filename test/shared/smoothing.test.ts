import { describe, expect, it } from 'vitest';
import { centredMovingAverage, emaDebiased, smooth } from '../../src-shared/smoothing';

describe('debiased exponential moving average', () => {
  it('starts at the first value instead of leaning towards 0 (TensorBoard issue #610)', () => {
    const out = emaDebiased([10, 10, 10, 10], 0.9);
    for (const value of out) expect(value).toBeCloseTo(10, 12);
    // Without the correction the first value would be 1 (0.1 × 10).
    expect(out[0]).toBe(10);
  });

  it('matches the textbook recurrence divided by 1 - w^t', () => {
    const values = [1, 2, 3, 4];
    const w = 0.6;
    let ema = 0;
    const expected = values.map((v, i) => {
      ema = w * ema + (1 - w) * v;
      return ema / (1 - w ** (i + 1));
    });
    const out = emaDebiased(values, w);
    out.forEach((value, i) => expect(value).toBeCloseTo(expected[i] as number, 12));
  });

  it('returns the values unchanged with weight 0 and lags behind a step with a high weight', () => {
    expect(emaDebiased([3, 1, 4, 1, 5], 0)).toEqual([3, 1, 4, 1, 5]);
    const step = emaDebiased([0, 0, 0, 1, 1, 1], 0.8);
    expect(step[3]).toBeGreaterThan(0);
    expect(step[3]).toBeLessThan(1);
    expect(step[5]).toBeLessThan(1);
  });

  it('keeps gaps (null, NaN, Infinity) as gaps without poisoning later values, and counts only finite values', () => {
    const out = emaDebiased([2, null, Number.NaN, 2, Number.POSITIVE_INFINITY, 2], 0.9);
    expect(out[1]).toBeNull();
    expect(out[2]).toBeNull();
    expect(out[4]).toBeNull();
    expect(out[3]).toBeCloseTo(2, 12);
    expect(out[5]).toBeCloseTo(2, 12);
  });

  it('refuses a weight outside [0, 1)', () => {
    expect(() => emaDebiased([1], 1)).toThrow(RangeError);
    expect(() => emaDebiased([1], -0.1)).toThrow(RangeError);
    expect(() => emaDebiased([1], Number.NaN)).toThrow(RangeError);
  });

  it('handles an empty series', () => {
    expect(emaDebiased([], 0.5)).toEqual([]);
  });
});

describe('centred moving average', () => {
  it('averages a centred window, narrowing evenly at the ends (which keep their values)', () => {
    expect(centredMovingAverage([1, 3, 2, 6, 4], 3)).toEqual([1, 2, 11 / 3, 4, 4]);
    expect(centredMovingAverage([1, 3, 2, 6, 4, 5, 0], 5)).toEqual([1, 2, 16 / 5, 4, 17 / 5, 3, 0]);
  });

  it('leaves a straight line straight, ends included (no pull towards the middle)', () => {
    expect(centredMovingAverage([1, 2, 3, 4, 5, 6], 5)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('does not shift a symmetric peak sideways', () => {
    const out = centredMovingAverage([0, 0, 0, 9, 0, 0, 0], 3) as number[];
    expect(out[3]).toBe(3);
    expect(out[2]).toBe(out[4]);
  });

  it('uses window / 2 rounded down on each side (an even window acts as the next odd one)', () => {
    expect(centredMovingAverage([1, 3, 2, 6, 4], 4)).toEqual(centredMovingAverage([1, 3, 2, 6, 4], 5));
  });

  it('returns the values with a window of 1 and keeps constant series constant', () => {
    expect(centredMovingAverage([4, 8, 15], 1)).toEqual([4, 8, 15]);
    expect(centredMovingAverage([7, 7, 7, 7, 7, 7], 5)).toEqual([7, 7, 7, 7, 7, 7]);
  });

  it('leaves gaps as gaps and averages only the finite neighbours', () => {
    expect(centredMovingAverage([1, Number.NaN, 3, null, 5], 3)).toEqual([1, null, 3, null, 5]);
    expect(centredMovingAverage([2, 4, Number.NaN, 8, 10], 5)).toEqual([2, 3, null, 9, 10]);
  });

  it('refuses a window that is not a whole number of at least 1', () => {
    expect(() => centredMovingAverage([1], 0)).toThrow(RangeError);
    expect(() => centredMovingAverage([1], 2.5)).toThrow(RangeError);
  });
});

describe('smooth', () => {
  it('dispatches on the kind, and "none" turns non-finite values into gaps', () => {
    expect(smooth([1, Number.NaN, 3], { kind: 'none' })).toEqual([1, null, 3]);
    expect(smooth([1, 5, 3], { kind: 'centred', window: 3 })).toEqual([1, 3, 3]);
    expect(smooth([5, 5], { kind: 'ema', weight: 0.5 })).toEqual([5, 5]);
  });
});
