import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../src-shared/entities/run';
import { EARLY_STOPPING_DEFAULTS } from '../../src-shared/entities/specs';
import { SPEC_SUGGESTIONS } from '../../src-renderer/lib/new-run-options';
import { overfittingEpoch, ruleOf, runOverfittingEpoch } from '../../src-renderer/lib/overfitting-marker';

/** Validation loss memorised by epoch 7, then climbing steadily; training loss falling throughout. */
const VAL = [1.449, 0.835, 0.616, 0.615, 0.528, 0.483, 0.449, 0.453, 0.453, 0.46, 0.471, 0.462, 0.459, 0.462, 0.466, 0.468, 0.471, 0.473, 0.474, 0.473];
const TRAIN = VAL.map((_, i) => 2 * 0.7 ** i);

function points(values: readonly number[], stepOf = (i: number) => i + 1): MetricPoint[] {
  return values.map((value, i) => ({ step: stepOf(i), value, time: i }));
}

const series = { points: (key: string) => (key === 'train_loss' ? points(TRAIN) : key === 'val_loss' ? points(VAL) : []) };

describe('the overfitting marker of a run', () => {
  it('judges a run by its own early stopping, and by early stopping\'s defaults when it had none', () => {
    expect(ruleOf({ params: { early_stopping: '12:0.01' } })).toEqual({ patience: 12, minDelta: 0.01 });
    expect(ruleOf({ params: { early_stopping: 'off' } })).toEqual(EARLY_STOPPING_DEFAULTS);
    expect(ruleOf({ params: {} })).toEqual(EARLY_STOPPING_DEFAULTS);
    expect(SPEC_SUGGESTIONS.early_stopping).toContain(String(EARLY_STOPPING_DEFAULTS.patience));
    expect(runOverfittingEpoch({ kind: 'train', params: {} }, series)).toBe(7);
    // Patience 15 has not passed since epoch 7 after 20 epochs: no marker yet.
    expect(runOverfittingEpoch({ kind: 'train', params: { early_stopping: '15' } }, series)).toBeNull();
  });

  it('never marks a sanity check, which overfits its one batch by design', () => {
    expect(runOverfittingEpoch({ kind: 'sanity', params: {} }, series)).toBeNull();
  });

  it('counts patience in epochs, not points, on a downsampled series, and names a real epoch', () => {
    // Every other epoch kept (1, 3, 5...): lowest at epoch 21, then rising; 27 is 6 epochs but 3 points later.
    const epochs = Array.from({ length: 14 }, (_, i) => 2 * i + 1);
    const val = epochs.map((e) => 0.3 + 0.5 * Math.exp(-Math.min(e, 21) / 4) + 0.01 * Math.max(0, e - 21));
    const train = epochs.map((e) => 1 / e);
    const at = (values: readonly number[]) => values.map((value, i) => ({ step: epochs[i] as number, value, time: i }));
    expect(overfittingEpoch(at(train), at(val), ruleOf({ params: {} }))).toBe(21);
  });
});
