import { describe, expect, it } from 'vitest';
import type { MetricPoint, RunOutcome, RunProgress } from '../../src-shared/entities/run';
import { runSpeed } from '../../src-renderer/lib/run-speed';

const ends = (times: number[], steps?: number[]): MetricPoint[] => times.map((time, i) => ({ step: steps?.[i] ?? i + 1, value: 1, time }));
const outcome = (trainSize: number | null): RunOutcome => ({
  stop_reason: 'completed',
  best_epoch: null,
  restored_best: false,
  frozen_layers: [],
  output_layer_replaced: false,
  checkpoint: { final: true, best: false },
  train_size: trainSize,
  val_size: 10,
  test_size: 0,
});
const progress = (batches: number): RunProgress => ({ epoch: 2, epochs: 5, batch: 1, batches, loss: 1, eta_ms: null });

describe('how fast a run trains, on its page', () => {
  it('the median epoch from when the epochs ended (the first left out), and the samples per second it makes', () => {
    const run = { started_at: 0, outcome: outcome(1000), progress: null, params: { batch_size: 32 } };
    expect(runSpeed(run, ends([10_000, 12_000, 14_000, 17_000]))).toMatchObject({ text: '2 s per epoch · 500 samples/s' });
    expect(runSpeed(run, ends([1_700]))?.text).toBe('1.7 s per epoch · 588 samples/s');
    expect(runSpeed({ ...run, outcome: outcome(1_000_000) }, ends([95_000]))?.text).toBe('1m 35s per epoch · 10,526 samples/s');
  });

  it('while the run trains, the training set is estimated from its batches (marked ≈); a thinned series gives the mean epoch', () => {
    const running = { started_at: 0, outcome: null, progress: progress(23), params: { batch_size: 32 } };
    expect(runSpeed(running, ends([2_000]))?.text).toBe('2 s per epoch · ≈368 samples/s');
    expect(runSpeed({ ...running, progress: null }, ends([2_000]))?.text).toBe('2 s per epoch');
    expect(runSpeed({ ...running, progress: null }, ends([10_000, 40_000], [1, 10]))).toMatchObject({ text: '4 s per epoch', title: expect.stringContaining('mean epoch') });
  });

  it('nothing before an epoch ended, or for a run that never started', () => {
    expect(runSpeed({ started_at: 0, outcome: null, progress: null, params: {} }, [])).toBeNull();
    expect(runSpeed({ started_at: null, outcome: null, progress: null, params: {} }, ends([1_000]))).toBeNull();
  });
});
