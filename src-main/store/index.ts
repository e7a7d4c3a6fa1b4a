import { isServerLocation, type DbLocation } from '../paths';
import { PostgresStore } from './postgres/postgres-store';
import type { RunStore } from './run-store';
import { SqliteStore } from './sqlite-store';

export { SqliteStore } from './sqlite-store';
export type { RunStore, CreateRunInput, EpochInput, MetricPointInput, RunFilter, RunDetail } from './run-store';
export { LATEST_SCHEMA_VERSION } from './migrations';
export { openDatabase } from './open-database';

export interface OpenStoreOptions {
  /** better-sqlite3 binary for this runtime (Electron); the package's own build otherwise. */
  nativeBinding?: string | undefined;
}

/**
 * Opens the store at a location: a database file (SQLite) or a `postgres://` URL (PostgreSQL), migrated to the
 * latest schema; runs orphaned by a dead process become `interrupted`. The one place that asks which engine it is.
 * @throws AppError when the database cannot be used (see `openDatabase` and `PostgresStore.open`).
 */
export async function openStore(location: DbLocation, options: OpenStoreOptions = {}): Promise<RunStore> {
  if (isServerLocation(location)) return PostgresStore.open(location);
  return SqliteStore.open(location, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
}
