/**
 * A run's host when the disk under its database fills (SQLITE_FULL, played here by a store that refuses writes as
 * SQLite does on a full disk; the real 3 MB tmpfs is the torture case `full-disk`): the run ends `failed` at once,
 * saying which epoch was not written and that the disk is full, with one line on stderr and no stack trace. When its
 * end cannot be written either, the host waits a while for space, then keeps the end in memory for the CLI to say.
 */
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DatasetCatalogue } from '../../src-main/datasets';
import { diskFullError } from '../../src-main/disk-full';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import type { RunStore } from '../../src-main/store/run-store';
import { TrainerHost } from '../../src-main/training/host/trainer-host';
import { trainConfigSchema } from '../../src-shared/entities/train-config';
import { tinyRun } from '../helpers/core';
import { FakeWorker } from '../helpers/fake-worker';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();
const opened: { host: TrainerHost; store: SqliteStore }[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const { host, store } of opened.splice(0)) {
    await host.dispose();
    store.close();
  }
});

/** A store whose writes fail as SQLite's do on a full disk while `full` names them (`epochs`, `ends`). */
function fullWhen(store: SqliteStore): { store: RunStore; full: { epochs: boolean; ends: boolean } } {
  const full = { epochs: false, ends: false };
  const refuse = () => Promise.reject(diskFullError(store.path, `the database ${store.path}`, 'SQLITE_FULL', 'This write was rolled back; everything committed before it is kept.'));
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if ((name === 'logEpoch' || name === 'logBatch' || name === 'putArtifact') && full.epochs) return refuse();
        if (name === 'endRun' && full.ends) return refuse();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy as unknown as RunStore, full };
}

function open(diskFullEndWaitMs: number) {
  const sqlite = SqliteStore.open({ path: join(tempDir(), 'host.db'), explicit: true });
  const { store, full } = fullWhen(sqlite);
  const launched: FakeWorker[] = [];
  const launcher = {
    launch: () => {
      const worker = new FakeWorker();
      launched.push(worker);
      return worker;
    },
  };
  const host = new TrainerHost({ store, datasets: new DatasetCatalogue({ userDir: null }), launcher, emit: () => undefined, workerEntry: '/built/worker.js', diskFullEndWaitMs });
  opened.push({ host, store: sqlite });
  return { host, store: sqlite, full, launched };
}

const STARTED = { type: 'started', backend: 'wasm', device: 'cpu', time: 1000, trainSize: 120, valSize: 30, testSize: 0 } as const;
const config = () => trainConfigSchema.parse({ ...tinyRun, epochs: 5 });
const epoch = (n: number) => ({ type: 'epoch', epoch: n, time: 1000 + n, metrics: { train_loss: 1 / n }, awaitsDecision: false }) as const;

async function until(accept: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await accept())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
}

describe('a run whose disk fills', () => {
  it('ends failed at once, naming the epoch not written and the full disk, with one line and no stack trace', async () => {
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(' ')));
    const { host, store, full, launched } = open(1_000);
    const run = await host.start(config());
    const worker = launched[0] as FakeWorker;
    worker.say(STARTED);
    worker.say(epoch(1));
    worker.say(epoch(2));
    await until(async () => (await store.getRun(run.run_id))?.epochs === 2, 'epochs 1 and 2 written');
    full.epochs = true;
    worker.say(epoch(3));
    // What the worker still sends after the stop (its last epoch, its artifacts) fails too, and adds nothing.
    worker.say(epoch(4));
    worker.say({ type: 'artifact', name: 'histograms', data: { layers: [] } });
    expect(await host.wait(run.run_id)).toBe('failed');
    const ended = await store.getRun(run.run_id);
    expect(ended?.status).toBe('failed');
    expect(ended?.error).toBe(
      `Epoch 3 could not be written. The disk is full: the database ${store.path} could not be written to ${dirname(store.path)} (SQLITE_FULL). This write was rolled back; everything committed before it is kept. Free some space there and try again.`,
    );
    expect(ended?.epochs).toBe(2);
    expect(worker.sent.some((message) => message.type === 'stop')).toBe(true);
    expect(printed).toEqual([`runboard: run ${run.run_id}: ${ended?.error}`]);
    expect(host.unrecordedEnd(run.run_id)).toBeNull();
  });

  it('waits a while for space to record its end, then keeps the end in memory for the CLI to say', async () => {
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
    const { host, store, full, launched } = open(300);
    const run = await host.start(config());
    const worker = launched[0] as FakeWorker;
    worker.say(STARTED);
    worker.say(epoch(1));
    await until(async () => (await store.getRun(run.run_id))?.epochs === 1, 'epoch 1 written');
    full.epochs = true;
    full.ends = true;
    worker.say(epoch(2));
    expect(await host.wait(run.run_id)).toBe('failed');
    expect(host.unrecordedEnd(run.run_id)).toEqual({
      status: 'failed',
      error: expect.stringMatching(/^Epoch 2 could not be written\. The disk is full: /) as string,
      notRecorded: expect.stringMatching(/^The disk is full: .*\(SQLITE_FULL\)/) as string,
    });
    expect((await store.getRun(run.run_id))?.status).toBe('running');
    expect(printed.slice(1)).toEqual([
      `runboard: run ${run.run_id} ended failed; the database cannot record that yet, as its disk is full. Waiting for space (up to 0 s)...`,
      `runboard: run ${run.run_id}: the disk is still full, so the database could not record how it ended; it will read "interrupted" when Runboard next opens the database.`,
    ]);
  });

  it('records its end once space returns, when the host stays up (serve, the app)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { host, store, full, launched } = open(Infinity);
    const run = await host.start(config());
    const worker = launched[0] as FakeWorker;
    worker.say(STARTED);
    full.epochs = true;
    full.ends = true;
    worker.say(epoch(1));
    await until(() => host.unrecordedEnd(run.run_id) !== null, 'the end waits for space');
    full.ends = false;
    expect(await host.wait(run.run_id)).toBe('failed');
    expect((await store.getRun(run.run_id))?.error).toMatch(/^Epoch 1 could not be written\. The disk is full: /);
    expect(host.unrecordedEnd(run.run_id)).toBeNull();
  });
});
