import { describe, expect, it } from 'vitest';
import { sweepRequestSchema, type SweepRequestInput } from '../../src-shared/entities/sweep';
import { requireBuiltWorker, useCore } from '../helpers/core';

requireBuiltWorker();
const newCore = useCore();
const request = (input: Partial<SweepRequestInput>) =>
  sweepRequestSchema.parse({
    strategy: 'random',
    params: ['lr=loguniform(1e-4,1e-2)', 'momentum=uniform(0.85,0.99)'],
    trials: 6,
    fixed: { dataset: 'iris', hidden: [8], epochs: 2, backend: 'wasm' },
    parallel: 2,
    seed: 7,
    ...input,
  });

describe('random search', () => {
  it('runs every trial as a run of the sweep, samples within the ranges, and repeats with the same seed', async () => {
    const { core } = await newCore();
    const first = await core.sweeps.start(request({}));
    expect(await core.sweeps.wait(first.sweep_id)).toBe('finished');
    const again = await core.sweeps.start(request({}));
    await core.sweeps.wait(again.sweep_id);
    const a = core.store.sweeps.get(first.sweep_id);
    const b = core.store.sweeps.get(again.sweep_id);
    expect(a?.counts).toEqual({ pending: 0, running: 0, finished: 6, pruned: 0, failed: 0 });
    const runs = await core.store.listRuns();
    expect(runs.filter((r) => r.sweep_id === first.sweep_id).map((r) => r.trial).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    for (const trial of a?.trials ?? []) {
      expect(trial.params.lr).toBeGreaterThanOrEqual(1e-4);
      expect(trial.params.lr).toBeLessThanOrEqual(1e-2);
      expect(trial.params.momentum).toBeGreaterThanOrEqual(0.85);
      expect(trial.params.momentum).toBeLessThanOrEqual(0.99);
      const run = runs.find((r) => r.run_id === trial.run_id);
      expect(run?.params.lr).toBe(trial.params.lr);
    }
    expect(b?.trials.map((t) => t.params)).toEqual(a?.trials.map((t) => t.params));
    expect(a?.best_run_id).not.toBeNull();
    const best = Math.max(...(a?.trials ?? []).map((t) => t.value as number));
    expect(a?.best_value).toBe(best);
  });
});

describe('grid search', () => {
  it('runs exactly the product of its lists', async () => {
    const { core } = await newCore();
    const sweep = await core.sweeps.start(request({ strategy: 'grid', params: ['lr=[0.1,0.01]', 'batch_size=[16,32]'], trials: undefined }));
    await core.sweeps.wait(sweep.sweep_id);
    const detail = core.store.sweeps.get(sweep.sweep_id);
    expect(detail?.trials.map((t) => [t.params.lr, t.params.batch_size])).toEqual([
      [0.1, 16],
      [0.1, 32],
      [0.01, 16],
      [0.01, 32],
    ]);
    expect(detail?.counts.finished).toBe(4);
  });
});

describe('successive halving', () => {
  it('prunes trials that trail at a rung; pruned trials keep their epochs', async () => {
    const { core } = await newCore();
    const sweep = await core.sweeps.start(
      request({ strategy: 'asha', trials: 9, params: ['lr=loguniform(1e-4,1)'], fixed: { dataset: 'iris', hidden: [8], epochs: 9, backend: 'wasm' }, min_epochs: 1, reduction_factor: 3 }),
    );
    await core.sweeps.wait(sweep.sweep_id);
    const detail = core.store.sweeps.get(sweep.sweep_id);
    expect(detail?.counts.pruned).toBeGreaterThan(0);
    expect((detail?.counts.pruned ?? 0) + (detail?.counts.finished ?? 0)).toBe(9);
    for (const trial of detail?.trials.filter((t) => t.status === 'pruned') ?? []) {
      expect([1, 3]).toContain(trial.epochs);
      expect((await core.store.getRun(trial.run_id as number))?.outcome?.stop_reason).toBe('pruned');
    }
  });
});

describe('stopping and resuming', () => {
  it('a stopped sweep resumes its unfinished trials and does not repeat finished ones', async () => {
    const { core } = await newCore();
    const sweep = await core.sweeps.start(request({ trials: 4, parallel: 1, fixed: { dataset: 'digits', hidden: [16], epochs: 3, backend: 'wasm' } }));
    await new Promise<void>((resolve) => {
      const off = core.api.subscribe((event) => {
        if (event.event === 'sweep/updated' && event.payload.sweep.counts.finished >= 1) {
          off();
          resolve();
        }
      });
    });
    expect(core.sweeps.stop(sweep.sweep_id)).toBe(true);
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('stopped');
    const stopped = core.store.sweeps.get(sweep.sweep_id);
    const finishedRuns = stopped?.trials.filter((t) => t.status === 'finished').map((t) => t.run_id) ?? [];
    expect(core.trainer.runningCount).toBe(0);
    expect(finishedRuns.length).toBeGreaterThanOrEqual(1);
    await core.sweeps.resume(sweep.sweep_id);
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('finished');
    const resumed = core.store.sweeps.get(sweep.sweep_id);
    expect(resumed?.counts.finished).toBe(4);
    for (const runId of finishedRuns) expect(resumed?.trials.map((t) => t.run_id)).toContain(runId);
  });
});

describe('bad sweep requests are refused before any trial starts, naming the parameter', () => {
  const cases: [string, Partial<SweepRequestInput>, RegExp][] = [
    ['loguniform with a bound <= 0', { params: ['lr=loguniform(0,1e-2)'] }, /lr: loguniform\(0,1e-2\): both bounds must be above 0/],
    ['a lower bound above the upper', { params: ['momentum=uniform(0.99,0.85)'] }, /momentum: uniform\(0.99,0.85\): the lower bound is above the upper/],
    ['int(1.5,3)', { params: ['batch_size=int(1.5,3)'] }, /batch_size: int\(1.5,3\): the bounds must be whole numbers/],
    ['an empty choice()', { params: ['optimizer=choice()'] }, /optimizer: choice\(\) is empty/],
    ['an unknown parameter', { params: ['learning_rate=uniform(0,1)'] }, /unknown parameter "learning_rate"/],
    ['an objective that is never logged', { objective: 'f1:max' }, /f1 is never logged/],
    ['a value the option refuses', { params: ['dropout=uniform(0,1.5)'] }, /dropout=uniform\(0,1.5\): the value 1.5 is not valid/],
    ['a grid over 1000 trials without yes', { strategy: 'grid', params: ['lr=[' + Array.from({ length: 40 }, (_, i) => (i + 1) / 1000).join(',') + ']', 'momentum=[' + Array.from({ length: 30 }, (_, i) => 0.5 + i / 100).join(',') + ']'] }, /1200 trials, more than 1000: pass --yes/],
  ];
  for (const [what, input, message] of cases) {
    it(what, async () => {
      const { core } = await newCore();
      await expect(core.sweeps.start(request(input))).rejects.toThrow(message);
      expect(core.store.sweeps.list()).toEqual([]);
      expect(await core.store.listRuns()).toEqual([]);
    });
  }

  it('--trials 0 and --parallel 0', () => {
    expect(sweepRequestSchema.safeParse({ params: ['lr=[0.1]'], fixed: {}, trials: 0 }).error?.issues[0]?.message).toBe('trials must be at least 1');
    expect(sweepRequestSchema.safeParse({ params: ['lr=[0.1]'], fixed: {}, parallel: 0 }).error?.issues[0]?.message).toBe('parallel must be at least 1');
  });
});
