import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src-main/store/sqlite-store';
import type { MetricPointInput, RunStore } from '../src-main/store/run-store';
import { median, round, sideBySide } from './stats';

const KEYS = ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'lr', 'grad_norm'];
const RUNS = 20;
const STEPS = 250;
const ROWS = RUNS * STEPS * KEYS.length;
/** Points per logBatch call in sustained logging: MLflow's log-batch limit is 1000 metrics per call. */
const BATCH = 1000;

/** The runs the logging benchmarks log into, created in `store`; returns their ids. */
export async function createLoggingRuns(store: RunStore): Promise<number[]> {
  const ids: number[] = [];
  for (let r = 0; r < RUNS; r++) ids.push((await store.createRun({ experiment: 'bench', config: {}, params: {}, seed: r, backend: 'wasm' })).run_id);
  return ids;
}

async function withStore<T>(body: (store: SqliteStore, runIds: number[]) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'runboard-bench-'));
  const store = SqliteStore.open({ path: join(dir, 'b.db'), explicit: true });
  try {
    return await body(store, await createLoggingRuns(store));
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pointsOf = (step: number): MetricPointInput[] => KEYS.map((key) => ({ key, step, value: Math.random(), time: Date.now() }));
const rate = (started: number) => ROWS / ((performance.now() - started) / 1000);

/**
 * Sustained logging: every run logs its steps in batches of 1000 points, all runs' batches of a step range at once,
 * each through `write` (the store's logBatch, or a raw insert of the same rows). Returns rows per second.
 */
export async function sustainedRate(ids: readonly number[], write: (runId: number, points: MetricPointInput[]) => Promise<void>): Promise<number> {
  const started = performance.now();
  const perBatch = Math.floor(BATCH / KEYS.length);
  for (let first = 1; first <= STEPS; first += perBatch) {
    await Promise.all(ids.map((id) => write(id, Array.from({ length: Math.min(perBatch, STEPS - first + 1) }, (_, i) => pointsOf(first + i)).flat())));
  }
  return rate(started);
}

/** Sustained logging through the store's primitive. */
const sustained = () => withStore((store, ids) => sustainedRate(ids, (id, points) => store.logBatch(id, points)));

/** Epoch by epoch, one commit each, as training runs log: 20 runs at once (a sweep), or one run alone. */
const perEpoch = (together: boolean) =>
  withStore(async (store, ids) => {
    const started = performance.now();
    for (let step = 1; step <= STEPS; step++) {
      if (together) await Promise.all(ids.map((id) => store.logEpoch(id, { step, time: Date.now(), metrics: Object.fromEntries(KEYS.map((k) => [k, Math.random()])) })));
      else for (const id of ids) await store.logEpoch(id, { step, time: Date.now(), metrics: Object.fromEntries(KEYS.map((k) => [k, Math.random()])) });
    }
    return rate(started);
  });

/** The anchor: raw better-sqlite3 bulk insert of the same rows into the same table, one prepared transaction. */
const rawBulk = () =>
  withStore((store, ids) => {
    const insert = store.connection.prepare('INSERT INTO metrics (run_id, key, step, value, special, wall_time) VALUES (?, ?, ?, ?, NULL, ?)');
    const started = performance.now();
    store.connection
      .transaction(() => {
        // Run by run, step by step: the insert order that suits the table best, so the anchor is at its fastest.
        for (const id of ids) for (let step = 1; step <= STEPS; step++) for (const key of KEYS) insert.run(id, key, step, Math.random(), Date.now());
      })
      .immediate();
    return rate(started);
  });

/**
 * logging_ratio: metric rows per second of sustained logging through the store (logBatch, which also keeps the
 * per-key summaries the runs table reads) divided by a raw bulk insert into the same schema. Per-epoch commits
 * are reported beside it: each is a durable transaction, so they are bounded by the disk, not by the store.
 */
export async function benchLogging(rounds: number): Promise<Record<string, number>> {
  const main = await sideBySide(rounds, sustained, rawBulk);
  const epochs = await sideBySide(rounds, () => perEpoch(true), () => perEpoch(false));
  const store = median(main.a);
  const bulk = median(main.b);
  const alone = median(epochs.b);
  return {
    logging_ratio: round(store / bulk),
    logging_store_rows_per_s: Math.round(store),
    logging_raw_rows_per_s: Math.round(bulk),
    logging_epoch_commits_sweep_rows_per_s: Math.round(median(epochs.a)),
    logging_epoch_commits_one_run_per_s: Math.round(alone / KEYS.length),
    logging_epoch_commit_ms: round(1000 / (alone / KEYS.length), 3),
  };
}
