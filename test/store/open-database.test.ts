/**
 * Opening a database (`store/open-database.ts`) beyond the migrations: the settings it applies, the files it
 * refuses before touching them, and how SQLite's error codes become messages that say what to do. Also
 * `inspectDatabase`, the read-only look `runboard doctor` takes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { inspectDatabase } from '../../src-main/store/inspect-database';
import { APPLICATION_ID, LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src-main/store/migrations';
import { describeSqliteError, openDatabase } from '../../src-main/store/open-database';
import { AppError } from '../../src-shared/api/errors';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The AppError a call throws (or fails the test). */
function thrown(call: () => unknown): AppError {
  try {
    call();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('openDatabase settings', () => {
  it('waits ten seconds for a lock by default, or the whole milliseconds asked for, never less than none', () => {
    const timeout = (busyTimeoutMs?: number) => {
      const opened = openDatabase({ path: join(tempDir(), 'busy.db'), explicit: true }, busyTimeoutMs === undefined ? {} : { busyTimeoutMs });
      const value = opened.db.pragma('busy_timeout', { simple: true });
      opened.db.close();
      return value;
    };
    expect(timeout()).toBe(10_000);
    expect(timeout(250.9)).toBe(250);
    expect(timeout(-5)).toBe(0);
  });

  it('writes with synchronous = NORMAL, the WAL setting that loses nothing committed on a crash of the app', () => {
    const opened = openDatabase({ path: join(tempDir(), 'sync.db'), explicit: true });
    expect(opened.db.pragma('synchronous', { simple: true })).toBe(1);
    opened.db.close();
  });

  it('reports the schema version it brought the file to, and takes no backup of a new or an up-to-date file', () => {
    const path = join(tempDir(), 'fresh.db');
    const created = openDatabase({ path, explicit: true });
    expect([created.path, created.schemaVersion, created.backupPath]).toEqual([path, LATEST_SCHEMA_VERSION, null]);
    created.db.close();
    const reopened = openDatabase({ path, explicit: true });
    expect([reopened.schemaVersion, reopened.backupPath]).toEqual([LATEST_SCHEMA_VERSION, null]);
    reopened.db.close();
    const partial = openDatabase({ path: join(tempDir(), 'two.db'), explicit: true }, { migrations: MIGRATIONS.slice(0, 2) });
    expect(partial.schemaVersion).toBe(2);
    expect(partial.db.pragma('user_version', { simple: true })).toBe(2);
    partial.db.close();
  });

  it('takes an empty file for a new database', () => {
    const path = join(tempDir(), 'empty.db');
    writeFileSync(path, '');
    const opened = openDatabase({ path, explicit: true });
    expect(opened.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    opened.db.close();
  });

  it('loads better-sqlite3 from the native binding it is given, failing with IO_ERROR when there is none', () => {
    const path = join(tempDir(), 'native.db');
    const error = thrown(() => openDatabase({ path, explicit: true }, { nativeBinding: join(tempDir(), 'missing.node') }));
    expect(error.code).toBe('IO_ERROR');
    expect(error.message).toMatch(/^Cannot open database .*native\.db: /);
  });
});

describe('openDatabase refusals, with the file left as it was', () => {
  it('refuses a folder', () => {
    const path = join(tempDir(), 'folder.db');
    mkdirSync(path);
    const error = thrown(() => openDatabase({ path, explicit: true }));
    expect([error.code, error.message]).toEqual(['DB_NOT_SQLITE', `Cannot open database ${path}: it is a folder. Give the path of a database file with --db.`]);
  });

  it('refuses a path in a folder that does not exist as DB_DIR_MISSING', () => {
    const folder = join(tempDir(), 'no-such-folder');
    const path = join(folder, 'runs.db');
    const error = thrown(() => openDatabase({ path, explicit: true }));
    expect([error.code, error.message]).toEqual(['DB_DIR_MISSING', `Cannot open database ${path}: the folder ${folder} does not exist. Create it first, or choose another path with --db.`]);
  });

  it('refuses a file that is not SQLite by its header, before SQLite reads it', () => {
    const path = join(tempDir(), 'notes.db');
    writeFileSync(path, 'my notes, not a database\n'.repeat(40));
    const error = thrown(() => openDatabase({ path, explicit: true }));
    expect([error.code, error.message]).toEqual(['DB_NOT_SQLITE', `${path} is not a Runboard database (it is not an SQLite file). It was left unchanged; choose another path with --db.`]);
  });

  it('refuses a file shorter than the SQLite header', () => {
    const path = join(tempDir(), 'short.db');
    writeFileSync(path, 'SQLite');
    expect(thrown(() => openDatabase({ path, explicit: true })).code).toBe('DB_NOT_SQLITE');
    expect(readFileSync(path, 'utf8')).toBe('SQLite');
  });

  it("refuses an empty SQLite file marked with another program's application id", () => {
    const path = join(tempDir(), 'marked.db');
    const db = new BetterSqlite3(path);
    db.pragma('application_id = 1234');
    db.close();
    const before = sha(path);
    const error = thrown(() => openDatabase({ path, explicit: true }));
    expect([error.code, error.message]).toEqual(['DB_NOT_SQLITE', `${path} is an SQLite database, but not a Runboard one. It was left unchanged; choose another path with --db.`]);
    expect(sha(path)).toBe(before);
  });

  it('says how far a newer database is ahead, and what to do', () => {
    const path = join(tempDir(), 'newer.db');
    openDatabase({ path, explicit: true }).db.close();
    const db = new BetterSqlite3(path);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    const error = thrown(() => openDatabase({ path, explicit: true }));
    expect(error.code).toBe('DB_TOO_NEW');
    expect(error.message).toBe(
      `${path} was written by a newer version of Runboard (schema version ${LATEST_SCHEMA_VERSION + 1}; this version knows up to ${LATEST_SCHEMA_VERSION}). ` +
        'It was left unchanged. Update Runboard to open it, or choose another file with --db.',
    );
  });

  it('names the migration that failed and the version the file stayed at', () => {
    const path = join(tempDir(), 'failing.db');
    const failing = { version: 1, description: 'a migration that fails', up: () => { throw new Error('no space for it'); } };
    const error = thrown(() => openDatabase({ path, explicit: true }, { migrations: [failing] }));
    expect([error.code, error.message]).toEqual(['IO_ERROR', 'Migration 1 (a migration that fails) failed: no space for it. The database was left at schema version 0.']);
  });
});

describe("SQLite's error codes, described", () => {
  const sqliteError = (code: string, message = 'disk I/O error') => Object.assign(new Error(message), { code });
  const described = (error: unknown) => {
    const result = describeSqliteError(error, '/data/runs.db');
    return [result.code, result.message];
  };

  it('a file that is not a database', () => {
    expect(described(sqliteError('SQLITE_NOTADB', 'file is not a database'))).toEqual([
      'DB_NOT_SQLITE',
      '/data/runs.db is not a Runboard database (SQLite says: file is not a database). It was left unchanged; choose another path with --db.',
    ]);
  });

  it('a damaged file, in any of the corruption codes', () => {
    for (const code of ['SQLITE_CORRUPT', 'SQLITE_CORRUPT_INDEX']) {
      expect(described(sqliteError(code, 'database disk image is malformed')), code).toEqual([
        'DB_CORRUPT',
        '/data/runs.db is damaged (SQLite says: database disk image is malformed). It was left unchanged. Restore a backup, or try `sqlite3 /data/runs.db .recover`.',
      ]);
    }
  });

  it('a full disk', () => {
    expect(described(sqliteError('SQLITE_FULL'))).toEqual([
      'DISK_FULL',
      'The disk is full: the database /data/runs.db could not be written to /data (SQLITE_FULL). This write was rolled back; everything committed before it is kept. Free some space there and try again.',
    ]);
  });

  it('input and output failures, a read-only file and a file that cannot be opened', () => {
    for (const code of ['SQLITE_IOERR', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY', 'SQLITE_CANTOPEN']) {
      expect(described(sqliteError(code, 'it failed')), code).toEqual(['IO_ERROR', 'Cannot use database /data/runs.db: it failed']);
    }
  });

  it('anything else is an internal error that keeps what SQLite said', () => {
    expect(described(sqliteError('SQLITE_CONSTRAINT_CHECK', 'CHECK constraint failed'))).toEqual(['INTERNAL', 'Database error on /data/runs.db: CHECK constraint failed']);
    expect(described(sqliteError('SQLITE_READONLY_DBMOVED', 'moved'))).toEqual(['INTERNAL', 'Database error on /data/runs.db: moved']);
    expect(described(new Error('no code at all'))).toEqual(['INTERNAL', 'Database error on /data/runs.db: no code at all']);
    expect(described('a bare string')).toEqual(['INTERNAL', 'Database error on /data/runs.db: a bare string']);
  });
});

describe('inspectDatabase (runboard doctor)', () => {
  it('reports a file that does not exist, creating nothing', () => {
    const path = join(tempDir(), 'none.db');
    expect(inspectDatabase(path)).toEqual({ path, exists: false, schemaVersion: null, latestSchemaVersion: LATEST_SCHEMA_VERSION, runs: null, problem: null });
    expect(() => readFileSync(path)).toThrow();
  });

  it('reads the schema version and the number of runs without changing the file', () => {
    const path = join(tempDir(), 'two-runs.db');
    const opened = openDatabase({ path, explicit: true });
    const insert = opened.db.prepare("INSERT INTO runs (experiment_id, name, status, config, created_at) VALUES (1, ?, 'finished', '{}', 1)");
    insert.run('a');
    insert.run('b');
    opened.db.pragma('wal_checkpoint(TRUNCATE)');
    opened.db.close();
    const before = sha(path);
    expect(inspectDatabase(path)).toEqual({ path, exists: true, schemaVersion: LATEST_SCHEMA_VERSION, latestSchemaVersion: LATEST_SCHEMA_VERSION, runs: 2, problem: null });
    expect(sha(path)).toBe(before);
  });

  it('counts no runs in an SQLite file without a runs table', () => {
    const path = join(tempDir(), 'plain.db');
    new BetterSqlite3(path).exec('CREATE TABLE notes (x TEXT)').close();
    expect(inspectDatabase(path)).toMatchObject({ exists: true, schemaVersion: 0, runs: null, problem: null });
  });

  it('names the problem with a database from a newer Runboard', () => {
    const path = join(tempDir(), 'future.db');
    const db = new BetterSqlite3(path);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 2}`);
    db.close();
    expect(inspectDatabase(path)).toMatchObject({ exists: true, schemaVersion: LATEST_SCHEMA_VERSION + 2, problem: `written by a newer Runboard (schema ${LATEST_SCHEMA_VERSION + 2}); update Runboard to open it` });
  });

  it("reports SQLite's complaint about a file that is not a database", () => {
    const path = join(tempDir(), 'text.db');
    writeFileSync(path, 'not a database, just some text that is long enough to be read as a header\n'.repeat(20));
    expect(inspectDatabase(path)).toEqual({ path, exists: true, schemaVersion: null, latestSchemaVersion: LATEST_SCHEMA_VERSION, runs: null, problem: 'file is not a database' });
  });
});
