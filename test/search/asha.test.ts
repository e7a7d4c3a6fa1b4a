/**
 * Successive halving's rule (`search/asha.ts`), Optuna's asynchronous SuccessiveHalvingPruner: at a rung, a trial
 * goes on when it is among the best max(1, floor(n / factor)) of the n values reported there so far, itself included.
 * Each case is chosen so that a wrong factor, a flipped direction or a keep count off by one gives another answer.
 */
import { describe, expect, it } from 'vitest';
import { Rungs, promotable } from '../../src-main/search/asha';

describe('promotable: the rule at one rung', () => {
  it('lets the first value at a rung go on, whatever it is and in either direction', () => {
    expect(promotable(0.01, [0.01], 'max', 3)).toBe(true);
    expect(promotable(99, [99], 'min', 3)).toBe(true);
    // Asked before its own value is recorded: nothing to compare with.
    expect(promotable(0.5, [], 'max', 3)).toBe(true);
  });

  it('keeps only the best while fewer than 2 x factor values are in (keep = 1)', () => {
    // n = 3, factor 3: keep 1; the second best of three is pruned, a new best goes on.
    expect(promotable(0.6, [0.5, 0.7, 0.6], 'max', 3)).toBe(false);
    expect(promotable(0.8, [0.5, 0.7, 0.8], 'max', 3)).toBe(true);
    // n = 5, factor 3: floor(5 / 3) = 1 (not 2): the second best of five is pruned.
    expect(promotable(0.8, [0.9, 0.5, 0.6, 0.7, 0.8], 'max', 3)).toBe(false);
  });

  it('uses the reduction factor: the second best of four goes on with factor 2, not with factor 3 or 4', () => {
    const values = [0.9, 0.5, 0.7, 0.8];
    expect(promotable(0.8, values, 'max', 2)).toBe(true);
    expect(promotable(0.8, values, 'max', 3)).toBe(false);
    expect(promotable(0.8, values, 'max', 4)).toBe(false);
    // Eight values: keep 4 with factor 2, 2 with factor 3, 2 with factor 4; 1 with factor 5.
    const eight = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(promotable(5, eight, 'max', 2)).toBe(true);
    expect(promotable(4, eight, 'max', 2)).toBe(false);
    expect(promotable(7, eight, 'max', 3)).toBe(true);
    expect(promotable(6, eight, 'max', 3)).toBe(false);
    expect(promotable(7, eight, 'max', 4)).toBe(true);
    expect(promotable(7, eight, 'max', 5)).toBe(false);
  });

  it('keeps exactly floor(n / factor) of n values: the last kept goes on, the next is pruned', () => {
    const six = [1, 2, 3, 4, 5, 6];
    // n = 6, factor 3: keep 2.
    expect(promotable(5, six, 'max', 3)).toBe(true);
    expect(promotable(4, six, 'max', 3)).toBe(false);
    // n = 8: floor(8 / 3) = 2, not 3 (a rounded-up count would keep the third).
    const eight = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(promotable(7, eight, 'max', 3)).toBe(true);
    expect(promotable(6, eight, 'max', 3)).toBe(false);
    // n = 9: keep 3.
    const nine = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(promotable(7, nine, 'max', 3)).toBe(true);
    expect(promotable(6, nine, 'max', 3)).toBe(false);
  });

  it('follows the direction: with min the lowest values go on, with max the highest', () => {
    const losses = [0.3, 0.1, 0.2];
    expect(promotable(0.1, losses, 'min', 3)).toBe(true);
    expect(promotable(0.1, losses, 'max', 3)).toBe(false);
    expect(promotable(0.3, losses, 'min', 3)).toBe(false);
    expect(promotable(0.3, losses, 'max', 3)).toBe(true);
    const six = [6, 5, 4, 3, 2, 1];
    expect(promotable(2, six, 'min', 3)).toBe(true);
    expect(promotable(3, six, 'min', 3)).toBe(false);
  });

  it('lets a value tied with the last one kept go on', () => {
    expect(promotable(0.5, [0.5, 0.5], 'max', 3)).toBe(true);
    expect(promotable(0.5, [0.4, 0.5, 0.5], 'min', 3)).toBe(false);
    expect(promotable(0.4, [0.4, 0.5, 0.4], 'min', 3)).toBe(true);
  });

  it('never promotes a value that is not finite, and does not count such values against the others', () => {
    expect(promotable(Number.NaN, [Number.NaN], 'max', 3)).toBe(false);
    expect(promotable(Number.POSITIVE_INFINITY, [Number.POSITIVE_INFINITY], 'min', 3)).toBe(false);
    expect(promotable(Number.POSITIVE_INFINITY, [0.2, Number.POSITIVE_INFINITY], 'max', 3)).toBe(false);
    // Three finite values among six: keep 1, so the second best is pruned (counting the NaNs would keep 2).
    expect(promotable(0.8, [Number.NaN, Number.NaN, Number.NaN, 0.9, 0.7, 0.8], 'max', 3)).toBe(false);
    // One finite value: it goes on.
    expect(promotable(0.3, [Number.NaN, 0.3], 'max', 3)).toBe(true);
  });
});

describe('Rungs: the values of one sweep, rung by rung', () => {
  it('knows its rung epochs', () => {
    const rungs = new Rungs([1, 3], 'max', 3);
    expect([1, 2, 3, 4, 9].map((epoch) => rungs.isRung(epoch))).toEqual([true, false, true, false, false]);
  });

  it('judges each report against the values reported before it at that rung (Optuna\'s asynchronous order)', () => {
    const rungs = new Rungs([1, 3], 'max', 3);
    const values = [0.5, 0.4, 0.6, 0.55, 0.58, 0.59, 0.57, 0.595, 0.3];
    // n: 1 keep 1 | 2: 1 | 3: 1 (new best) | 4: 1 | 5: 1 | 6: 2 (second) | 7: 2 | 8: 2 (second) | 9: 3 (last)
    expect(values.map((v) => rungs.report(1, v))).toEqual([true, false, true, false, false, true, false, true, false]);
    expect(rungs.valuesAt(1)).toEqual(values);
  });

  it('uses its own factor and direction', () => {
    const values = [0.5, 0.4, 0.6, 0.55, 0.58, 0.59, 0.57, 0.595, 0.3];
    const halving = new Rungs([1], 'max', 2);
    // Factor 2: n = 4 keeps 2, so 0.55 (second of four) goes on; n = 8 keeps 4, n = 9 keeps 4.
    expect(values.map((v) => halving.report(1, v))).toEqual([true, false, true, true, true, true, false, true, false]);
    const losses = new Rungs([1], 'min', 3);
    expect(values.map((v) => losses.report(1, v))).toEqual([true, true, false, false, false, false, false, false, true]);
  });

  it('keeps each rung apart: a trial at epoch 3 competes only with what was reported at epoch 3', () => {
    const rungs = new Rungs([1, 3], 'max', 3);
    expect(rungs.report(1, 0.9)).toBe(true);
    expect(rungs.report(3, 0.5)).toBe(true);
    expect(rungs.report(3, 0.4)).toBe(false);
    expect(rungs.report(1, 0.8)).toBe(false);
    expect(rungs.valuesAt(1)).toEqual([0.9, 0.8]);
    expect(rungs.valuesAt(3)).toEqual([0.5, 0.4]);
  });

  it('counts remembered values (a resumed sweep\'s earlier trials) without judging them', () => {
    const rungs = new Rungs([1], 'max', 3);
    rungs.remember(1, 0.9);
    rungs.remember(1, 0.2);
    expect(rungs.report(1, 0.8)).toBe(false);
    expect(rungs.report(1, 0.95)).toBe(true);
  });

  it('prunes a trial whose objective is missing or NaN at its rung, and does not count it against later trials', () => {
    const rungs = new Rungs([1], 'max', 3);
    expect(rungs.report(1, undefined)).toBe(false);
    expect(rungs.valuesAt(1)).toEqual([]);
    expect(rungs.report(1, Number.NaN)).toBe(false);
    // The first finite value goes on, as the first value at a rung always does.
    expect(rungs.report(1, 0.1)).toBe(true);
    expect(rungs.report(1, 0.05)).toBe(false);
  });
});
