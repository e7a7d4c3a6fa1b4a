/**
 * What the crash cases read of a store, through a connection of their own (never Runboard's code): metrics, runs,
 * summaries, sweeps, and the engine's own integrity check. The same questions on SQLite and PostgreSQL, so one
 * set of checks serves both.
 */
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

export interface MetricRow {
  run_id: number;
  key: string;
  step: number;
  value: number | null;
  special: string | null;
  wall_time: number;
}

export interface RunRow {
  id: number;
  status: string;
  error: string | null;
  sweep_id: number | null;
  trial: number | null;
  outcome: string | null;
}

export interface SummaryRow {
  run_id: number;
  key: string;
  last_step: number;
  count: number;
}

export interface StoreReader {
  metrics(): Promise<MetricRow[]>;
  runs(): Promise<RunRow[]>;
  summaries(): Promise<SummaryRow[]>;
  sweeps(): Promise<Array<{ id: number; status: string }>>;
  /** The latest run of each trial of a sweep (`sweep_trials.run_id`). */
  trials(sweepId: number): Promise<Array<{ trial: number; run_id: number | null }>>;
  /** 'ok', or what the engine's integrity check found. */
  integrity(): Promise<string>;
  close(): Promise<void>;
}

const METRICS = 'SELECT run_id, key, step, value, special, wall_time FROM metrics ORDER BY run_id, step, key';
const RUNS = 'SELECT id, status, error, sweep_id, trial, outcome FROM runs ORDER BY id';
const SUMMARIES = 'SELECT run_id, key, last_step, count FROM metric_summaries';
const SWEEPS = 'SELECT id, status FROM sweeps ORDER BY id';

/** A read-only connection to a SQLite database: in WAL mode it sees only committed transactions. */
export function sqliteReader(path: string): StoreReader {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  return {
    metrics: async () => db.prepare(METRICS).all() as MetricRow[],
    runs: async () => db.prepare(RUNS).all() as RunRow[],
    summaries: async () => db.prepare(SUMMARIES).all() as SummaryRow[],
    sweeps: async () => db.prepare(SWEEPS).all() as Array<{ id: number; status: string }>,
    trials: async (sweepId) => db.prepare('SELECT trial, run_id FROM sweep_trials WHERE sweep_id = ? ORDER BY trial').all(sweepId) as Array<{ trial: number; run_id: number | null }>,
    integrity: async () => (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check).join('; '),
    close: async () => void db.close(),
  };
}

/** A connection to a PostgreSQL database (read committed: it sees only committed rows). */
export async function postgresReader(url: string): Promise<StoreReader> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const rows = async <T>(text: string, values: unknown[] = []): Promise<T[]> => (await client.query(text, values)).rows as T[];
  // BIGINT and DOUBLE come back as text or numbers: make ids and steps numbers, as SQLite gives them.
  const numbers = <T extends object>(list: T[], keys: Array<keyof T>): T[] => list.map((row) => ({ ...row, ...Object.fromEntries(keys.map((k) => [k, row[k] === null ? null : Number(row[k])])) }));
  return {
    metrics: async () => numbers(await rows<MetricRow>(METRICS), ['run_id', 'step', 'value', 'wall_time']),
    runs: async () => numbers(await rows<RunRow>(RUNS), ['id', 'sweep_id', 'trial']),
    summaries: async () => numbers(await rows<SummaryRow>(SUMMARIES), ['run_id', 'last_step', 'count']),
    sweeps: async () => numbers(await rows<{ id: number; status: string }>(SWEEPS), ['id']),
    trials: async (sweepId) => numbers(await rows<{ trial: number; run_id: number | null }>('SELECT trial, run_id FROM sweep_trials WHERE sweep_id = $1 ORDER BY trial', [sweepId]), ['trial', 'run_id']),
    integrity: async () => {
      // amcheck (PostgreSQL's contrib) verifies every B-tree index of Runboard's tables against its heap.
      await client.query('CREATE EXTENSION IF NOT EXISTS amcheck');
      const indexes = await rows<{ index: string }>(
        "SELECT c.relname AS index FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.amname = 'btree' AND n.nspname = current_schema()",
      );
      const problems: string[] = [];
      for (const { index } of indexes) {
        try {
          await client.query('SELECT bt_index_check($1::regclass, true)', [index]);
        } catch (error) {
          problems.push(`${index}: ${(error as Error).message}`);
        }
      }
      return problems.length ? problems.join('; ') : 'ok';
    },
    close: () => client.end(),
  };
}
