import { describe, expect, it } from 'vitest';
import type { RunProgress, RunSummary } from '../../src-shared/entities/run';
import { laterProgress, progressAfterEpoch, withEpoch } from '../../src-renderer/lib/run-updates';

const progress = (epoch: number, batch: number): RunProgress => ({ epoch, epochs: 30, batch, batches: 45, loss: 0.5, eta_ms: 1000 });

const run: RunSummary = {
  run_id: 1, name: 'r', experiment: 'default', status: 'running', kind: 'train', source: null, backend: 'wasm', device: null, parent_run_id: null,
  sweep_id: null, trial: null, attempt: null, seed: 1, created_at: 0, started_at: 0, ended_at: null, duration_s: null, error: null, params: {},
  metrics: { val_loss: 0.3 }, best: { val_loss: 0.3 }, epochs: 3, progress: progress(4, 22), outcome: null, tags: {}, notes: null,
  archived: false, deleted: false,
};

describe('live progress on the page', () => {
  it('keeps the further of two progress reports, whatever order they arrive in', () => {
    expect(laterProgress(progress(19, 10), progress(4, 22))).toEqual(progress(19, 10));
    expect(laterProgress(progress(4, 22), progress(19, 10))).toEqual(progress(19, 10));
    expect(laterProgress(progress(5, 3), progress(5, 40))).toEqual(progress(5, 40));
    expect(laterProgress(undefined, progress(1, 1))).toEqual(progress(1, 1));
  });

  it('moves a run copy\'s progress past each epoch logged, so it never lags the epochs charted', () => {
    const after = withEpoch(run, { run_id: 1, epoch: 7, time: 0, metrics: { val_loss: 0.2 } });
    expect(after.epochs).toBe(7);
    expect(after.progress).toMatchObject({ epoch: 7, batch: 45, batches: 45 });
    // Progress already into the next epoch stays where it is.
    expect(progressAfterEpoch(progress(8, 3), 7)).toEqual(progress(8, 3));
    expect(withEpoch({ ...run, progress: null }, { run_id: 1, epoch: 4, time: 0, metrics: {} }).progress).toBeNull();
  });
});
