import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCore, type Core } from '../src-main/core';
import { seedRuns } from '../src-main/dev/seed-runs';
import { compileFilter } from '../src-main/store/filter-sql';
import { KNOWN_COLUMN_QUERIES } from '../src-main/store/run-query';
import type { SqliteStore } from '../src-main/store/sqlite-store';
import { median, round, sideBySide } from './stats';

const PAGE = 100;
const FILTER = 'params.lr > 0.001 and best.val_accuracy >= 0.9 and status = "finished"';

/** A 10,000-run database (20 params, 6 metrics, 50 epochs), made once and reused from $RUNBOARD_BENCH_DB if set. */
async function withScaleDb<T>(body: (core: Core) => Promise<T>): Promise<T> {
  const given = process.env.RUNBOARD_BENCH_DB;
  const dir = given ? null : mkdtempSync(join(tmpdir(), 'runboard-bench-'));
  const path = given ?? join(dir as string, 'scale.db');
  const fresh = !existsSync(path);
  const core = await openCore({ db: { path, explicit: true }, host: 'cli' });
  try {
    if (fresh) await seedRuns(core.store, { runs: 10_000, epochs: 50, seed: 1 });
    return await body(core);
  } finally {
    await core.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const time = async (fn: () => unknown) => {
  const started = performance.now();
  await fn();
  return performance.now() - started;
};

/**
 * table_page_ratio: the first page of the runs table sorted by a metric, through the store, divided by hand-written
 * SQL for the same page (ids in order, then each run's params and summaries). filter_round_trip_ratio: a filtered
 * page through the API (validation, compilation, query, result) divided by running the SQL it compiles to.
 */
export async function benchRunsAtScale(rounds: number): Promise<Record<string, number>> {
  return withScaleDb(async (core) => {
    const db = (core.store as SqliteStore).connection;
    const rawPage = () => {
      const ids = db
        .prepare(
          `SELECT r.id FROM runs r WHERE r.deleted_at IS NULL AND r.archived = 0
           ORDER BY (SELECT m.max_value FROM metric_summaries m WHERE m.run_id = r.id AND m.key = 'val_accuracy') IS NULL,
                    (SELECT m.max_value FROM metric_summaries m WHERE m.run_id = r.id AND m.key = 'val_accuracy') DESC, r.id DESC LIMIT ?`,
        )
        .pluck()
        .all(PAGE) as number[];
      const list = JSON.stringify(ids);
      db.prepare('SELECT * FROM runs WHERE id IN (SELECT value FROM json_each(?))').raw(true).all(list);
      db.prepare('SELECT run_id, key, type, num_value, text_value FROM params WHERE run_id IN (SELECT value FROM json_each(?))').raw(true).all(list);
      db.prepare('SELECT * FROM metric_summaries WHERE run_id IN (SELECT value FROM json_each(?))').raw(true).all(list);
      db.prepare('SELECT count(*) FROM runs r WHERE r.deleted_at IS NULL AND r.archived = 0').pluck().get();
    };
    const page = await sideBySide(
      rounds,
      () => time(() => core.store.queryRuns({ sort: { column: 'best.val_accuracy', direction: 'desc' }, offset: 0, limit: PAGE })),
      () => time(rawPage),
    );
    const names = (sql: string) => new Set(db.prepare(sql).pluck().all() as string[]);
    const compiled = compileFilter(FILTER, { params: names(KNOWN_COLUMN_QUERIES.params), metrics: names(KNOWN_COLUMN_QUERIES.metrics), tags: names(KNOWN_COLUMN_QUERIES.tags) });
    if (!compiled) throw new Error('the benchmark filter compiled to nothing');
    const rawFilter = () => {
      const where = `r.deleted_at IS NULL AND r.archived = 0 AND ${compiled.sql}`;
      const ids = db.prepare(`SELECT r.id FROM runs r WHERE ${where} ORDER BY r.id DESC LIMIT ?`).pluck().all(...compiled.args, PAGE) as number[];
      const list = JSON.stringify(ids);
      db.prepare('SELECT * FROM runs WHERE id IN (SELECT value FROM json_each(?))').raw(true).all(list);
      db.prepare('SELECT run_id, key, type, num_value, text_value FROM params WHERE run_id IN (SELECT value FROM json_each(?))').raw(true).all(list);
      db.prepare('SELECT * FROM metric_summaries WHERE run_id IN (SELECT value FROM json_each(?))').raw(true).all(list);
      db.prepare(`SELECT count(*) FROM runs r WHERE ${where}`).pluck().get(...compiled.args);
    };
    const filter = await sideBySide(
      rounds,
      () =>
        time(async () => {
          const result = await core.api.call('runs/query', { filter: FILTER, limit: PAGE });
          if (!result.ok) throw new Error(result.error.message);
        }),
      () => time(rawFilter),
    );
    return {
      table_page_ratio: round(median(page.a) / median(page.b)),
      table_page_ms: round(median(page.a), 1),
      table_page_raw_ms: round(median(page.b), 1),
      filter_round_trip_ratio: round(median(filter.a) / median(filter.b)),
      filter_round_trip_ms: round(median(filter.a), 1),
      filter_raw_ms: round(median(filter.b), 1),
    };
  });
}
