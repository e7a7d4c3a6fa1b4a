import { describe, expect, it } from 'vitest';
import { NATIVE_PACKAGES, isPackageInstalled } from '../../src-main/training/backend-diagnosis';
import { probeBackend } from '../../src-main/training/host/probe-backend';
import { NodeWorkerLauncher } from '../../src-main/training/host/worker-launcher';
import { trainConfigSchema } from '../../src-shared/entities/train-config';
import { requireBuiltWorker, tinyRun, useCore } from '../helpers/core';

requireBuiltWorker();
const newCore = useCore();
const config = (overrides: Record<string, unknown> = {}) => trainConfigSchema.parse({ ...tinyRun, ...overrides });

describe('trainer host', () => {
  it('runs a run in its own process and commits every epoch, pushing events in order', async () => {
    const { core, events } = await newCore();
    const created = await core.trainer.start(config());
    expect(created.status).toBe('queued');
    expect(created.params).toMatchObject({ dataset: 'iris', hidden: '8', epochs: 3, lr: 0.05, seed: 1, backend: 'wasm' });
    expect(await core.trainer.wait(created.run_id)).toBe('finished');

    const run = await core.store.getRun(created.run_id);
    expect(run).toMatchObject({ status: 'finished', backend: 'wasm', epochs: 3 });
    expect(run?.device).toMatch(/WebAssembly/);
    expect(run?.ended_at).toBeGreaterThanOrEqual(run?.started_at ?? Infinity);

    const names = events.map((e) => e.event).filter((e) => e !== 'run/progressed');
    expect(names).toEqual(['run/created', 'run/updated', 'run/epoch-logged', 'run/epoch-logged', 'run/epoch-logged', 'run/updated']);
    const epochs = events.flatMap((e) => (e.event === 'run/epoch-logged' ? [e.payload.epoch] : []));
    expect(epochs).toEqual([1, 2, 3]);
    const final = events.at(-1);
    expect(final?.event === 'run/updated' && final.payload.run.status).toBe('finished');
    expect(core.trainer.runningCount).toBe(0);
  });

  it('stops a run within a batch when asked: it ends stopped and keeps its committed epochs', async () => {
    const { core, events } = await newCore();
    const run = await core.trainer.start(config({ dataset: 'digits', hidden: [64], epochs: 500, batch_size: 8 }));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (events.some((e) => e.event === 'run/epoch-logged')) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    const asked = Date.now();
    expect(core.trainer.stop(run.run_id)).toBe(true);
    expect(await core.trainer.wait(run.run_id)).toBe('stopped');
    expect(Date.now() - asked).toBeLessThan(5000);
    const stored = await core.store.getRun(run.run_id);
    expect(stored?.status).toBe('stopped');
    expect(stored?.epochs).toBeGreaterThanOrEqual(1);
    expect(stored?.epochs).toBeLessThan(500);
  });

  it('marks a run failed, with a reason, when its process dies', async () => {
    const { core, events } = await newCore();
    const run = await core.trainer.start(config({ dataset: 'digits', hidden: [64], epochs: 500 }));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (events.some((e) => e.event === 'run/updated' && e.payload.run.status === 'running')) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    const active = (core.trainer as unknown as { active: Map<number, { worker: { handle: { kill(): void } } }> }).active.get(run.run_id);
    active?.worker.handle.kill();
    expect(await core.trainer.wait(run.run_id)).toBe('failed');
    expect((await core.store.getRun(run.run_id))?.error).toMatch(/was killed \(SIGKILL\)/);
  });

  it('refuses a split with no validation data before writing anything', async () => {
    const { core } = await newCore();
    await expect(core.trainer.start(config({ val_split: 0.001 }))).rejects.toThrow(/val_split 0.001 leaves no validation data/);
    await expect(core.trainer.start(config({ dataset: 'mnist-fashion' }))).rejects.toThrow(/Unknown dataset "mnist-fashion"/);
    expect(await core.store.listRuns()).toEqual([]);
  });

  it('takes a native backend only where it is installed: refused before writing anything, saying why, where it is not; trained on, or failed with the reason it does not load, where it is', async () => {
    const { core } = await newCore();
    if (!isPackageInstalled(NATIVE_PACKAGES.tensorflow)) {
      await expect(core.trainer.start(config({ backend: 'tensorflow' }))).rejects.toThrow(/backend tensorflow is not available: package @tensorflow\/tfjs-node is not installed/);
      expect(await core.store.listRuns()).toEqual([]);
      return;
    }
    // Installed: whether libtensorflow loads is what `runboard doctor` probes, in a process of its own.
    const probe = await probeBackend('tensorflow', new NodeWorkerLauncher());
    const run = await core.trainer.start(config({ backend: 'tensorflow' }));
    const status = await core.trainer.wait(run.run_id);
    const stored = await core.store.getRun(run.run_id);
    if (probe.ok) {
      expect(status, stored?.error ?? '').toBe('finished');
      expect(stored).toMatchObject({ backend: 'tensorflow', device: probe.device });
    } else {
      expect(status).toBe('failed');
      expect(stored?.error).toContain(probe.error);
    }
  });

  it('chooses and records a seed when none is given, so the run can be repeated', async () => {
    const { core } = await newCore();
    const { seed: _seed, ...withoutSeed } = tinyRun;
    const run = await core.trainer.start(trainConfigSchema.parse({ ...withoutSeed, epochs: 1 }));
    expect(typeof run.seed).toBe('number');
    expect(run.params.seed).toBe(run.seed);
    await core.trainer.wait(run.run_id);
  });

  it('fine-tunes from a finished run: the child records its parent, kind and frozen layers, and the evaluation is stored', async () => {
    const { core } = await newCore();
    const parent = await core.trainer.start(config({ hidden: [8, 4], epochs: 2 }));
    expect(await core.trainer.wait(parent.run_id)).toBe('finished');
    expect((await core.store.getRun(parent.run_id))?.outcome?.checkpoint).toEqual({ final: true, best: false });
    const child = await core.trainer.start(config({ from_run: parent.run_id, freeze: '0', hidden: [256], epochs: 2 }));
    expect(child.parent_run_id).toBe(parent.run_id);
    expect(child.params.hidden).toBe('8,4');
    expect(await core.trainer.wait(child.run_id)).toBe('finished');
    const stored = await core.store.getRun(child.run_id);
    expect(stored?.outcome?.frozen_layers).toEqual([0]);
    expect(stored?.kind).toBe('train');
    const evaluation = (await core.store.getArtifact(child.run_id, 'evaluation-val')) as { confusion: number[][] } | null;
    expect(evaluation?.confusion.flat().reduce((a, b) => a + b, 0)).toBe(stored?.outcome?.val_size);
  });

  it('refuses to fine-tune from a run without weights or with another input size, before writing anything', async () => {
    const { core } = await newCore();
    const sanity = await core.trainer.start(config({ overfit_batch: 4, epochs: 2 }));
    expect(sanity.kind).toBe('sanity');
    await core.trainer.wait(sanity.run_id);
    const stopped = await core.trainer.start(config({ dataset: 'digits', epochs: 500 }));
    core.trainer.stop(stopped.run_id);
    await core.trainer.wait(stopped.run_id);
    await expect(core.trainer.start(config({ from_run: stopped.run_id }))).rejects.toThrow(/has no saved weights/);
    await expect(core.trainer.start(config({ dataset: 'digits', from_run: sanity.run_id }))).rejects.toThrow(/takes inputs of 4 but digits has 1×8×8: the input shapes differ/);
    expect(await core.store.listRuns()).toHaveLength(2);
  });

  it('refuses to fine-tune from a run a script logged, saying Runboard did not train it, before writing anything', async () => {
    const { core } = await newCore();
    const external = await core.store.createExternalRun({
      experiment: 'default',
      name: 'script',
      startTime: 1_000,
      tags: {},
      source: { type: 'mlflow-api', location: 'train.py', original_id: null, user: null, imported_at: null },
    });
    await core.store.updateExternalRun(external.run_id, { status: 'finished', endTime: 2_000 }, 2_000);
    await expect(core.trainer.start(config({ from_run: external.run_id }))).rejects.toThrow(`from_run: run ${external.run_id} was not trained by Runboard (a script logged it, or it was imported): it has no weights to start from`);
    expect(await core.store.listRuns()).toHaveLength(1);
  });

  it('stops every run when disposed: they end as stopped, nothing is left running', async () => {
    const { core } = await newCore();
    const a = await core.trainer.start(config({ dataset: 'digits', epochs: 500 }));
    const b = await core.trainer.start(config({ dataset: 'digits', epochs: 500 }));
    await core.trainer.dispose();
    expect((await core.store.getRun(a.run_id))?.status).toBe('stopped');
    expect((await core.store.getRun(b.run_id))?.status).toBe('stopped');
    expect(core.trainer.runningCount).toBe(0);
    await expect(core.trainer.start(config())).rejects.toThrow(/shutting down/);
  });
});
