/**
 * Issue 16: TPE sweeps in the host, with the real trainer on tiny iris trials: each trial's params are drawn when it
 * starts, from the store (so a sweep run here, in parallel, or on workers draws alike), reproducibly by seed; with
 * successive halving; warm-started from an earlier sweep or experiment; and what it refuses, writing nothing.
 */
import { describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../src-main/core';
import { SweepWorker } from '../../src-main/search/sweep-worker';
import { tpeHistory } from '../../src-main/search/trial-params';
import type { SweepDetail, SweepRequestInput } from '../../src-shared/entities/sweep';
import { sweepRequestSchema } from '../../src-shared/entities/sweep';
import { trainConfigSchema } from '../../src-shared/entities/train-config';
import { parseSpace, randomTrial } from '../../src-shared/search/space';
import { requireBuiltWorker, useCore } from '../helpers/core';
import { describeStores } from '../helpers/stores';

requireBuiltWorker();
const newCore = useCore();

const SPACE = ['lr=loguniform(1e-3,0.5)', 'momentum=uniform(0.5,0.99)'];
const parsedSpace = (() => {
  const parsed = parseSpace(SPACE);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
})();
const request = (input: Partial<SweepRequestInput>) =>
  sweepRequestSchema.parse({
    strategy: 'tpe',
    params: SPACE,
    trials: 12,
    fixed: { dataset: 'iris', hidden: [8], epochs: 2, backend: 'wasm' },
    objective: 'val_loss:min',
    parallel: 1,
    seed: 11,
    ...input,
  });

async function runToEnd(core: Core, input: Partial<SweepRequestInput>): Promise<SweepDetail> {
  const sweep = await core.sweeps.start(request(input));
  expect(await core.sweeps.wait(sweep.sweep_id)).toBe('finished');
  return (await core.store.sweeps.get(sweep.sweep_id)) as SweepDetail;
}

function expectInsideSpace(detail: SweepDetail): void {
  for (const t of detail.trials) {
    expect(t.params.lr).toBeGreaterThanOrEqual(1e-3);
    expect(t.params.lr).toBeLessThanOrEqual(0.5);
    expect(t.params.momentum).toBeGreaterThanOrEqual(0.5);
    expect(t.params.momentum).toBeLessThanOrEqual(0.99);
  }
}

describe('a TPE sweep', () => {
  it('draws each trial when it starts: the first 10 as random search with the same seed, then from the finished ones; the same seed draws the same trials', async () => {
    const { core } = await newCore();
    const created = await core.sweeps.start(request({}));
    // Nothing is drawn before a trial starts.
    expect(created.strategy).toBe('tpe');
    expect(created.trials.slice(1).every((t) => Object.keys(t.params).length === 0)).toBe(true);
    await core.sweeps.wait(created.sweep_id);
    const first = (await core.store.sweeps.get(created.sweep_id)) as SweepDetail;
    expect(first.counts.finished).toBe(12);
    expectInsideSpace(first);
    first.trials.slice(0, 10).forEach((t, i) => expect(t.params).toEqual(randomTrial(parsedSpace, 11, i)));
    expect(first.trials[10]?.params).not.toEqual(randomTrial(parsedSpace, 11, 10));
    // Each run trained with its trial's params.
    const runs = await core.store.listRuns({ sweepId: first.sweep_id });
    for (const t of first.trials) expect(runs.find((r) => r.run_id === t.run_id)?.params.lr).toBe(t.params.lr);
    const again = await runToEnd(core, {});
    expect(again.trials.map((t) => t.params)).toEqual(first.trials.map((t) => t.params));
  });

  it('runs with --parallel 2 and successive halving: trials are pruned at their rungs and every trial is drawn inside the space', async () => {
    const { core } = await newCore();
    const detail = await runToEnd(core, { parallel: 2, trials: 14, pruner: 'asha', min_epochs: 1, reduction_factor: 3, fixed: { dataset: 'iris', hidden: [8], epochs: 3, backend: 'wasm' } });
    expect(detail.strategy).toBe('tpe');
    expect(detail.asha).toEqual({ min_epochs: 1, max_epochs: 3, reduction_factor: 3 });
    expect(detail.counts.finished + detail.counts.pruned + detail.counts.failed).toBe(14);
    expect(detail.counts.pruned).toBeGreaterThan(0);
    expect(detail.trials.filter((t) => t.status === 'pruned').every((t) => t.epochs < 3)).toBe(true);
    expectInsideSpace(detail);
  });

  it('is warm-started by the finished runs of an earlier sweep: with 10 of them, its first trial is already drawn by TPE', async () => {
    const { core } = await newCore();
    const earlier = await runToEnd(core, { strategy: 'random', trials: 10, seed: 5 });
    const warm = await runToEnd(core, { trials: 2, seed: 11, warm_start: `sweep:${earlier.sweep_id}` });
    expect(warm.warm_start).toEqual({ from: `sweep ${earlier.sweep_id}`, runs: 10 });
    expect(warm.warm_start_runs.map((r) => r.run_id)).toEqual(earlier.trials.map((t) => t.run_id));
    expect(warm.warm_start_runs.map((r) => r.value)).toEqual(earlier.trials.map((t) => t.value));
    expect(warm.trials[0]?.params).not.toEqual(randomTrial(parsedSpace, 11, 0));
    expectInsideSpace(warm);
    // The same sweep with no warm start begins as random search would.
    const cold = await runToEnd(core, { trials: 1, seed: 11 });
    expect(cold.trials[0]?.params).toEqual(randomTrial(parsedSpace, 11, 0));
  });

  it("is warm-started by an experiment's finished runs whose searched params are inside the space, and only those", async () => {
    const { core } = await newCore();
    const train = async (lr: number, momentum: number) => {
      const run = await core.trainer.start(trainConfigSchema.parse({ dataset: 'iris', hidden: [8], epochs: 2, backend: 'wasm', experiment: 'prior', lr, momentum, seed: 1 }));
      await core.trainer.wait(run.run_id);
      return run.run_id;
    };
    const inside = await train(0.05, 0.9);
    await train(0.9, 0.9); // lr outside loguniform(1e-3,0.5)
    const detail = await runToEnd(core, { trials: 1, warm_start: 'prior' });
    expect(detail.warm_start).toEqual({ from: 'experiment prior', runs: 1 });
    expect(detail.warm_start_runs).toEqual([{ run_id: inside, params: { lr: 0.05, momentum: 0.9 }, value: expect.any(Number) }]);
    const run = await core.store.getRun(inside);
    expect(detail.warm_start_runs[0]?.value).toBe(run?.best.val_loss);
  });

  it('refuses a warm start from runs with none of the searched params inside the space, naming why, and creates nothing', async () => {
    const { core } = await newCore();
    const run = await core.trainer.start(trainConfigSchema.parse({ dataset: 'iris', hidden: [8], epochs: 1, backend: 'wasm', experiment: 'prior', lr: 0.9, seed: 1 }));
    await core.trainer.wait(run.run_id);
    await expect(core.sweeps.start(request({ warm_start: 'experiment:prior' }))).rejects.toThrow(
      /warm_start: none of the 1 finished runs of experiment prior has the searched params \(lr, momentum\) inside the space: 1 with a value outside the space \(run \d+ has lr=0\.9, outside loguniform\(0\.001,0\.5\)\)/,
    );
    expect(await core.store.sweeps.list()).toEqual([]);
    expect(await core.store.listRuns()).toHaveLength(1);
  });

  it('refuses a space with nothing to search, creating nothing', async () => {
    const { core } = await newCore();
    await expect(core.sweeps.start(request({ params: ['momentum=uniform(0.9,0.9)', 'optimizer=choice(adam)'] }))).rejects.toThrow(/TPE has nothing to search: every parameter has a single value/);
    expect(await core.store.sweeps.list()).toEqual([]);
  });
});

describe("TPE's view of a sweep's trials (tpeHistory)", () => {
  it('takes warm-start runs first, finished trials as complete, pruned ones at their rung, diverged as NaN, anything not done as running, and leaves out failed and undrawn trials', () => {
    const trial = (n: number, status: string, params: Record<string, number>, value: number | null, epochs: number, runId: number | null) =>
      ({ trial: n, params, run_id: runId, status, value, epochs, host: null }) as SweepDetail['trials'][number];
    const detail = {
      warm_start_runs: [{ run_id: 90, params: { lr: 0.1 }, value: 0.5 }],
      trials: [
        trial(1, 'finished', { lr: 0.01 }, 0.3, 3, 1),
        trial(2, 'pruned', { lr: 0.02 }, 0.6, 1, 2),
        trial(3, 'diverged', { lr: 0.4 }, 2.5, 2, 3),
        trial(4, 'failed', { lr: 0.03 }, null, 0, 4),
        trial(5, 'running', { lr: 0.04 }, 0.7, 1, 5),
        trial(6, 'pending', { lr: 0.05 }, null, 0, null),
        trial(7, 'interrupted', { lr: 0.06 }, null, 1, 7),
        trial(8, 'pending', {}, null, 0, null),
        trial(9, 'pending', {}, null, 0, null),
      ],
    } as unknown as SweepDetail;
    const history = tpeHistory(detail, 9, new Map([[2, 0.65]]));
    expect(history).toEqual([
      { params: { lr: 0.1 }, state: 'complete', value: 0.5 },
      { params: { lr: 0.01 }, state: 'complete', value: 0.3 },
      { params: { lr: 0.02 }, state: 'pruned', value: 0.65, step: 1 },
      { params: { lr: 0.4 }, state: 'pruned', value: NaN, step: 2 },
      { params: { lr: 0.04 }, state: 'running', value: null },
      { params: { lr: 0.05 }, state: 'running', value: null },
      { params: { lr: 0.06 }, state: 'running', value: null },
    ]);
  });
});

describeStores('a TPE sweep on workers', ({ location }) => {
  it('is drawn by the worker that claims each trial, from the store: 12 trials, the last 2 by TPE', async () => {
    const where = await location();
    const core = await openCore({ db: where, host: 'cli', datasetsMirror: 'http://127.0.0.1:1/' });
    try {
      const created = await core.sweeps.createForWorkers(request({}));
      expect(created.workers).toBe(true);
      const worker = new SweepWorker({
        store: core.store,
        trainer: core.trainer,
        subscribe: (listener) => core.events.subscribe(listener),
        sweepId: created.sweep_id,
        parallel: 1,
        backend: null,
        graceMs: 60_000,
        notify: () => {},
        id: 'here:1',
      });
      expect(await worker.run()).toEqual({ status: 'done' });
      const detail = (await core.store.sweeps.get(created.sweep_id)) as SweepDetail;
      expect(detail).toMatchObject({ status: 'finished', counts: { finished: 12 } });
      expectInsideSpace(detail);
      detail.trials.slice(0, 10).forEach((t, i) => expect(t.params).toEqual(randomTrial(parsedSpace, 11, i)));
      expect(detail.trials[10]?.params).not.toEqual(randomTrial(parsedSpace, 11, 10));
      // A trial's params are drawn once: a second draw keeps the first.
      expect(await core.store.sweeps.setTrialParams(created.sweep_id, 11, { lr: 0.2, momentum: 0.6 })).toEqual(detail.trials[10]?.params);
    } finally {
      await core.dispose();
    }
  }, 180_000);
});
