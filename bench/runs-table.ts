import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunStore } from '../src-main/store/run-store';
import { SqliteStore } from '../src-main/store/sqlite-store';
import { median, round, sideBySide } from './stats';

const PARAMS = ['dataset', 'hidden', 'activation', 'dropout', 'optimizer', 'lr', 'momentum', 'batch_size', 'epochs', 'seed'];
const METRICS = ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'test_loss', 'test_accuracy'];

/** Fills a database with `runs` finished runs: 10 typed params, 6 metrics logged over `epochs` epochs. */
export async function seedRunsTable(path: string, runs: number, epochs: number): Promise<SqliteStore> {
  const store = SqliteStore.open({ path, explicit: true });
  await seedTableRuns(store, runs, epochs);
  return store;
}

/**
 * The runs of `seedRunsTable` through any store, `atOnce` runs written concurrently (a server store's pool takes
 * several at a time; SQLite's writes are synchronous, so 1 there).
 */
export async function seedTableRuns(store: RunStore, runs: number, epochs: number, atOnce = 1): Promise<void> {
  for (let first = 0; first < runs; first += atOnce) {
    await Promise.all(Array.from({ length: Math.min(atOnce, runs - first) }, (_, j) => seedOneRun(store, first + j, epochs)));
  }
}

async function seedOneRun(store: RunStore, i: number, epochs: number): Promise<void> {
  const { run_id } = await store.createRun({
    experiment: i % 2 ? 'sweep-a' : 'sweep-b',
    config: {},
    params: {
      dataset: 'digits',
      hidden: `${64 * (1 + (i % 4))},${64 * (1 + (i % 3))}`,
      activation: i % 2 ? 'relu' : 'tanh',
      dropout: (i % 5) / 10,
      optimizer: i % 3 ? 'sgd' : 'adam',
      lr: 10 ** -(1 + (i % 40) / 10),
      momentum: 0.85 + (i % 14) / 100,
      batch_size: 2 ** (4 + (i % 5)),
      epochs,
      seed: i,
    },
    seed: i,
    backend: 'wasm',
    dataset: 'digits',
  });
  await store.markRunning(run_id, { backend: 'wasm', device: 'CPU', time: 1_000 * i });
  const points = [];
  for (let e = 1; e <= epochs; e++) for (const [j, key] of METRICS.entries()) points.push({ key, step: e, value: (j + 1) / (e + (i % 7)), time: 1_000 * i + e });
  await store.logBatch(run_id, points);
  await store.endRun(run_id, { status: 'finished', time: 1_000 * i + epochs + 1 });
}

/** The anchor: one hand-written SQL pivot of runs, params and metric summaries, rows as arrays. */
function rawPivotSql(): string {
  const paramColumns = PARAMS.map((k) => `max(CASE WHEN key = '${k}' THEN coalesce(num_value, text_value) END) AS "p_${k}"`).join(', ');
  const metricColumns = METRICS.flatMap((k) => [
    `max(CASE WHEN key = '${k}' THEN last_value END) AS "m_${k}"`,
    `max(CASE WHEN key = '${k}' THEN ${/acc/.test(k) ? 'max_value' : 'min_value'} END) AS "b_${k}"`,
    `max(CASE WHEN key = '${k}' THEN last_step END) AS "s_${k}"`,
  ]).join(', ');
  return `
    WITH pp AS (SELECT run_id, ${paramColumns} FROM params GROUP BY run_id),
         mm AS (SELECT run_id, ${metricColumns} FROM metric_summaries GROUP BY run_id)
    SELECT r.id, r.name, e.name, r.status, r.backend, r.device, r.parent_run_id, r.seed, r.created_at, r.started_at, r.ended_at, r.error, pp.*, mm.*
    FROM runs r JOIN experiments e ON e.id = r.experiment_id LEFT JOIN pp ON pp.run_id = r.id LEFT JOIN mm ON mm.run_id = r.id
    ORDER BY r.id DESC`;
}

/** runs_table_ratio: the raw SQL pivot's time divided by the time of `runboard runs --json`'s query path (listRuns). */
export async function benchRunsTable(rounds: number, runs = 10_000): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'runboard-bench-'));
  const seedStarted = performance.now();
  const store = await seedRunsTable(join(dir, 'table.db'), runs, 5);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const pivot = store.connection.prepare(rawPivotSql());
  const time = async (fn: () => unknown) => {
    const started = performance.now();
    const out = fn();
    if (out instanceof Promise) await out;
    return performance.now() - started;
  };
  let rowsSeen = 0;
  const result = await sideBySide(
    rounds,
    () => time(() => pivot.raw(true).all()),
    () =>
      time(async () => {
        rowsSeen = (await store.listRuns()).length;
      }),
  );
  store.close();
  rmSync(dir, { recursive: true, force: true });
  if (rowsSeen !== runs) throw new Error(`listRuns returned ${rowsSeen} runs, expected ${runs}`);
  const raw = median(result.a);
  const ours = median(result.b);
  return { runs_table_ratio: round(raw / ours), runs_table_raw_ms: round(raw, 1), runs_table_store_ms: round(ours, 1), runs_table_runs: runs, runs_table_seed_s: round(seedSeconds, 1) };
}
