import { resolve } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { ImportedRun } from '../../store/run-store';
import { ImportFileError } from './import-error';
import { experimentName, statusOfMlflow, type ImportOptions, type RunToImport } from './run-source';

/** MLflow's SQL store writes infinities as the largest doubles (its databases cannot hold them). */
const LARGEST_DOUBLE = 1.7976931348623157e308;

/** The tables and columns an MLflow tracking database has, and a Runboard database does not (`runs.run_uuid`). */
const REQUIRED: Record<string, string[]> = {
  experiments: ['experiment_id', 'name', 'lifecycle_stage'],
  runs: ['run_uuid', 'name', 'user_id', 'status', 'start_time', 'end_time', 'lifecycle_stage', 'experiment_id'],
  params: ['key', 'value', 'run_uuid'],
  metrics: ['key', 'value', 'timestamp', 'step', 'is_nan', 'run_uuid'],
  tags: ['key', 'value', 'run_uuid'],
};

function openMlflowDatabase(path: string, options: ImportOptions): Database {
  let db: Database;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true, ...(options.sqliteBinding ? { nativeBinding: options.sqliteBinding } : {}) });
  } catch (error) {
    throw new ImportFileError(path, `cannot be opened (${(error as Error).message})`);
  }
  try {
    for (const [table, columns] of Object.entries(REQUIRED)) {
      const present = new Set(db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
      const missing = columns.filter((c) => !present.has(c));
      if (missing.length > 0) {
        throw new ImportFileError(path, `an SQLite database, but not an MLflow tracking database: ${present.size === 0 ? `it has no ${table} table` : `its ${table} table has no ${missing.join(', ')}`}`);
      }
    }
  } catch (error) {
    db.close();
    if (error instanceof ImportFileError) throw error;
    const code = (error as { code?: string }).code ?? '';
    throw new ImportFileError(path, code === 'SQLITE_NOTADB' ? 'not an SQLite database' : `cannot be read (${(error as Error).message})`);
  }
  return db;
}

/**
 * An MLflow SQLite database (`mlflow.db`, `mlflow server --backend-store-uri sqlite:///...`): its `experiments`,
 * `runs`, `params`, `metrics` (NaN flagged by `is_nan`, infinities stored as the largest doubles) and `tags`. The
 * database is opened read-only and closed once every run is read. Runs or experiments deleted in MLflow are left out.
 * @throws ImportFileError for a file that is not an MLflow database.
 */
export async function mlflowSqliteRuns(path: string, options: ImportOptions): Promise<RunToImport[]> {
  const file = resolve(path);
  const db = openMlflowDatabase(file, options);
  let rows: { run_uuid: string; name: string | null; user_id: string | null; status: string | null; start_time: number | null; end_time: number | null; lifecycle_stage: string | null; experiment_id: number | string; experiment: string; experiment_stage: string | null }[];
  try {
    rows = db
      .prepare(
        `SELECT r.run_uuid, r.name, r.user_id, r.status, r.start_time, r.end_time, r.lifecycle_stage, r.experiment_id, e.name AS experiment, e.lifecycle_stage AS experiment_stage
         FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id ORDER BY r.start_time, r.run_uuid`,
      )
      .all() as typeof rows;
  } finally {
    db.close();
  }
  return rows.map((row) => ({
    label: `${row.experiment}/${row.name || row.run_uuid}`,
    load: async () => {
      if (row.lifecycle_stage === 'deleted') return { skipped: 'deleted in MLflow' };
      if (row.experiment_stage === 'deleted') return { skipped: `its experiment ${row.experiment} is deleted in MLflow` };
      return readRun(file, row, options);
    },
  }));
}

function readRun(
  file: string,
  row: { run_uuid: string; name: string | null; user_id: string | null; status: string | null; start_time: number | null; end_time: number | null; experiment_id: number | string; experiment: string },
  options: ImportOptions,
): ImportedRun {
  const db = openMlflowDatabase(file, options);
  try {
    const params = (db.prepare('SELECT key, value FROM params WHERE run_uuid = ? ORDER BY key').all(row.run_uuid) as { key: string; value: string | null }[]).map((p) => ({ key: p.key, text: p.value ?? '' }));
    const tags = Object.fromEntries((db.prepare('SELECT key, value FROM tags WHERE run_uuid = ?').all(row.run_uuid) as { key: string; value: string | null }[]).map((t) => [t.key, t.value ?? '']));
    const metrics = (db.prepare('SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? ORDER BY key, step, timestamp').all(row.run_uuid) as { key: string; value: number; timestamp: number; step: number; is_nan: number }[]).map((m) => ({
      key: m.key,
      value: m.is_nan ? NaN : m.value >= LARGEST_DOUBLE ? Infinity : m.value <= -LARGEST_DOUBLE ? -Infinity : m.value,
      time: Number(m.timestamp),
      step: Number(m.step),
    }));
    return {
      experiment: experimentName(String(row.experiment_id), row.experiment, options),
      externalId: `mlflow:${row.run_uuid}`,
      name: row.name || tags['mlflow.runName'] || row.run_uuid,
      source: { type: 'mlflow-sqlite', location: file, original_id: row.run_uuid, user: row.user_id || tags['mlflow.user'] || null, imported_at: options.now },
      status: statusOfMlflow(row.status),
      startTime: Number(row.start_time ?? options.now),
      endTime: row.end_time === null ? null : Number(row.end_time),
      params,
      tags,
      metrics,
    };
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw new ImportFileError(file, `run ${row.run_uuid} cannot be read (${(error as Error).message})`);
  } finally {
    db.close();
  }
}
