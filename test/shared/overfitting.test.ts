import { describe, expect, it } from 'vitest';
import { histogramOf, scoreClassification } from '../../src-shared/entities/evaluation';
import { EARLY_STOPPING_DEFAULTS } from '../../src-shared/entities/specs';
import {
  DEFAULT_OVERFITTING_RULE,
  describeOverfittingRule,
  generalisationGap,
  overfittingOnset,
  overfittingRuleOf,
  type OverfittingRule,
} from '../../src-shared/overfitting';
import { Prng } from '../../src-shared/prng';

/** A learning curve: training loss falls throughout; validation loss falls to a floor, then rises by `slope` per epoch from `knee`, with relative noise. */
function curve(random: Prng, epochs: number, options: { slope: number; noise: number; knee?: number }): { train: number[]; val: number[] } {
  const train: number[] = [];
  const val: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const level = 0.1 + 0.5 * Math.exp(-epoch / 3) + Math.max(0, epoch - (options.knee ?? 10)) * options.slope;
    val.push(level * (1 + options.noise * gaussian(random)));
    train.push(0.6 * Math.exp(-epoch / 5) + 0.01);
  }
  return { train, val };
}

/** A standard normal draw (Box-Muller). */
function gaussian(random: Prng): number {
  return Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
}

/** How many of `count` seeded curves the rule flags. */
function flagged(count: number, make: (random: Prng) => { train: number[]; val: number[] }): number {
  let hits = 0;
  for (let seed = 1; seed <= count; seed++) {
    const { train, val } = make(new Prng(seed));
    if (overfittingOnset(train, val) !== null) hits++;
  }
  return hits;
}

/** The onset after each epoch of a run, as its page shows it while it runs. */
function liveOnsets(train: readonly number[], val: readonly number[], rule?: OverfittingRule): (number | null)[] {
  return val.map((_, i) => overfittingOnset(train.slice(0, i + 1), val.slice(0, i + 1), rule));
}

/** No marker, then one marker that stays where it appeared. */
function appearsOnceAndStays(onsets: readonly (number | null)[]): boolean {
  const first = onsets.findIndex((onset) => onset !== null);
  return first < 0 || onsets.slice(first).every((onset) => onset === onsets[first]);
}

/** Recorded runs (CLI, wasm, seeded), losses rounded to 4 digits. */
const DIGITS_PLATEAU = {
  // digits, 64 hidden, Adam 0.01, no dropout: validation loss is noisy around 0.12 from epoch 7 on, its lowest (0.0982 at 16) a dip.
  train: [1.0488, 0.2385, 0.1495, 0.1217, 0.1042, 0.0914, 0.0765, 0.0602, 0.0511, 0.0449, 0.0459, 0.0427, 0.0259, 0.0305, 0.0386, 0.0232, 0.0212, 0.0147, 0.0234, 0.0156, 0.0081, 0.0083, 0.007, 0.0047, 0.0069, 0.0051, 0.0088, 0.0055, 0.0036, 0.0029],
  val: [0.3221, 0.1997, 0.175, 0.15, 0.1545, 0.1983, 0.1285, 0.1388, 0.1215, 0.1424, 0.127, 0.1667, 0.1158, 0.1673, 0.1499, 0.0982, 0.1057, 0.1443, 0.1028, 0.1119, 0.1139, 0.121, 0.1236, 0.1244, 0.1253, 0.1277, 0.1127, 0.1345, 0.1196, 0.1149],
};
const DIGITS_OVERFITS = {
  // digits trained on 10% of its images (256 hidden, Adam 0.01, batch 16): memorised by epoch 7, then validation loss climbs steadily.
  train: [2.0725, 1.0178, 0.5052, 0.2564, 0.1783, 0.0907, 0.0489, 0.03, 0.0217, 0.0143, 0.0127, 0.011, 0.0089, 0.0079, 0.0071, 0.0065, 0.006, 0.0054, 0.005, 0.0046, 0.0043, 0.004, 0.0038, 0.0036, 0.0034, 0.0032, 0.003, 0.0028, 0.0027, 0.0025],
  val: [1.4487, 0.8353, 0.616, 0.6154, 0.5277, 0.4827, 0.4487, 0.4533, 0.4526, 0.4604, 0.4705, 0.4616, 0.4588, 0.4621, 0.4661, 0.4682, 0.4714, 0.4731, 0.4735, 0.473, 0.473, 0.4755, 0.4788, 0.4818, 0.4869, 0.486, 0.4825, 0.4828, 0.482, 0.4847],
};
const DIGITS_SHORT = {
  // The README's first digits run (15 epochs, SGD 0.05, momentum 0.9): still learning, with noisy validation loss.
  train: [1.1727, 0.3432, 0.1862, 0.1473, 0.1225, 0.0993, 0.0712, 0.0717, 0.0427, 0.0462, 0.0426, 0.0379, 0.0465, 0.0355, 0.0206],
  val: [0.4211, 0.1517, 0.1311, 0.0998, 0.1261, 0.0684, 0.072, 0.0622, 0.0548, 0.0801, 0.0519, 0.0697, 0.0936, 0.0742, 0.0669],
};

describe('overfitting onset', () => {
  it('does not flag one epoch above the lowest validation loss (0.0926 at epoch 14, then 0.098 at 15)', () => {
    const val = [0.9, 0.5, 0.35, 0.27, 0.22, 0.18, 0.155, 0.135, 0.122, 0.112, 0.105, 0.1, 0.096, 0.0926, 0.098];
    const train = [0.8, 0.4, 0.3, 0.25, 0.2, 0.17, 0.14, 0.12, 0.1, 0.085, 0.07, 0.06, 0.05, 0.042, 0.035];
    expect(overfittingOnset(train, val)).toBeNull();
  });

  it('flags a rise that lasts a patience window and exceeds the noise, at the epoch of the lowest validation loss', () => {
    const train = [1.0, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0.04, 0.03, 0.025, 0.02];
    const val = [1.1, 0.7, 0.5, 0.45, 0.5, 0.55, 0.62, 0.7, 0.76, 0.83, 0.9, 0.95];
    expect(overfittingOnset(train, val)).toBe(4);
    expect(overfittingOnset(DIGITS_OVERFITS.train, DIGITS_OVERFITS.val)).toBe(7);
  });

  it('does not flag a noisy plateau: recorded digits runs, and 2% at most of 200 seeded plateaus', () => {
    expect(overfittingOnset(DIGITS_PLATEAU.train, DIGITS_PLATEAU.val)).toBeNull();
    expect(overfittingOnset(DIGITS_SHORT.train, DIGITS_SHORT.val)).toBeNull();
    expect(flagged(200, (random) => curve(random, 30, { slope: 0, noise: 0.05 }))).toBeLessThanOrEqual(4);
    expect(flagged(200, (random) => curve(random, 30, { slope: 0, noise: 0.15 }))).toBeLessThanOrEqual(4);
  });

  it('flags 95% at least of 200 seeded runs whose validation loss climbs for 50 epochs', () => {
    expect(flagged(200, (random) => curve(random, 60, { slope: 0.002, noise: 0.05 }))).toBeGreaterThanOrEqual(190);
    expect(flagged(200, (random) => curve(random, 60, { slope: 0.005, noise: 0.15 }))).toBeGreaterThanOrEqual(190);
  });

  it('while a run trains, the marker never appears, vanishes and comes back: once shown it stays at its epoch', () => {
    expect(liveOnsets(DIGITS_PLATEAU.train, DIGITS_PLATEAU.val).every((onset) => onset === null)).toBe(true);
    expect(liveOnsets(DIGITS_SHORT.train, DIGITS_SHORT.val).every((onset) => onset === null)).toBe(true);
    const overfits = liveOnsets(DIGITS_OVERFITS.train, DIGITS_OVERFITS.val);
    expect(appearsOnceAndStays(overfits)).toBe(true);
    expect(overfits.at(-1)).toBe(7);
    for (let seed = 1; seed <= 100; seed++) {
      const { train, val } = curve(new Prng(seed), 60, { slope: 0.003, noise: 0.1 });
      expect(appearsOnceAndStays(liveOnsets(train, val)), `seed ${seed}`).toBe(true);
    }
  });

  it('follows the run\'s early stopping: no marker before its patience has passed, and improvements smaller than its min-delta do not count', () => {
    const { train, val } = DIGITS_OVERFITS;
    const patient = liveOnsets(train, val, { patience: 15, minDelta: 0 });
    expect(patient.slice(0, 7 + 15 - 1).every((onset) => onset === null)).toBe(true);
    expect(patient.at(-1)).toBe(7);
    // 0.4526 at epoch 9 beats 0.4533 by less than 0.001: with min-delta 0.001 the best stays at epoch 7.
    expect(overfittingOnset(train, val, { patience: 5, minDelta: 0.001 })).toBe(7);
  });

  it('takes its patience and min-delta from the run\'s early_stopping param, and early stopping\'s defaults when it had none', () => {
    expect(overfittingRuleOf('10:0.001')).toEqual({ patience: 10, minDelta: 0.001 });
    expect(overfittingRuleOf('3')).toEqual({ patience: 3, minDelta: 0 });
    expect(overfittingRuleOf('off')).toEqual(DEFAULT_OVERFITTING_RULE);
    expect(overfittingRuleOf(undefined)).toEqual(DEFAULT_OVERFITTING_RULE);
    expect(DEFAULT_OVERFITTING_RULE).toEqual({ patience: EARLY_STOPPING_DEFAULTS.patience, minDelta: EARLY_STOPPING_DEFAULTS.minDelta });
  });

  it('states the rule in words, with the patience and min-delta it used', () => {
    const text = describeOverfittingRule({ patience: 10, minDelta: 0.001 });
    expect(text).toContain('10 epochs');
    expect(text).toContain('0.001');
    expect(text).toMatch(/3× .*noise/);
    expect(text).toMatch(/training loss/);
  });

  it('is null while validation loss is still falling, or when both rise (divergence, not overfitting)', () => {
    expect(overfittingOnset([1, 0.8, 0.6, 0.5], [1, 0.85, 0.7, 0.65])).toBeNull();
    expect(overfittingOnset([1, 0.8, 0.9, 1.2, 1.5, 1.9, 2.4, 3], [1, 0.8, 0.95, 1.3, 1.6, 2, 2.5, 3.1])).toBeNull();
  });

  it('measures the generalisation gap as training minus validation accuracy', () => {
    expect(generalisationGap(0.99, 0.9)).toBeCloseTo(0.09);
    expect(generalisationGap(undefined, 0.9)).toBeNull();
  });
});

describe('classification scores', () => {
  it('build a confusion matrix that sums to the split and per-class precision, recall and F1', () => {
    const scores = scoreClassification([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0], ['a', 'b', 'c']);
    expect(scores.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(scores.confusion.flat().reduce((a, b) => a + b, 0)).toBe(6);
    expect(scores.accuracy).toBeCloseTo(4 / 6);
    expect(scores.per_class[1]).toMatchObject({ label: 'b', precision: 2 / 3, recall: 1, support: 2 });
    expect(scores.per_class[1]?.f1).toBeCloseTo(0.8);
  });

  it('gives a class that is never predicted precision 0, not NaN', () => {
    expect(scoreClassification([0, 1], [0, 0], ['a', 'b']).per_class[1]).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });

  it('histograms count every finite value once', () => {
    const h = histogramOf([0, 0.5, 1, 1, NaN], 4);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(h).toMatchObject({ min: 0, max: 1 });
    expect(histogramOf([2, 2, 2]).counts).toEqual([3]);
  });
});
