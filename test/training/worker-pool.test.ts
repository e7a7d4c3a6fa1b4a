import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../src-main/core';
import { NodeWorkerLauncher, type WorkerHandle, type WorkerLauncher } from '../../src-main/training/host/worker-launcher';
import { WorkerPool } from '../../src-main/training/host/worker-pool';
import { sweepRequestSchema } from '../../src-shared/entities/sweep';
import { trainConfigSchema } from '../../src-shared/entities/train-config';
import { requireBuiltWorker } from '../helpers/core';
import { FakeWorker } from '../helpers/fake-worker';
import { useTempDir } from '../helpers/temp';

function fakeLauncher(): { launcher: WorkerLauncher; launched: FakeWorker[] } {
  const launched: FakeWorker[] = [];
  return {
    launched,
    launcher: {
      launch: () => {
        const worker = new FakeWorker();
        launched.push(worker);
        return worker;
      },
    },
  };
}

describe('worker pool', () => {
  it('hands a released worker to the next run under the same key, and a new one under another key', () => {
    const { launcher, launched } = fakeLauncher();
    const pool = new WorkerPool(launcher);
    const first = pool.acquire('sweep:1:wasm', 'w.js');
    pool.release('sweep:1:wasm', first);
    expect(pool.acquire('sweep:1:wasm', 'w.js')).toBe(first);
    pool.release('sweep:1:wasm', first);
    expect(pool.acquire('sweep:2:wasm', 'w.js')).not.toBe(first);
    expect(pool.acquire(null, 'w.js')).not.toBe(first);
    expect(launched).toHaveLength(3);
  });

  it('routes messages and the exit to the run that owns the worker, and drops a worker that dies while idle', () => {
    const { launcher, launched } = fakeLauncher();
    const pool = new WorkerPool(launcher);
    const worker = pool.acquire('k', 'w.js');
    const seen: string[] = [];
    worker.own({ onMessage: (m) => seen.push(`run 1: ${m.type}`), onExit: () => seen.push('run 1: exit') });
    launched[0]?.say({ type: 'probed', backend: 'wasm', chosen: 'wasm', ok: true, device: null, error: null, skipped: [], adapters: null });
    pool.release('k', worker);
    launched[0]?.say({ type: 'probed', backend: 'wasm', chosen: 'wasm', ok: true, device: null, error: null, skipped: [], adapters: null });
    expect(seen).toEqual(['run 1: probed']);
    launched[0]?.exit({ code: 1, signal: null });
    expect(pool.idleCount).toBe(0);
    expect(seen).toEqual(['run 1: probed']);
    expect(pool.acquire('k', 'w.js')).not.toBe(worker);
  });

  it('ends the idle workers of a sweep when it is drained, and no others', () => {
    const { launcher, launched } = fakeLauncher();
    const pool = new WorkerPool(launcher);
    const a = pool.acquire('sweep:1:wasm', 'w.js');
    const b = pool.acquire('sweep:12:wasm', 'w.js');
    pool.release('sweep:1:wasm', a);
    pool.release('sweep:12:wasm', b);
    pool.drain('sweep:1:');
    expect(launched.map((w) => w.killed)).toEqual([true, false]);
    pool.dispose();
    expect(launched.map((w) => w.killed)).toEqual([true, true]);
    expect(pool.idleCount).toBe(0);
  });
});

describe('sweep trials in warm processes', () => {
  requireBuiltWorker();
  const tempDir = useTempDir();
  let core: Core | null = null;
  afterEach(async () => {
    await core?.dispose();
    core = null;
  });

  /** A real launcher that counts its processes and remembers whether each has exited. */
  function countingLauncher() {
    const real = new NodeWorkerLauncher();
    const processes: { exited: boolean }[] = [];
    const launcher: WorkerLauncher = {
      launch: (entry) => {
        const handle = real.launch(entry);
        const seen = { exited: false };
        processes.push(seen);
        handle.onExit(() => (seen.exited = true));
        return handle;
      },
    };
    return { launcher, processes };
  }

  it('trains a sweep’s trials one after another in one process, with the results of fresh processes, and ends it with the sweep', async () => {
    const { launcher, processes } = countingLauncher();
    core = await openCore({ db: { path: join(tempDir(), 'pool.db'), explicit: true }, host: 'cli', launcher });
    const sweep = await core.sweeps.start(
      sweepRequestSchema.parse({ strategy: 'grid', params: ['lr=[0.05,0.02,0.01]'], fixed: { dataset: 'iris', hidden: [8], epochs: 3, backend: 'wasm' }, parallel: 1, seed: 3 }),
    );
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('finished');
    expect(processes).toHaveLength(1);
    await expect.poll(() => processes.every((p) => p.exited), { timeout: 5000 }).toBe(true);

    // The third trial trained in a reused process; the same configuration in a fresh one gives the same numbers.
    const trials = (await core.store.listRuns()).filter((r) => r.sweep_id === sweep.sweep_id).sort((a, b) => (a.trial ?? 0) - (b.trial ?? 0));
    const third = await core.store.getRun(trials[2]?.run_id as number);
    const alone = await core.trainer.start(trainConfigSchema.parse({ ...third?.config, name: 'alone', experiment: 'default' }));
    expect(await core.trainer.wait(alone.run_id)).toBe('finished');
    expect(processes).toHaveLength(2);
    const again = await core.store.getRun(alone.run_id);
    expect(again?.metrics).toEqual(third?.metrics);
  });

  it('trains a successive-halving sweep’s trials in one process: a trial pruned at its rung leaves it ready for the next', async () => {
    const { launcher, processes } = countingLauncher();
    core = await openCore({ db: { path: join(tempDir(), 'asha.db'), explicit: true }, host: 'cli', launcher });
    const sweep = await core.sweeps.start(
      sweepRequestSchema.parse({
        strategy: 'asha',
        trials: 9,
        params: ['lr=loguniform(1e-4,1)'],
        fixed: { dataset: 'iris', hidden: [8], epochs: 9, backend: 'wasm' },
        min_epochs: 1,
        reduction_factor: 3,
        parallel: 1,
        seed: 335,
      }),
    );
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('finished');
    const trials = (await core.store.sweeps.get(sweep.sweep_id))?.trials ?? [];
    // One at a time, the order is fixed: trial 1 (lr 0.15) is first at both rungs; trial 2 (lr 0.14) leads at epoch 1
    // and trails trial 1 at epoch 3; trials 3 to 8 (lr below 0.02) trail at epoch 1; trial 9 is third of nine at
    // epoch 1 (three go on) and last at epoch 3.
    expect(trials.map((t) => [t.status, t.epochs])).toEqual([['finished', 9], ['pruned', 3], ...Array(6).fill(['pruned', 1]), ['pruned', 3]]);
    for (const trial of trials) {
      const [series] = await core.store.getMetrics([trial.run_id as number], ['val_loss'], null);
      expect(series?.points.map((p) => p.step), `trial ${trial.trial}`).toEqual(Array.from({ length: trial.epochs }, (_, i) => i + 1));
    }
    expect(processes).toHaveLength(1);
  });

  it('replaces a trial’s process that was killed: that trial fails, the next starts in a new process', async () => {
    const { launcher, processes } = countingLauncher();
    const handles: WorkerHandle[] = [];
    const recording: WorkerLauncher = {
      launch: (entry) => {
        const handle = launcher.launch(entry);
        handles.push(handle);
        return handle;
      },
    };
    core = await openCore({ db: { path: join(tempDir(), 'kill.db'), explicit: true }, host: 'cli', launcher: recording });
    const live = core;
    let killed = false;
    live.api.subscribe((event) => {
      // Kill the process during the first trial's first epoch.
      if (!killed && event.event === 'run/epoch-logged') {
        killed = true;
        handles[0]?.kill();
      }
    });
    const sweep = await live.sweeps.start(
      sweepRequestSchema.parse({ strategy: 'grid', params: ['lr=[0.05,0.02,0.01]'], fixed: { dataset: 'iris', hidden: [8], epochs: 3, backend: 'wasm' }, parallel: 1, seed: 3 }),
    );
    expect(await live.sweeps.wait(sweep.sweep_id)).toBe('finished');
    const detail = await live.store.sweeps.get(sweep.sweep_id);
    expect(detail?.counts).toMatchObject({ finished: 2, failed: 1 });
    expect(processes).toHaveLength(2);
  });
});
