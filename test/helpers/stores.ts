/**
 * The store contract's tests run on every engine: `describeStores` declares a suite once per engine (SQLite in a
 * temporary file, PostgreSQL on the run's throwaway server: a database per test file, a schema per store). Where
 * PostgreSQL is missing its suites are skipped saying why, or fail when RUNBOARD_REQUIRE_POSTGRES=1 (CI).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, inject, it } from 'vitest';
import type { DbLocation, ServerLocation } from '../../src-main/paths';
import { openStore } from '../../src-main/store';
import { type PostgresStore } from '../../src-main/store/postgres/postgres-store';
import { numberPlaceholders } from '../../src-main/store/postgres/session';
import type { RunStore } from '../../src-main/store/run-store';
import { type SqliteStore } from '../../src-main/store/sqlite-store';
import { POSTGRES_TEST_PASSWORD } from './postgres-server';
import { useTempDir } from './temp';

export type Engine = 'sqlite' | 'postgres';

/** The run's PostgreSQL server, or why there is none. */
export function postgresServer(): { socketDir: string; port: number } | { reason: string } {
  const info = inject('postgres');
  if (info.socketDir === null || info.port === null) return { reason: info.reason ?? 'no PostgreSQL server' };
  return { socketDir: info.socketDir, port: info.port };
}

/** A URL of a database on the test server: over its Unix socket (no password), or over TCP with the password. */
export function postgresUrl(database: string, options: { tcp?: boolean; password?: string; query?: Record<string, string> } = {}): string {
  const server = postgresServer();
  if ('reason' in server) throw new Error(server.reason);
  const query = new URLSearchParams(options.tcp ? (options.query ?? {}) : { host: server.socketDir, port: String(server.port), ...(options.query ?? {}) });
  const auth = options.password === undefined ? 'postgres' : `postgres:${encodeURIComponent(options.password)}`;
  const rest = query.size > 0 ? `?${query.toString()}` : '';
  return options.tcp ? `postgres://${auth}@127.0.0.1:${server.port}/${database}${rest}` : `postgres://${auth}@/${database}${rest}`;
}

export { POSTGRES_TEST_PASSWORD };

/** Runs SQL as the superuser in a database of the test server (`postgres` by default). */
export async function adminQuery(sql: string, database = 'postgres'): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: postgresUrl(database) });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database for this test file (created before its tests, dropped after); returns its name. */
export function usePostgresDatabase(): () => string {
  let name: string | null = null;
  beforeAll(async () => {
    name = `runboard_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    if (name) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return () => {
    if (!name) throw new Error('usePostgresDatabase: the database is made in beforeAll');
    return name;
  };
}

/** What a contract test needs from its engine. */
export interface StoreHarness {
  engine: Engine;
  /** A new, empty location (a file; a schema of this file's database). */
  location(): Promise<DbLocation>;
  /** Opens a store (a new location when none is given); every store opened is closed after the test. */
  open(location?: DbLocation): Promise<RunStore>;
  /** Raw SQL with `?` placeholders on a store's own connection, for what the contract cannot do (a dead owner). */
  sql(store: RunStore, text: string, args?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * Makes the database itself refuse to insert a row with this key into `table` (a trigger raising `<key> refused`),
   * for tests of how a write the database fails is told and undone.
   */
  refuseKey(store: RunStore, table: 'tags' | 'metrics', key: string): Promise<void>;
}

/** A name the tests choose, checked before it is written into SQL. */
function sqlName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`refuseKey: "${name}" is not a plain SQL name`);
  return name;
}

let warned = false;

/** Declares `body` once per engine, titled `title (sqlite)` and `title (postgres)`. */
export function describeStores(title: string, body: (harness: StoreHarness) => void): void {
  describe(`${title} (sqlite)`, () => {
    const tempDir = useTempDir();
    const opened: RunStore[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });
    body({
      engine: 'sqlite',
      location: async () => ({ path: join(tempDir(), 'runs.db'), explicit: true }),
      open: async (location) => {
        const store = await openStore(location ?? { path: join(tempDir(), 'runs.db'), explicit: true });
        opened.push(store);
        return store;
      },
      sql: async (store, text, args = []) => {
        const statement = (store as SqliteStore).connection.prepare(text);
        return statement.reader ? (statement.all(...args) as Record<string, unknown>[]) : (statement.run(...args), []);
      },
      refuseKey: async (store, table, key) => {
        const name = `refuse_${sqlName(table)}_${sqlName(key)}`;
        (store as SqliteStore).connection.exec(`CREATE TEMP TRIGGER ${name} BEFORE INSERT ON ${table} WHEN NEW.key = '${key}' BEGIN SELECT RAISE(ABORT, '${key} refused'); END`);
      },
    });
  });
  const server = postgresServer();
  if ('reason' in server) {
    if (process.env.RUNBOARD_REQUIRE_POSTGRES === '1') {
      describe(`${title} (postgres)`, () => {
        it('needs a PostgreSQL server (RUNBOARD_REQUIRE_POSTGRES=1)', () => {
          throw new Error(server.reason);
        });
      });
    } else {
      if (!warned) console.warn(`Skipping the PostgreSQL store tests: ${server.reason}`);
      warned = true;
      describe.skip(`${title} (postgres): ${server.reason}`, () => undefined);
    }
    return;
  }
  describe(`${title} (postgres)`, () => {
    const database = usePostgresDatabase();
    const opened: RunStore[] = [];
    let schemas = 0;
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });
    const location = async (): Promise<ServerLocation> => {
      const schema = `s${++schemas}`;
      await adminQuery(`CREATE SCHEMA ${schema}`, database());
      // libpq's `options` pass through: each store of this file lives in a schema of its own.
      return { url: postgresUrl(database(), { query: { options: `-c search_path=${schema}` } }) };
    };
    body({
      engine: 'postgres',
      location,
      open: async (given) => {
        const store = await openStore(given ?? (await location()));
        opened.push(store);
        return store;
      },
      sql: async (store, text, args = []) => (await (store as PostgresStore).connection.query(numberPlaceholders(text), args as unknown[])).rows as Record<string, unknown>[],
      refuseKey: async (store, table, key) => {
        const name = `refuse_${sqlName(table)}_${sqlName(key)}`;
        const pool = (store as PostgresStore).connection;
        await pool.query(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${key} refused'; END $$`);
        await pool.query(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW WHEN (NEW.key = '${key}') EXECUTE FUNCTION ${name}()`);
      },
    });
  });
}
