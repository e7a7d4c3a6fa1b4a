import { describe, expect, it } from 'vitest';
import { histogramOf, scoreClassification } from '../../src-shared/entities/evaluation';
import { generalisationGap, overfittingOnset } from '../../src-shared/overfitting';

describe('overfitting onset', () => {
  it('is the epoch of the lowest validation loss when validation then keeps rising while training keeps falling', () => {
    const train = [1.0, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05];
    const val = [1.1, 0.7, 0.5, 0.45, 0.5, 0.55, 0.62, 0.7];
    expect(overfittingOnset(train, val)).toBe(4);
  });

  it('is null while validation loss is still falling, or when both rise (divergence, not overfitting)', () => {
    expect(overfittingOnset([1, 0.8, 0.6, 0.5], [1, 0.85, 0.7, 0.65])).toBeNull();
    expect(overfittingOnset([1, 0.8, 0.9, 1.2], [1, 0.8, 0.95, 1.3])).toBeNull();
  });

  it('ignores a one-epoch blip after the minimum', () => {
    expect(overfittingOnset([1, 0.8, 0.6, 0.5, 0.4, 0.3], [1, 0.8, 0.6, 0.66, 0.59, 0.58])).toBeNull();
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
