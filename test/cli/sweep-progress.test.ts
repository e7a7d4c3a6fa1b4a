/**
 * Issue 4, item 5: on a terminal, `runboard sweep` shows one progress line, rewritten in place: trials done,
 * running, pruned, failed, the best value so far, and the time left. `sweepProgressLine` builds that line; these
 * tests pin its text without a terminal (sweep-durability.test.ts watches the real line under a pseudo-terminal).
 */
import { describe, expect, it } from 'vitest';
import type { SweepSummary } from '../../src-shared/entities/sweep';
import { sweepProgressLine } from '../../src-main/cli/sweep-command';

const T0 = 1_700_000_000_000;

/** A sweep summary as the store reports it, with the counts and best value a test sets. */
function summary(overrides: Partial<Omit<SweepSummary, 'counts'>> & { counts?: Partial<SweepSummary['counts']> } = {}): SweepSummary {
  const { counts, ...rest } = overrides;
  return {
    sweep_id: 1,
    name: 'sweep-1',
    experiment: 'default',
    status: 'running',
    error: null,
    strategy: 'random',
    space: [{ name: 'lr', distribution: 'loguniform(0.0001,0.01)' }],
    fixed: { dataset: 'digits', epochs: 2 },
    objective: { metric: 'val_accuracy', direction: 'max' },
    trials_planned: 6,
    seed: 7,
    parallel: 2,
    asha: null,
    warm_start: null,
    workers: false,
    created_at: T0,
    ended_at: null,
    best_run_id: null,
    best_value: null,
    epochs_trained: 0,
    ...rest,
    counts: { pending: 0, running: 0, finished: 0, pruned: 0, failed: 0, ...counts },
  };
}

describe('the sweep progress line', () => {
  it('before any trial has ended: nothing done, the running trials, no best yet, no time estimate', () => {
    const line = sweepProgressLine(summary({ counts: { pending: 4, running: 2 } }), T0, T0 + 3_000);
    expect(line).toBe('trials 0/6 done, 2 running, 0 pruned, 0 failed | best val_accuracy - | ETA -');
  });

  it('counts finished, pruned and failed trials as done, names the best run, and estimates the time left from the pace so far', () => {
    // 4 trials done in 40 s with 2 at once: 10 s per trial, 6 left, 2 at a time: 30 s.
    const sweep = summary({ trials_planned: 10, counts: { pending: 4, running: 2, finished: 2, pruned: 1, failed: 1 }, best_run_id: 3, best_value: 0.930362116 });
    expect(sweepProgressLine(sweep, T0, T0 + 40_000)).toBe('trials 4/10 done, 2 running, 1 pruned, 1 failed | best val_accuracy 0.9304 (run 3) | ETA 0:30');
  });

  it('names the objective metric being optimised, minimised ones too', () => {
    const sweep = summary({ objective: { metric: 'val_loss', direction: 'min' }, counts: { finished: 3, running: 2, pending: 1 }, best_run_id: 5, best_value: 0.123456 });
    expect(sweepProgressLine(sweep, T0, T0 + 9_000)).toMatch(/^trials 3\/6 done, 2 running, 0 pruned, 0 failed \| best val_loss 0\.1235 \(run 5\) \| ETA /);
  });

  it('does not divide the time left by more trials at once than are left', () => {
    // 5 of 6 done in 50 s (10 s each); one left runs alone even with 4 at once: 10 s.
    const sweep = summary({ parallel: 4, counts: { finished: 5, running: 1 }, best_run_id: 1, best_value: 0.5 });
    expect(sweepProgressLine(sweep, T0, T0 + 50_000)).toMatch(/\| ETA 0:10$/);
  });

  it('shows hours when the time left is long', () => {
    // 1 of 100 done in 60 s, 99 left, 2 at once: 99 * 60 s / 2 = 49:30.
    expect(sweepProgressLine(summary({ trials_planned: 100, counts: { finished: 1, running: 2, pending: 97 } }), T0, T0 + 60_000)).toMatch(/\| ETA 49:30$/);
    // 1 of 300 done in 60 s, 299 left, 2 at once: 2:29:30.
    expect(sweepProgressLine(summary({ trials_planned: 300, counts: { finished: 1, running: 2, pending: 297 } }), T0, T0 + 60_000)).toMatch(/\| ETA 2:29:30$/);
  });

  it('when every trial is done: all done, nothing running, ETA 0:00', () => {
    const sweep = summary({ status: 'finished', counts: { finished: 4, pruned: 1, failed: 1 }, best_run_id: 2, best_value: 0.97 });
    expect(sweepProgressLine(sweep, T0, T0 + 12_345)).toBe('trials 6/6 done, 0 running, 1 pruned, 1 failed | best val_accuracy 0.97 (run 2) | ETA 0:00');
  });
});
