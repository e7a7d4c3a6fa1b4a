/**
 * The trainer host's side of the worker protocol, in this process: the test plays the training process (a fake
 * WorkerHandle) and checks what the host sends it, what it writes to the store for each message, the events it
 * pushes, and how a run ends (reported, crashed, killed, stopped, pruned at a rung, a failed write). The real
 * process is covered by trainer-host.test.ts; here every message and every way of ending is driven exactly.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetCatalogue } from '../../src-main/datasets';
import { checkpointDirectory } from '../../src-main/paths';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { TrainerHost, type RungJudge } from '../../src-main/training/host/trainer-host';
import type { WorkerExit, WorkerLauncher } from '../../src-main/training/host/worker-launcher';
import type { HostToWorker, WorkerToHost } from '../../src-main/training/worker-protocol';
import type { AnyEvent } from '../../src-shared/api/events';
import type { RunOutcome } from '../../src-shared/entities/run';
import { trainConfigSchema } from '../../src-shared/entities/train-config';
import { tinyRun } from '../helpers/core';
import { FakeWorker } from '../helpers/fake-worker';
import { useTempDir } from '../helpers/temp';

const OUTCOME: RunOutcome = {
  stop_reason: 'completed',
  best_epoch: 2,
  restored_best: false,
  frozen_layers: [],
  output_layer_replaced: false,
  checkpoint: { final: true, best: false },
  train_size: 120,
  val_size: 30,
  test_size: 0,
};

const tempDir = useTempDir();
const opened: { host: TrainerHost; store: SqliteStore }[] = [];

afterEach(async () => {
  for (const { host, store } of opened.splice(0)) {
    await host.dispose();
    store.close();
  }
});

function open(stopGraceMs?: number) {
  const store = SqliteStore.open({ path: join(tempDir(), 'host.db'), explicit: true });
  const datasets = new DatasetCatalogue({ userDir: null });
  const launched: FakeWorker[] = [];
  const entries: string[] = [];
  const launcher: WorkerLauncher = {
    launch: (entry) => {
      entries.push(entry);
      const worker = new FakeWorker();
      launched.push(worker);
      return worker;
    },
  };
  const events: AnyEvent[] = [];
  const host = new TrainerHost({ store, datasets, launcher, emit: (event) => events.push(event), workerEntry: '/built/worker.js', ...(stopGraceMs !== undefined ? { stopGraceMs } : {}) });
  opened.push({ host, store });
  return { host, store, datasets, launched, entries, events };
}

const config = (overrides: Record<string, unknown> = {}) => trainConfigSchema.parse({ ...tinyRun, ...overrides });
/** Lets the host's chained store writes run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const ended = (overrides: Partial<Extract<WorkerToHost, { type: 'ended' }>> = {}): WorkerToHost => ({ type: 'ended', status: 'finished', time: 4000, error: null, outcome: OUTCOME, reusable: false, ...overrides });

function sweep(store: SqliteStore): Promise<number> {
  return store.sweeps.create({ name: 's', experiment: 'default', strategy: 'grid', space: [], fixed: {}, objective: { metric: 'val_loss', direction: 'min' }, trials: [{}, {}, {}], seed: 1, parallel: 1, asha: null });
}

describe('starting a run in a training process', () => {
  it('creates the run, then sends its process the whole job: configuration, dataset, where its weights go', async () => {
    const { host, store, datasets, launched, entries, events } = open();
    const run = await host.start(config({ seed: 9 }));
    expect(entries).toEqual(['/built/worker.js']);
    expect(launched).toHaveLength(1);
    const sent = launched[0]?.sent ?? [];
    expect(sent).toEqual([
      {
        type: 'start',
        runId: run.run_id,
        reuse: false,
        job: { config: expect.objectContaining({ dataset: 'iris', seed: 9, hidden: [8], epochs: 3 }), dataset: datasets.source('iris'), checkpointDir: checkpointDirectory(store.filesDir, run.run_id), initialWeights: null, frozenLayers: [] },
      },
    ]);
    const job = (sent[0] as Extract<HostToWorker, { type: 'start' }>).job;
    expect('splitSeed' in job).toBe(false);
    expect('rungEpochs' in job).toBe(false);
    expect(events.map((e) => e.event)).toEqual(['run/created']);
    expect(host.runningCount).toBe(1);
    launched[0]?.say(ended());
    await host.wait(run.run_id);
  });
});

describe('what the training process says', () => {
  it('started, progress, epoch, metrics, artifact and ended are each written and pushed, in order', async () => {
    const { host, store, launched, events } = open();
    const run = await host.start(config());
    const worker = launched[0] as FakeWorker;
    const id = run.run_id;

    worker.say({ type: 'started', backend: 'wasm', device: 'CPU (test)', time: 1000, trainSize: 120, valSize: 30, testSize: 0 });
    await settle();
    expect(await store.getRun(id)).toMatchObject({ status: 'running', backend: 'wasm', device: 'CPU (test)', started_at: 1000 });
    expect(events.at(-1)).toMatchObject({ event: 'run/updated', payload: { run: { run_id: id, status: 'running', progress: null } } });

    worker.say({ type: 'progress', epoch: 1, epochs: 3, batch: 2, batches: 5, loss: Number.NaN, etaMs: 1200 });
    const progress = { epoch: 1, epochs: 3, batch: 2, batches: 5, loss: 'NaN', eta_ms: 1200 };
    expect(host.progressOf(id)).toEqual(progress);
    expect(events.at(-1)).toEqual({ event: 'run/progressed', payload: { run_id: id, progress } });

    worker.say({ type: 'epoch', epoch: 1, time: 2000, metrics: { train_loss: 0.5, val_loss: Number.POSITIVE_INFINITY }, awaitsDecision: false });
    await settle();
    expect(events.at(-1)).toEqual({ event: 'run/epoch-logged', payload: { run_id: id, epoch: 1, time: 2000, metrics: { train_loss: 0.5, val_loss: 'Infinity' } } });
    expect(await store.getRun(id)).toMatchObject({ epochs: 1, metrics: { train_loss: 0.5 } });

    worker.say({ type: 'metrics', step: 1, time: 3000, metrics: { test_loss: 0.75 } });
    await settle();
    expect(events.at(-1)).toEqual({ event: 'run/epoch-logged', payload: { run_id: id, epoch: 1, time: 3000, metrics: { test_loss: 0.75 } } });

    worker.say({ type: 'artifact', name: 'model', data: { layers: 'linear(8)' } });
    worker.say({ type: 'probed', backend: 'wasm', chosen: 'wasm', ok: true, device: 'x', error: null, skipped: [], adapters: null });
    // A running run's update carries its live progress.
    worker.say({ type: 'started', backend: 'wasm', device: 'CPU (test)', time: 1000, trainSize: 120, valSize: 30, testSize: 0 });
    await settle();
    expect(events.at(-1)).toMatchObject({ event: 'run/updated', payload: { run: { status: 'running', progress } } });
    expect(await store.getArtifact(id, 'model')).toEqual({ layers: 'linear(8)' });

    worker.say(ended());
    expect(await host.wait(id)).toBe('finished');
    expect(await store.getRun(id)).toMatchObject({ status: 'finished', ended_at: 4000, error: null, outcome: OUTCOME });
    expect(events.at(-1)).toMatchObject({ event: 'run/updated', payload: { run: { status: 'finished', progress: null } } });
    expect(host.progressOf(id)).toBeNull();
    expect(host.runningCount).toBe(0);
    // It exits by itself after its last message: nothing more is sent, and it is not killed at once.
    expect(worker.sent.map((m) => m.type)).toEqual(['start']);
    expect(worker.killed).toBe(false);
    // Said after the end, nothing changes.
    worker.say(ended({ status: 'failed', error: 'late' }));
    await settle();
    expect(await store.getRun(id)).toMatchObject({ status: 'finished', error: null });
  });

  it('a run that ends diverged or failed keeps the status and error its process reported', async () => {
    const { host, store, launched } = open();
    const run = await host.start(config());
    launched[0]?.say(ended({ status: 'diverged', error: 'The loss became NaN' }));
    expect(await host.wait(run.run_id)).toBe('diverged');
    expect(await store.getRun(run.run_id)).toMatchObject({ status: 'diverged', error: 'The loss became NaN' });
  });

  it('waits for a run that is not active by reading its status, and refuses one that does not exist', async () => {
    const { host, launched } = open();
    const run = await host.start(config());
    launched[0]?.say(ended());
    await host.wait(run.run_id);
    expect(await host.wait(run.run_id)).toBe('finished');
    await expect(host.wait(999)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Run 999 does not exist.' });
  });
});

describe('a process that ends before its run', () => {
  const cases: [string, WorkerExit, string][] = [
    ['exits with a code', { code: 3, signal: null }, 'The training process exited with code 3 before the run ended (out of memory?).'],
    ['is killed', { code: null, signal: 'SIGKILL' }, 'The training process was killed (SIGKILL) before the run ended (out of memory?).'],
    ['cannot start', { code: null, signal: null, error: 'spawn ENOENT' }, 'The training process could not be started: spawn ENOENT'],
  ];
  it.each(cases)('fails the run, saying why, when the process %s', async (_name, exit, message) => {
    const { host, store, launched } = open();
    const run = await host.start(config());
    launched[0]?.exit(exit);
    expect(await host.wait(run.run_id)).toBe('failed');
    const stored = await store.getRun(run.run_id);
    expect(stored).toMatchObject({ status: 'failed', error: message });
    expect(stored?.outcome).toEqual({ ...OUTCOME, stop_reason: 'failed', best_epoch: null, checkpoint: { final: false, best: false }, train_size: null, val_size: null, test_size: null });
  });

  it('a run asked to stop whose process then exits ends stopped, with no error', async () => {
    const { host, store, launched } = open();
    const run = await host.start(config());
    expect(host.stop(run.run_id)).toBe(true);
    launched[0]?.exit({ code: 0, signal: null });
    expect(await host.wait(run.run_id)).toBe('stopped');
    expect(await store.getRun(run.run_id)).toMatchObject({ status: 'stopped', error: null, outcome: { stop_reason: 'stopped' } });
  });

  it('a run asked to stop whose process cannot even start still fails', async () => {
    const { host, launched } = open();
    const run = await host.start(config());
    host.stop(run.run_id);
    launched[0]?.exit({ code: null, signal: null, error: 'spawn EACCES' });
    expect(await host.wait(run.run_id)).toBe('failed');
  });
});

describe('stopping', () => {
  it('tells the process, and kills it when it does not end within the grace period: the run ends stopped', async () => {
    const { host, store, launched } = open(30);
    const run = await host.start(config());
    const worker = launched[0] as FakeWorker;
    expect(host.stop(run.run_id)).toBe(true);
    expect(worker.sent.at(-1)).toEqual({ type: 'stop', runId: run.run_id });
    expect(worker.killed).toBe(false);
    expect(await host.wait(run.run_id)).toBe('stopped');
    expect(worker.killed).toBe(true);
    expect(await store.getRun(run.run_id)).toMatchObject({ status: 'stopped', error: null });
    expect(host.stop(run.run_id)).toBe(false);
    expect(host.stop(12345)).toBe(false);
  });

  it('a process that ends within the grace period is not killed', async () => {
    const { host, launched } = open(40);
    const run = await host.start(config());
    const worker = launched[0] as FakeWorker;
    host.stop(run.run_id);
    worker.say(ended({ status: 'stopped', outcome: { ...OUTCOME, stop_reason: 'stopped' } }));
    expect(await host.wait(run.run_id)).toBe('stopped');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(worker.killed).toBe(false);
  });

  it('disposing stops every run and refuses new ones', async () => {
    const { host, launched } = open(20);
    const a = await host.start(config());
    const b = await host.start(config());
    await host.dispose();
    expect(launched.map((w) => w.sent.at(-1))).toEqual([
      { type: 'stop', runId: a.run_id },
      { type: 'stop', runId: b.run_id },
    ]);
    expect(await host.wait(a.run_id)).toBe('stopped');
    await expect(host.start(config())).rejects.toMatchObject({ code: 'CONFLICT', message: 'Runboard is shutting down; the run was not started.' });
    expect(launched).toHaveLength(2);
  });
});

describe('a write that fails', () => {
  it('stops the run and ends it failed with the reason, instead of losing what comes after', async () => {
    const { host, store, launched } = open();
    const run = await host.start(config());
    const worker = launched[0] as FakeWorker;
    const log = console.error;
    console.error = () => undefined;
    try {
      worker.say({ type: 'artifact', name: 'broken', data: { size: 1n } });
      expect(await host.wait(run.run_id)).toBe('failed');
    } finally {
      console.error = log;
    }
    expect(worker.sent.at(-1)).toEqual({ type: 'stop', runId: run.run_id });
    expect((await store.getRun(run.run_id))?.error).toMatch(/^Writing the run failed: .*BigInt/);
  });
});

describe('sweep trials', () => {
  it('run in a warm process kept for the sweep: released after a clean end, reused by the next trial, ended with the sweep', async () => {
    const { host, store, launched } = open();
    const sweepId = await sweep(store);
    const first = await host.start(config(), { sweepId, trial: 1 });
    const worker = launched[0] as FakeWorker;
    expect(worker.sent[0]).toMatchObject({ type: 'start', reuse: true });
    expect(await store.getRun(first.run_id)).toMatchObject({ sweep_id: sweepId, trial: 1 });
    worker.say(ended({ reusable: true }));
    await host.wait(first.run_id);
    expect(worker.killed).toBe(false);

    const second = await host.start(config(), { sweepId, trial: 2 });
    expect(launched).toHaveLength(1);
    expect(worker.sent.at(-1)).toMatchObject({ type: 'start', runId: second.run_id, reuse: true });
    // A process that could not promise a clean state is not kept.
    worker.say(ended({ reusable: false }));
    await host.wait(second.run_id);
    const third = await host.start(config(), { sweepId, trial: 3 });
    expect(launched).toHaveLength(2);
    launched[1]?.say(ended({ reusable: true }));
    await host.wait(third.run_id);
    expect(launched[1]?.killed).toBe(false);
    host.releaseWorkers(sweepId + 1);
    expect(launched[1]?.killed).toBe(false);
    host.releaseWorkers(sweepId);
    expect(launched[1]?.killed).toBe(true);
  });

  it('a worker that offered itself for another run outside a sweep is ended at once', async () => {
    const { host, launched } = open();
    const run = await host.start(config());
    launched[0]?.say(ended({ reusable: true }));
    await host.wait(run.run_id);
    expect(launched[0]?.killed).toBe(true);
  });

  it('successive halving: the rung epochs go to the process, and each is judged once the epoch is written', async () => {
    const { host, store, launched } = open();
    const sweepId = await sweep(store);
    const judged: [number, Readonly<Record<string, number>>][] = [];
    const rungs: RungJudge = {
      epochs: [1, 2],
      judge: (epoch, metrics) => {
        judged.push([epoch, metrics]);
        return epoch === 1 ? 'continue' : 'prune';
      },
    };
    const run = await host.start(config(), { sweepId, trial: 1, rungs });
    const worker = launched[0] as FakeWorker;
    expect(worker.sent[0]).toMatchObject({ job: { rungEpochs: [1, 2] } });
    worker.say({ type: 'epoch', epoch: 1, time: 1, metrics: { val_loss: 0.4 }, awaitsDecision: true });
    await settle();
    expect(judged).toEqual([[1, { val_loss: 0.4 }]]);
    expect(worker.sent.at(-1)).toEqual({ type: 'decision', runId: run.run_id, epoch: 1, decision: 'continue' });
    // An epoch that does not wait is not judged.
    worker.say({ type: 'epoch', epoch: 2, time: 2, metrics: { val_loss: 0.3 }, awaitsDecision: false });
    await settle();
    expect(judged).toHaveLength(1);
    worker.say({ type: 'epoch', epoch: 2, time: 2, metrics: { val_loss: 0.3 }, awaitsDecision: true });
    await settle();
    expect(worker.sent.at(-1)).toEqual({ type: 'decision', runId: run.run_id, epoch: 2, decision: 'prune' });
    // Pruned: the run's own stop comes after, and the run is recorded as pruned.
    host.stop(run.run_id);
    worker.say(ended({ status: 'stopped', outcome: { ...OUTCOME, stop_reason: 'stopped' } }));
    expect(await host.wait(run.run_id)).toBe('pruned');
    expect(await store.getRun(run.run_id)).toMatchObject({ status: 'pruned', outcome: { stop_reason: 'pruned' } });
  });

  it('a pruned trial whose process is killed ends pruned; a stop before the rung leaves it unjudged and stopped', async () => {
    const { host, store, launched } = open(20);
    const sweepId = await sweep(store);
    const judge: RungJudge = { epochs: [1], judge: () => 'prune' };
    const pruned = await host.start(config(), { sweepId, trial: 1, rungs: judge });
    launched[0]?.say({ type: 'epoch', epoch: 1, time: 1, metrics: { val_loss: 0.4 }, awaitsDecision: true });
    expect(await host.wait(pruned.run_id)).toBe('pruned');
    expect(launched[0]?.killed).toBe(true);

    const stopped = await host.start(config(), { sweepId, trial: 2, rungs: judge });
    const worker = launched.at(-1) as FakeWorker;
    host.stop(stopped.run_id);
    worker.say({ type: 'epoch', epoch: 1, time: 1, metrics: { val_loss: 0.4 }, awaitsDecision: true });
    await settle();
    expect(worker.sent.map((m) => m.type)).toEqual(['start', 'stop']);
    worker.say(ended({ status: 'stopped', outcome: { ...OUTCOME, stop_reason: 'stopped' } }));
    expect(await host.wait(stopped.run_id)).toBe('stopped');
  });

  it('a judge that answers later keeps the trial waiting at its rung until it has answered', async () => {
    const { host, store, launched } = open();
    const sweepId = await sweep(store);
    let answer!: (decision: 'continue' | 'prune') => void;
    const judge: RungJudge = { epochs: [1], judge: () => new Promise((resolve) => (answer = resolve)) };
    const run = await host.start(config(), { sweepId, trial: 1, rungs: judge });
    const worker = launched[0] as FakeWorker;
    worker.say({ type: 'epoch', epoch: 1, time: 1, metrics: { val_loss: 0.4 }, awaitsDecision: true });
    await settle();
    expect(worker.sent.map((m) => m.type)).toEqual(['start']);
    answer('continue');
    await settle();
    expect(worker.sent.at(-1)).toEqual({ type: 'decision', runId: run.run_id, epoch: 1, decision: 'continue' });
    worker.say(ended());
    expect(await host.wait(run.run_id)).toBe('finished');
  });

  it('a judge that fails ends the trial failed with the reason; a stop while it decides leaves the trial unjudged', async () => {
    const { host, store, launched } = open(20);
    const sweepId = await sweep(store);
    const failing: RungJudge = { epochs: [1], judge: () => Promise.reject(new Error('the database went away')) };
    const failed = await host.start(config(), { sweepId, trial: 1, rungs: failing });
    launched[0]?.say({ type: 'epoch', epoch: 1, time: 1, metrics: { val_loss: 0.4 }, awaitsDecision: true });
    expect(await host.wait(failed.run_id)).toBe('failed');
    expect((await store.getRun(failed.run_id))?.error).toContain('the database went away');

    let answer!: (decision: 'continue' | 'prune') => void;
    const slow: RungJudge = { epochs: [1], judge: () => new Promise((resolve) => (answer = resolve)) };
    const stopped = await host.start(config(), { sweepId, trial: 2, rungs: slow });
    const worker = launched.at(-1) as FakeWorker;
    worker.say({ type: 'epoch', epoch: 1, time: 1, metrics: { val_loss: 0.4 }, awaitsDecision: true });
    await settle();
    host.stop(stopped.run_id);
    answer('prune');
    await settle();
    expect(worker.sent.map((m) => m.type)).toEqual(['start', 'stop']);
    worker.say(ended({ status: 'stopped', outcome: { ...OUTCOME, stop_reason: 'stopped' } }));
    expect(await host.wait(stopped.run_id)).toBe('stopped');
  });

  it('a run stopped as interrupted (a sweep worker giving its trial back) ends interrupted with the reason, whether its process reports or exits', async () => {
    const { host, store, launched } = open();
    const reported = await host.start(config());
    expect(host.stop(reported.run_id, { as: 'interrupted', reason: 'Its worker was stopped: the trial goes back to the sweep.' })).toBe(true);
    // A later stop does not change how it ends.
    host.stop(reported.run_id);
    launched[0]?.say(ended({ status: 'stopped', outcome: { ...OUTCOME, stop_reason: 'stopped' } }));
    expect(await host.wait(reported.run_id)).toBe('interrupted');
    expect(await store.getRun(reported.run_id)).toMatchObject({ status: 'interrupted', error: 'Its worker was stopped: the trial goes back to the sweep.' });

    const exited = await host.start(config());
    host.stop(exited.run_id, { as: 'interrupted', reason: 'given back' });
    launched.at(-1)?.exit({ code: 0, signal: null });
    expect(await host.wait(exited.run_id)).toBe('interrupted');
    expect(await store.getRun(exited.run_id)).toMatchObject({ status: 'interrupted', error: 'given back', outcome: { stop_reason: 'stopped' } });
  });

  it('a trial without a judge goes on at a rung epoch', async () => {
    const { host, store, launched } = open();
    const sweepId = await sweep(store);
    const run = await host.start(config(), { sweepId, trial: 1 });
    launched[0]?.say({ type: 'epoch', epoch: 1, time: 1, metrics: { val_loss: 0.4 }, awaitsDecision: true });
    await settle();
    expect(launched[0]?.sent.at(-1)).toEqual({ type: 'decision', runId: run.run_id, epoch: 1, decision: 'continue' });
    launched[0]?.say(ended());
    expect(await host.wait(run.run_id)).toBe('finished');
  });
});
