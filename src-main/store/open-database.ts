import { closeSync, existsSync, openSync, readSync, statSync, mkdirSync, copyFileSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { AppError } from '../../src-shared/api/errors';
import { diskFullError } from '../disk-full';
import type { FileLocation } from '../paths';
import { APPLICATION_ID, LATEST_SCHEMA_VERSION, MIGRATIONS, assertMigrationsAreMonotonic, type Migration } from './migrations';
import { registerFilterFunctions } from './sql-dialect';

export interface OpenOptions {
  /** Path to a better-sqlite3 binary built for this runtime (Electron); the package's own build otherwise. */
  nativeBinding?: string;
  /** Milliseconds a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
  /** For tests: the migrations to apply instead of the shipped ones. */
  migrations?: readonly Migration[];
}

export interface OpenedDatabase {
  db: Database;
  path: string;
  schemaVersion: number;
  /** Where the pre-migration copy was written, when a migration ran on an existing database. */
  backupPath: string | null;
}

const SQLITE_HEADER = 'SQLite format 3\0';

function readHeader(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(16);
    const read = readSync(fd, buffer, 0, 16, 0);
    return buffer.subarray(0, read).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens (creating when needed) the Runboard database at `location`, checks it before changing anything,
 * sets WAL, foreign keys and a busy timeout, and migrates it to the latest schema.
 *
 * Refuses, with the file left unchanged: a folder that does not exist (for a path the user named),
 * a file that is not SQLite, a SQLite file that is not Runboard's, a corrupt file, and a database written
 * by a newer Runboard. A migration runs in one transaction after a backup copy is taken.
 * @throws AppError with code DB_DIR_MISSING, DB_NOT_SQLITE, DB_CORRUPT, DB_TOO_NEW, DISK_FULL or IO_ERROR.
 */
export function openDatabase(location: FileLocation, options: OpenOptions = {}): OpenedDatabase {
  const migrations = options.migrations ?? MIGRATIONS;
  assertMigrationsAreMonotonic(migrations);
  const latest = options.migrations ? migrations.length : LATEST_SCHEMA_VERSION;
  const { path } = location;
  const folder = dirname(path);

  if (!existsSync(folder)) {
    if (location.explicit) {
      throw new AppError('DB_DIR_MISSING', `Cannot open database ${path}: the folder ${folder} does not exist. Create it first, or choose another path with --db.`);
    }
    mkdirSync(folder, { recursive: true });
  }
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) {
      throw new AppError('DB_NOT_SQLITE', `Cannot open database ${path}: it is a folder. Give the path of a database file with --db.`);
    }
    const size = statSync(path).size;
    if (size > 0 && readHeader(path) !== SQLITE_HEADER) {
      throw new AppError('DB_NOT_SQLITE', `${path} is not a Runboard database (it is not an SQLite file). It was left unchanged; choose another path with --db.`);
    }
  }

  let db: Database;
  try {
    db = new BetterSqlite3(path, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  } catch (error) {
    throw new AppError('IO_ERROR', `Cannot open database ${path}: ${(error as Error).message}`);
  }

  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
    const version = readVersion(db, path);
    if (version > latest) {
      throw new AppError(
        'DB_TOO_NEW',
        `${path} was written by a newer version of Runboard (schema version ${version}; this version knows up to ${latest}). ` +
          'It was left unchanged. Update Runboard to open it, or choose another file with --db.',
      );
    }
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const foreign = version === 0 ? applicationId !== 0 || hasForeignTables(db) : applicationId !== APPLICATION_ID;
    if (foreign) {
      throw new AppError('DB_NOT_SQLITE', `${path} is an SQLite database, but not a Runboard one. It was left unchanged; choose another path with --db.`);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    registerFilterFunctions(db);
    const backupPath = version > 0 && version < latest ? backUp(db, path, version) : null;
    migrate(db, version, migrations);
    return { db, path, schemaVersion: latest, backupPath };
  } catch (error) {
    db.close();
    if (error instanceof AppError) throw error;
    throw describeSqliteError(error, path);
  }
}

function readVersion(db: Database, path: string): number {
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } catch (error) {
    throw describeSqliteError(error, path);
  }
}

function hasForeignTables(db: Database): boolean {
  const row = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").get() as { n: number };
  return row.n > 0;
}

/** A plain file copy taken after a checkpoint, while nothing else writes (we hold the migration lock next). */
function backUp(db: Database, path: string, version: number): string {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const target = `${path}.backup-v${version}-${Date.now()}`;
  copyFileSync(path, target);
  return target;
}

function migrate(db: Database, from: number, migrations: readonly Migration[]): void {
  const pending = migrations.filter((m) => m.version > from);
  if (pending.length === 0) return;
  const apply = db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    for (const migration of migrations.filter((m) => m.version > current)) {
      try {
        migration.up(db);
      } catch (error) {
        throw new AppError('IO_ERROR', `Migration ${migration.version} (${migration.description}) failed: ${(error as Error).message}. The database was left at schema version ${current}.`);
      }
      db.pragma(`user_version = ${migration.version}`);
    }
  });
  apply.immediate();
}

/** Maps SQLite's error codes to messages that say what to do. */
export function describeSqliteError(error: unknown, path: string): AppError {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  if (code === 'SQLITE_NOTADB') {
    return new AppError('DB_NOT_SQLITE', `${path} is not a Runboard database (SQLite says: ${message}). It was left unchanged; choose another path with --db.`);
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new AppError('DB_CORRUPT', `${path} is damaged (SQLite says: ${message}). It was left unchanged. Restore a backup, or try \`sqlite3 ${path} .recover\`.`);
  }
  if (code === 'SQLITE_FULL') return diskFullError(path, `the database ${path}`, code, 'This write was rolled back; everything committed before it is kept.');
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') {
    return new AppError('IO_ERROR', `Cannot use database ${path}: ${message}`);
  }
  return new AppError('INTERNAL', `Database error on ${path}: ${message}`);
}
