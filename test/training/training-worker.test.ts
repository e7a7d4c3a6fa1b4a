/**
 * The training worker's side of the rung protocol, with the built worker in a real process and the test as its host:
 * at a rung epoch (`TrainJob.rungEpochs`) the worker sends the epoch and starts the next one only once the host has
 * answered; a prune, a stop, or the host going away end it there. Also: a terminal's Ctrl+C is left to the host.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetCatalogue } from '../../src-main/datasets';
import { workerEntry } from '../../src-main/paths';
import type { TrainJob } from '../../src-main/training/worker/run-training';
import type { EpochMessage, HostToWorker, WorkerToHost } from '../../src-main/training/worker-protocol';
import { trainConfigSchema } from '../../src-shared/entities/train-config';
import { requireBuiltWorker } from '../helpers/core';

requireBuiltWorker();
const catalogue = new DatasetCatalogue({ userDir: null });
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function job(epochs: number, rungEpochs: number[]): TrainJob {
  const config = { ...trainConfigSchema.parse({ dataset: 'iris', hidden: [8], epochs, batch_size: 16, lr: 0.05, backend: 'wasm' }), seed: 1 };
  return { config, dataset: catalogue.source('iris'), checkpointDir: null, initialWeights: null, frozenLayers: [], rungEpochs };
}

/** A worker process with the test as its host: what it said so far, and a way to wait for what it says next. */
function startWorker() {
  const child = fork(workerEntry(), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced', env: { ...process.env, RUNBOARD_WORKER: '1' } });
  children.push(child);
  const said: WorkerToHost[] = [];
  const waiters: { test: (m: WorkerToHost) => boolean; resolve: (m: WorkerToHost) => void }[] = [];
  child.on('message', (raw) => {
    const message = raw as WorkerToHost;
    said.push(message);
    for (const waiter of [...waiters]) {
      if (!waiter.test(message)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    said,
    exited,
    send: (message: HostToWorker) => child.send(message),
    next: <T extends WorkerToHost>(test: (m: WorkerToHost) => m is T): Promise<T> => {
      const already = said.find(test);
      if (already) return Promise.resolve(already);
      return new Promise<T>((resolve) => waiters.push({ test, resolve: resolve as (m: WorkerToHost) => void }));
    },
  };
}

/** The worker's epoch message for `epoch` (one run at a time: it is the current run's). */
const epochAt =
  (epoch: number) =>
  (m: WorkerToHost): m is EpochMessage =>
    m.type === 'epoch' && m.epoch === epoch;
const ended = (m: WorkerToHost): m is Extract<WorkerToHost, { type: 'ended' }> => m.type === 'ended';
const epochsSaid = (said: WorkerToHost[]) => said.filter((m): m is EpochMessage => m.type === 'epoch').map((m) => [m.epoch, m.awaitsDecision]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nothing of the next epoch (no progress, no epoch) comes while the worker waits. */
async function expectWaiting(worker: ReturnType<typeof startWorker>, epoch: number): Promise<void> {
  const before = worker.said.length;
  await sleep(300);
  const since = worker.said.slice(before);
  expect(since.filter((m) => m.type === 'progress' || m.type === 'epoch' || m.type === 'ended'), `the worker waits at epoch ${epoch}`).toEqual([]);
}

describe('a worker at a rung epoch', () => {
  it('sends the epoch saying it waits, starts nothing more until the host answers, and goes on after continue', async () => {
    const worker = startWorker();
    worker.send({ type: 'start', runId: 1, job: job(3, [1]), reuse: false });
    const first = await worker.next(epochAt(1));
    expect(first.awaitsDecision).toBe(true);
    await expectWaiting(worker, 1);
    worker.send({ type: 'decision', runId: 1, epoch: 1, decision: 'continue' });
    const end = await worker.next(ended);
    expect(end).toMatchObject({ status: 'finished', error: null });
    expect(epochsSaid(worker.said)).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
  });

  it('ignores a decision meant for another run or another epoch, and keeps waiting', async () => {
    const worker = startWorker();
    worker.send({ type: 'start', runId: 5, job: job(3, [2]), reuse: false });
    await worker.next(epochAt(2));
    worker.send({ type: 'decision', runId: 4, epoch: 2, decision: 'continue' });
    worker.send({ type: 'decision', runId: 5, epoch: 1, decision: 'continue' });
    await expectWaiting(worker, 2);
    worker.send({ type: 'decision', runId: 5, epoch: 2, decision: 'prune' });
    expect(await worker.next(ended)).toMatchObject({ status: 'stopped' });
    expect(epochsSaid(worker.said)).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('ends the run at the rung when pruned, stays for the next run, and waits at that run\'s rungs too', async () => {
    const worker = startWorker();
    worker.send({ type: 'start', runId: 1, job: job(3, [1]), reuse: true });
    await worker.next(epochAt(1));
    worker.send({ type: 'decision', runId: 1, epoch: 1, decision: 'prune' });
    const first = await worker.next(ended);
    expect(first).toMatchObject({ status: 'stopped', reusable: true, outcome: { stop_reason: 'stopped' } });
    expect(epochsSaid(worker.said)).toEqual([[1, true]]);

    // The same process trains the next trial: the old run's decisions concern it no more.
    worker.said.length = 0;
    worker.send({ type: 'start', runId: 2, job: job(3, [2]), reuse: true });
    await worker.next(epochAt(2));
    worker.send({ type: 'decision', runId: 1, epoch: 2, decision: 'prune' });
    await expectWaiting(worker, 2);
    worker.send({ type: 'decision', runId: 2, epoch: 2, decision: 'continue' });
    expect(await worker.next(ended)).toMatchObject({ status: 'finished', reusable: true });
    expect(epochsSaid(worker.said)).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
  });

  it('ends the run at the rung when a stop comes instead of a decision', async () => {
    const worker = startWorker();
    worker.send({ type: 'start', runId: 3, job: job(5, [1, 3]), reuse: false });
    await worker.next(epochAt(1));
    worker.send({ type: 'decision', runId: 3, epoch: 1, decision: 'continue' });
    await worker.next(epochAt(3));
    worker.send({ type: 'stop', runId: 3 });
    expect(await worker.next(ended)).toMatchObject({ status: 'stopped', error: null });
    expect(epochsSaid(worker.said)).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
    expect((await worker.exited).code).toBe(0);
  });

  it('exits when its host goes away while it waits (its channel closes)', async () => {
    const worker = startWorker();
    // Asked to stay for another run: only the closed channel can end it.
    worker.send({ type: 'start', runId: 1, job: job(3, [1]), reuse: true });
    await worker.next(epochAt(1));
    worker.child.disconnect();
    const exit = await Promise.race([worker.exited, sleep(10_000).then(() => null)]);
    expect(exit, 'the worker did not exit within 10 s of its host going away').toEqual({ code: 0, signal: null });
  });

  it('leaves a terminal\'s Ctrl+C (SIGINT to the whole process group) to its host: it trains on until told', async () => {
    const worker = startWorker();
    worker.send({ type: 'start', runId: 1, job: job(3, [1]), reuse: false });
    await worker.next(epochAt(1));
    worker.child.kill('SIGINT');
    await expectWaiting(worker, 1);
    expect(worker.child.exitCode).toBeNull();
    expect(worker.child.signalCode).toBeNull();
    worker.send({ type: 'decision', runId: 1, epoch: 1, decision: 'continue' });
    expect(await worker.next(ended)).toMatchObject({ status: 'finished' });
  });
});
