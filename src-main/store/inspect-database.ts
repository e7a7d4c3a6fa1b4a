import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { isServerLocation, type DbLocation } from '../paths';
import { LATEST_SCHEMA_VERSION } from './migrations';
import { inspectServer } from './postgres/inspect-server';

export interface DatabaseInspection {
  /** The location as it may be shown (a PostgreSQL URL without its password). */
  path: string;
  exists: boolean;
  schemaVersion: number | null;
  latestSchemaVersion: number;
  runs: number | null;
  problem: string | null;
}

/** Reads a store's schema version and size without changing it: a database file, or a PostgreSQL database. */
export async function inspectStore(location: DbLocation): Promise<DatabaseInspection> {
  return isServerLocation(location) ? inspectServer(location) : inspectDatabase(location.path);
}

/** Reads a database's schema version and size without changing it (read-only), for `runboard doctor`. */
export function inspectDatabase(path: string): DatabaseInspection {
  const base = { path, latestSchemaVersion: LATEST_SCHEMA_VERSION };
  if (!existsSync(path)) return { ...base, exists: false, schemaVersion: null, runs: null, problem: null };
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    const hasRuns = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'").get() !== undefined;
    const runs = hasRuns ? (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n : null;
    const problem = version > LATEST_SCHEMA_VERSION ? `written by a newer Runboard (schema ${version}); update Runboard to open it` : null;
    return { ...base, exists: true, schemaVersion: version, runs, problem };
  } catch (error) {
    return { ...base, exists: true, schemaVersion: null, runs: null, problem: (error as Error).message };
  } finally {
    db?.close();
  }
}
