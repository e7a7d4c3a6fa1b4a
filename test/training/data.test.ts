import { describe, expect, it } from 'vitest';
import { checkSplit, preprocessRows, stratifiedSplit } from '../../src-main/training/data';
import { Prng } from '../../src-shared/prng';

const labels = Int32Array.from([...Array(50).fill(0), ...Array(30).fill(1), ...Array(20).fill(2)]);

describe('train/validation split', () => {
  it('is stratified: each class keeps its share on both sides', () => {
    const split = stratifiedSplit(labels, 3, 0.2, new Prng(1));
    const count = (rows: Int32Array, c: number) => [...rows].filter((r) => labels[r] === c).length;
    expect([count(split.val, 0), count(split.val, 1), count(split.val, 2)]).toEqual([10, 6, 4]);
    expect(split.train.length + split.val.length).toBe(100);
    expect(new Set([...split.train, ...split.val]).size).toBe(100);
  });

  it('is the same for the same seed and different for another', () => {
    const a = stratifiedSplit(labels, 3, 0.2, new Prng(5));
    expect(stratifiedSplit(labels, 3, 0.2, new Prng(5))).toEqual(a);
    expect(stratifiedSplit(labels, 3, 0.2, new Prng(6)).val).not.toEqual(a.val);
  });

  it('refuses a fraction that leaves no validation or no training data, naming val_split', () => {
    expect(() => checkSplit(labels, 3, 0.001)).toThrow(/val_split 0.001 leaves no validation data/);
    expect(() => checkSplit(labels, 3, 0.999)).toThrow(/leaves no training data/);
    expect(checkSplit(labels, 3, 0.2)).toEqual({ train: 80, val: 20, test: 0 });
    expect(checkSplit(labels, 3, 0.2, 0.1)).toEqual({ train: 70, val: 20, test: 10 });
    expect(() => checkSplit(labels, 3, 0.2, 0.001)).toThrow(/test_split 0.001 leaves no test data/);
    try {
      checkSplit(labels, 3, 0.001);
    } catch (error) {
      expect((error as { fields: { field: string }[] }).fields[0]?.field).toBe('val_split');
    }
  });
});

describe('preprocessing', () => {
  const features = Float32Array.from([0, 10, 2, 20, 4, 30, 100, 1000]);
  it('standardises with training-split statistics only', () => {
    const train = Int32Array.from([0, 1, 2]);
    const out = preprocessRows(features, 2, Int32Array.from([0, 1, 2, 3]), { kind: 'standardize' }, train);
    expect(out[0]).toBeCloseTo(-1.2247, 3);
    expect(out[2]).toBeCloseTo(0, 5);
    // The validation row (100, 1000) is far off: its statistics did not move the scale.
    expect(out[6]).toBeCloseTo((100 - 2) / Math.sqrt(8 / 3), 3);
  });

  it('scales image pixels by their known maximum', () => {
    expect([...preprocessRows(Float32Array.from([0, 8, 16]), 3, Int32Array.from([0]), { kind: 'scale', divisor: 16 }, Int32Array.from([0]))]).toEqual([0, 0.5, 1]);
  });
});
