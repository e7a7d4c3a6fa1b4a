/**
 * A run's host while its database is unreachable (a restart, a network cut), with the training process played by the
 * test and a store that refuses every call as an unreachable PostgreSQL server does while `down`: the epochs wait, in
 * order, and are written when it is back; too many waiting epochs, or too long a wait, end the run `failed` naming the
 * epochs not written, and stop its process. The real server's restart is in unreachable-postgres.test.ts.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetCatalogue } from '../../src-main/datasets';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import type { RunStore } from '../../src-main/store/run-store';
import { TrainerHost } from '../../src-main/training/host/trainer-host';
import type { UnreachableLimits } from '../../src-main/training/host/run-writes';
import { AppError } from '../../src-shared/api/errors';
import type { RunOutcome } from '../../src-shared/entities/run';
import { trainConfigSchema } from '../../src-shared/entities/train-config';
import { tinyRun } from '../helpers/core';
import { FakeWorker } from '../helpers/fake-worker';
import { useTempDir } from '../helpers/temp';

const OUTCOME: RunOutcome = {
  stop_reason: 'completed',
  best_epoch: 3,
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

/** A store whose every call fails as PostgreSQL's do while its server is unreachable, as long as `down` is set. */
function unreachableWhenDown(store: SqliteStore): { store: RunStore; down: { value: boolean }; refused: { count: number } } {
  const down = { value: false };
  const refused = { count: 0 };
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || name === 'close') return value;
      return (...args: unknown[]) => {
        if (down.value) {
          refused.count++;
          return Promise.reject(new AppError('DB_UNREACHABLE', 'Cannot connect to the PostgreSQL server at db.lab.example:5432: the connection was refused.'));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy as unknown as RunStore, down, refused };
}

function open(unreachable: UnreachableLimits) {
  const sqlite = SqliteStore.open({ path: join(tempDir(), 'host.db'), explicit: true });
  const { store, down, refused } = unreachableWhenDown(sqlite);
  const launched: FakeWorker[] = [];
  const launcher = {
    launch: () => {
      const worker = new FakeWorker();
      launched.push(worker);
      return worker;
    },
  };
  const host = new TrainerHost({ store, datasets: new DatasetCatalogue({ userDir: null }), launcher, emit: () => undefined, workerEntry: '/built/worker.js', unreachable });
  opened.push({ host, store: sqlite });
  return { host, store: sqlite, down, refused, launched };
}

const STARTED = { type: 'started', backend: 'wasm', device: 'cpu', time: 1000, trainSize: 120, valSize: 30, testSize: 0 } as const;
const config = () => trainConfigSchema.parse({ ...tinyRun, epochs: 5 });
const epoch = (n: number) => ({ type: 'epoch', epoch: n, time: 1000 + n, metrics: { train_loss: 1 / n }, awaitsDecision: false }) as const;

/** Polls until `accept` holds (the host's retries run on timers), or fails saying what it waited for. */
async function until(accept: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await accept())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
}

describe('a run whose database is unreachable for a while', () => {
  it('keeps its epochs waiting, in order, and writes every one when the database is back', async () => {
    const { host, store, down, refused, launched } = open({ firstRetryMs: 5, maxRetryMs: 20 });
    const run = await host.start(config());
    const worker = launched[0] as FakeWorker;
    worker.say(STARTED);
    worker.say(epoch(1));
    await until(async () => (await store.getRun(run.run_id))?.epochs === 1, 'epoch 1 written');
    down.value = true;
    for (let n = 2; n <= 4; n++) worker.say(epoch(n));
    await until(() => refused.count >= 3, 'the database refused a few tries');
    expect(host.unwrittenEpochs(run.run_id)).toEqual([2, 3, 4]);
    worker.say(epoch(5));
    worker.say({ type: 'ended', status: 'finished', time: 2000, error: null, outcome: OUTCOME, reusable: false });
    down.value = false;
    expect(await host.wait(run.run_id)).toBe('finished');
    const [series] = await store.getMetrics([run.run_id], ['train_loss'], null);
    expect(series?.points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(series?.points.map((p) => p.value)).toEqual([1, 1 / 2, 1 / 3, 1 / 4, 1 / 5]);
    expect((await store.getRun(run.run_id))?.status).toBe('finished');
    expect(worker.killed).toBe(false);
  });

  it('ends the run failed, naming the epochs not written, and stops its process when too many epochs wait', async () => {
    const { host, store, down, refused, launched } = open({ maxUnwrittenEpochs: 3, firstRetryMs: 5, maxRetryMs: 20 });
    const run = await host.start(config());
    const worker = launched[0] as FakeWorker;
    worker.say(STARTED);
    worker.say(epoch(1));
    await until(async () => (await store.getRun(run.run_id))?.epochs === 1, 'epoch 1 written');
    down.value = true;
    worker.say(epoch(2));
    await until(() => refused.count >= 1, 'the database refused epoch 2');
    for (let n = 3; n <= 5; n++) worker.say(epoch(n));
    // The fourth waiting epoch is one too many: the process is ended at once.
    expect(worker.killed).toBe(true);
    await until(() => refused.count >= 4, 'the failure waits for the database too');
    down.value = false;
    expect(await host.wait(run.run_id)).toBe('failed');
    const ended = await store.getRun(run.run_id);
    expect(ended?.status).toBe('failed');
    expect(ended?.error).toMatch(/^The database was unreachable while 4 epochs waited for it \(the most a run keeps is 3\); epochs 2\.\.5 were not written\. The training process was stopped\. \(Cannot connect to the PostgreSQL server at db\.lab\.example:5432/);
    const [series] = await store.getMetrics([run.run_id], ['train_loss'], null);
    expect(series?.points.map((p) => p.step)).toEqual([1]);
  });

  it('ends the run failed after the longest wait (a fake clock), naming the epochs not written', async () => {
    const clock = { now: 0 };
    const { host, store, down, refused, launched } = open({ maxUnreachableMs: 10 * 60_000, firstRetryMs: 5, maxRetryMs: 20, now: () => clock.now });
    const run = await host.start(config());
    const worker = launched[0] as FakeWorker;
    worker.say(STARTED);
    await until(async () => (await store.getRun(run.run_id))?.status === 'running', 'the run started');
    down.value = true;
    worker.say(epoch(1));
    worker.say(epoch(2));
    await until(() => refused.count >= 2, 'the database refused epoch 1 twice');
    // Nine minutes: it still waits.
    clock.now = 9 * 60_000;
    const refusedBefore = refused.count;
    await until(() => refused.count >= refusedBefore + 2, 'more tries');
    expect(worker.killed).toBe(false);
    expect(host.unwrittenEpochs(run.run_id)).toEqual([1, 2]);
    clock.now = 10 * 60_000;
    await until(() => worker.killed, 'the process stopped');
    down.value = false;
    expect(await host.wait(run.run_id)).toBe('failed');
    const ended = await store.getRun(run.run_id);
    expect(ended?.error).toMatch(/^The database was unreachable for 10 minutes; epochs 1\.\.2 were not written\. The training process was stopped\./);
    expect(await store.getMetrics([run.run_id], ['train_loss'], null)).toEqual([]);
  });
});
