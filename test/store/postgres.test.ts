/**
 * What only the PostgreSQL store has to show (the rest is the contract, in store.test.ts and the filter tests):
 * migrations under an advisory lock, a newer schema refused, every foreign key indexed, credentials from the URL,
 * PGPASSWORD or ~/.pgpass and never shown, a clear error naming the server, other machines' writes heard.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { displayLocation, resolveDbLocation } from '../../src-main/paths';
import { openStore } from '../../src-main/store';
import { connectionConfig, passwordFromPgpass } from '../../src-main/store/postgres/connection';
import { LATEST_POSTGRES_SCHEMA_VERSION, POSTGRES_MIGRATIONS } from '../../src-main/store/postgres/postgres-migrations';
import { migratePostgres } from '../../src-main/store/postgres/postgres-migrate';
import { PostgresStore } from '../../src-main/store/postgres/postgres-store';
import type { RunStore } from '../../src-main/store/run-store';
import { AppError } from '../../src-shared/api/errors';
import { POSTGRES_TEST_PASSWORD, adminQuery, postgresServer, postgresUrl, usePostgresDatabase } from '../helpers/stores';
import { useTempDir } from '../helpers/temp';

const server = postgresServer();
const required = process.env.RUNBOARD_REQUIRE_POSTGRES === '1';
const describePostgres = 'reason' in server && !required ? describe.skip : describe;
if ('reason' in server && !required) console.warn(`Skipping the PostgreSQL store tests: ${server.reason}`);

describePostgres('PostgresStore', () => {
  const database = usePostgresDatabase();
  const tempDir = useTempDir();
  const opened: RunStore[] = [];
  let schemas = 0;
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  const freshSchema = async () => {
    if ('reason' in server) throw new Error(server.reason);
    const schema = `p${++schemas}`;
    await adminQuery(`CREATE SCHEMA ${schema}`, database());
    return schema;
  };
  const urlOf = (schema: string, options: { tcp?: boolean; password?: string } = {}) => postgresUrl(database(), { ...options, query: { options: `-c search_path=${schema}` } });
  const open = async (url: string, env: NodeJS.ProcessEnv = {}) => {
    const store = await PostgresStore.open({ url }, env);
    opened.push(store);
    return store;
  };
  /** The error an open fails with. */
  const failure = async (url: string, env: NodeJS.ProcessEnv = {}) => {
    try {
      await open(url, env);
    } catch (error) {
      return error as Error;
    }
    throw new Error(`opening ${url} did not fail`);
  };

  it('is chosen by a postgres:// location, from --db or RUNBOARD_DB', async () => {
    const url = urlOf(await freshSchema());
    expect(resolveDbLocation(url, {})).toEqual({ url });
    expect(resolveDbLocation(undefined, { RUNBOARD_DB: url })).toEqual({ url });
    const store = await openStore(resolveDbLocation(undefined, { RUNBOARD_DB: url }));
    opened.push(store);
    expect(store).toBeInstanceOf(PostgresStore);
    expect(store.schemaVersion).toBe(LATEST_POSTGRES_SCHEMA_VERSION);
  });

  it('migrates once when two machines open an empty database at the same moment (advisory lock)', async () => {
    const url = urlOf(await freshSchema());
    const stores = await Promise.all([1, 2, 3].map(() => open(url)));
    expect(stores.map((s) => s.schemaVersion)).toEqual([1, 2, 3].map(() => LATEST_POSTGRES_SCHEMA_VERSION));
    expect((await stores[0]!.listExperiments()).map((e) => e.name)).toEqual(['default']);
    const run = await stores[1]!.createRun({ experiment: 'default', config: {}, params: {}, seed: 1, backend: 'wasm' });
    expect((await stores[2]!.getRun(run.run_id))?.run_id).toBe(run.run_id);
  });

  it("upgrades a version-1 database's sweeps: run by their own process, their trials without a claim", async () => {
    const schema = await freshSchema();
    const pool = new pg.Pool({ connectionString: urlOf(schema) });
    try {
      expect(await migratePostgres(pool, 'the test database', POSTGRES_MIGRATIONS.slice(0, 1))).toBe(1);
      await pool.query(`INSERT INTO sweeps (name, experiment_id, strategy, space, fixed, objective_metric, objective_direction, trials, seed, parallel, status, created_at)
        VALUES ('old', 1, 'grid', '[]', '{}', 'val_loss', 'min', 1, 1, 1, 'finished', 1)`);
      await pool.query("INSERT INTO sweep_trials (sweep_id, trial, params) VALUES (1, 1, '{}')");
    } finally {
      await pool.end();
    }
    const store = await open(urlOf(schema));
    expect(store.schemaVersion).toBe(LATEST_POSTGRES_SCHEMA_VERSION);
    expect(await store.sweeps.get(1)).toMatchObject({ name: 'old', workers: false, trials: [{ trial: 1, status: 'pending', host: null }] });
    expect((await store.connection.query('SELECT claim_state FROM sweep_trials')).rows).toEqual([{ claim_state: null }]);
  });

  it("upgrades a version-3 database's sweeps keeping their strategy, and allows TPE sweeps with a warm start", async () => {
    const schema = await freshSchema();
    const pool = new pg.Pool({ connectionString: urlOf(schema) });
    try {
      expect(await migratePostgres(pool, 'the test database', POSTGRES_MIGRATIONS.slice(0, 3))).toBe(3);
      await pool.query(`INSERT INTO sweeps (name, experiment_id, strategy, space, fixed, objective_metric, objective_direction, trials, seed, parallel, status, created_at)
        VALUES ('old', 1, 'random', '[]', '{}', 'val_loss', 'min', 1, 1, 1, 'finished', 1)`);
      await expect(pool.query("UPDATE sweeps SET strategy = 'tpe'")).rejects.toThrow(/sweeps_strategy_check/);
    } finally {
      await pool.end();
    }
    const store = await open(urlOf(schema));
    expect(store.schemaVersion).toBe(LATEST_POSTGRES_SCHEMA_VERSION);
    expect(await store.sweeps.get(1)).toMatchObject({ name: 'old', strategy: 'random', warm_start: null, warm_start_runs: [] });
    const warmStart = { from: 'experiment prior', runs: [{ run_id: 4, params: { lr: 0.1 }, value: 0.5 }] };
    const id = await store.sweeps.create({ name: '', experiment: 'default', strategy: 'tpe', space: [{ name: 'lr', distribution: 'loguniform(0.001,1)' }], fixed: {}, objective: { metric: 'val_loss', direction: 'min' }, trials: [{}, {}], seed: 1, parallel: 1, asha: null, warmStart });
    expect(await store.sweeps.get(id)).toMatchObject({ strategy: 'tpe', warm_start: { from: 'experiment prior', runs: 1 }, warm_start_runs: warmStart.runs });
    expect(await store.sweeps.setTrialParams(id, 2, { lr: 0.2 })).toEqual({ lr: 0.2 });
    expect(await store.sweeps.setTrialParams(id, 2, { lr: 0.3 })).toEqual({ lr: 0.2 });
    expect(await store.sweeps.setTrialParams(id, 3, { lr: 0.3 })).toBeNull();
  });

  it('refuses a database of a newer Runboard schema and leaves it unchanged', async () => {
    const schema = await freshSchema();
    await (await open(urlOf(schema))).close();
    await adminQuery(`UPDATE ${schema}.runboard_schema SET version = ${LATEST_POSTGRES_SCHEMA_VERSION + 1}`, database());
    const error = await failure(urlOf(schema));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('DB_TOO_NEW');
    expect(error.message).toContain(`newer version of Runboard (schema version ${LATEST_POSTGRES_SCHEMA_VERSION + 1}; this version knows up to ${LATEST_POSTGRES_SCHEMA_VERSION})`);
    expect((await adminQuery(`SELECT version FROM ${schema}.runboard_schema`, database())).rows).toEqual([{ version: LATEST_POSTGRES_SCHEMA_VERSION + 1 }]);
  });

  it("refuses a database that has another program's runs table, unchanged", async () => {
    const schema = await freshSchema();
    await adminQuery(`CREATE TABLE ${schema}.runs (id int)`, database());
    const error = await failure(urlOf(schema));
    expect(error.message).toMatch(/not a Runboard database/);
    expect((await adminQuery(`SELECT to_regclass('${schema}.runboard_schema') AS found`, database())).rows).toEqual([{ found: null }]);
  });

  it('indexes every foreign key (a delete or join on an unindexed one scans the table)', async () => {
    const schema = await freshSchema();
    await open(urlOf(schema));
    // A foreign key is covered when some index starts with its columns.
    const unindexed = await adminQuery(
      `SELECT c.conrelid::regclass::text AS tab, c.conname
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
       WHERE c.contype = 'f' AND n.nspname = '${schema}'
         AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] = c.conkey)`,
      database(),
    );
    const keys = await adminQuery(`SELECT count(*)::int AS n FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = '${schema}'`, database());
    expect(keys.rows[0].n).toBeGreaterThanOrEqual(10);
    expect(unindexed.rows).toEqual([]);
  });

  it("filters with ~ on a server without ICU's collation too, folding case with the database's own", async () => {
    // A database whose ICU root collation is gone, as on a PostgreSQL built without ICU.
    const name = `${database()}_noicu`;
    await adminQuery(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`);
    try {
      await adminQuery('DROP COLLATION pg_catalog."und-x-icu"', name);
      const store = await open(postgresUrl(name));
      await store.createRun({ experiment: 'default', name: 'Baseline-Run', config: {}, params: {}, seed: 1, backend: 'wasm' });
      const page = await store.queryRuns({ filter: 'name ~ "baseline"', sort: { column: 'name', direction: 'asc' }, offset: 0, limit: 10 });
      expect(page.runs.map((r) => r.name)).toEqual(['Baseline-Run']);
      await store.close();
    } finally {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });

  it('logs a batch of 5,000 points in one go, a point given twice once, and reads it back', async () => {
    const store = await open(urlOf(await freshSchema()));
    const run = await store.createRun({ experiment: 'default', config: {}, params: {}, seed: 1, backend: 'wasm' });
    const points = Array.from({ length: 5000 }, (_, i) => ({ key: `m${i % 5}`, step: Math.floor(i / 5) + 1, value: i === 7 ? NaN : i / 10, time: 1000 + i }));
    await store.logBatch(run.run_id, [...points, { ...points[0]!, value: 42 }]);
    const series = await store.getMetrics([run.run_id], undefined, null);
    expect(series.map((s) => [s.key, s.points.length])).toEqual([
      ['m0', 1000],
      ['m1', 1000],
      ['m2', 1000],
      ['m3', 1000],
      ['m4', 1000],
    ]);
    expect(series[0]!.points[0]).toEqual({ step: 1, value: 42, time: 1000 });
    expect(series[2]!.points[1]!.value).toBe('NaN');
    expect((await store.getRun(run.run_id))?.epochs).toBe(1000);
  });

  it('takes the password from the URL, PGPASSWORD or ~/.pgpass (PGPASSFILE), and never shows it', async () => {
    const schema = await freshSchema();
    const withPassword = await open(urlOf(schema, { tcp: true, password: POSTGRES_TEST_PASSWORD }));
    expect(withPassword.path).not.toContain(POSTGRES_TEST_PASSWORD);
    expect(withPassword.path).toContain('postgres:***@127.0.0.1');
    expect(displayLocation({ url: urlOf(schema, { tcp: true, password: POSTGRES_TEST_PASSWORD }) })).not.toContain(POSTGRES_TEST_PASSWORD);
    await open(urlOf(schema, { tcp: true }), { PGPASSWORD: POSTGRES_TEST_PASSWORD });
    const passfile = join(tempDir(), 'pgpass');
    writeFileSync(passfile, `# a comment\nother:*:*:*:wrong\n127.0.0.1:*:${database()}:postgres:${POSTGRES_TEST_PASSWORD}\n`);
    chmodSync(passfile, 0o600);
    await open(urlOf(schema, { tcp: true }), { PGPASSFILE: passfile });
    // A password file others may read is ignored, as libpq ignores it.
    chmodSync(passfile, 0o644);
    const ignored = await failure(urlOf(schema, { tcp: true }), { PGPASSFILE: passfile });
    expect(ignored.message).toMatch(/password/);
  });

  it('reads ~/.pgpass as libpq does: wildcards, escaped colons, a socket as localhost', () => {
    const passfile = join(tempDir(), 'pgpass');
    writeFileSync(passfile, 'db.example.org:5432:*:ana:first\nlocalhost:5433:runs:bo:se\\:cret\n');
    chmodSync(passfile, 0o600);
    const env = { PGPASSFILE: passfile };
    expect(passwordFromPgpass({ host: 'db.example.org', port: 5432, database: 'anything', user: 'ana' }, env)).toBe('first');
    expect(passwordFromPgpass({ host: '/run/postgresql', port: 5433, database: 'runs', user: 'bo' }, env)).toBe('se:cret');
    expect(passwordFromPgpass({ host: 'db.example.org', port: 5433, database: 'runs', user: 'ana' }, env)).toBeUndefined();
  });

  it('passes sslmode and the other libpq options through, sslmode as libpq reads it', async () => {
    const { config, identity } = connectionConfig('postgres://ana:pw@db.example.org:6543/runs?sslmode=verify-full&application_name=lab&options=-c%20statement_timeout%3D5000', {});
    expect(identity).toEqual({ host: 'db.example.org', port: 6543, database: 'runs', user: 'ana' });
    expect(config).toMatchObject({ host: 'db.example.org', port: 6543, database: 'runs', user: 'ana', application_name: 'lab', options: '-c statement_timeout=5000' });
    expect(config.ssl).toBeTruthy();
    // sslmode means what it means to libpq (and psql): require encrypts without checking the certificate, disable
    // does not encrypt; no warning about another reading of it is printed.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      expect(connectionConfig('postgres://ana@db.example.org/runs?sslmode=require', {}).config.ssl).toEqual({ rejectUnauthorized: false });
      expect(connectionConfig('postgres://ana@db.example.org/runs?sslmode=disable', {}).config.ssl).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it("reads sslmode as libpq does: prefer when absent (or PGSSLMODE's), plain for disable and allow and over a Unix socket", () => {
    const tls = { rejectUnauthorized: false };
    const mode = (url: string, env: NodeJS.ProcessEnv = {}) => {
      const { config, sslmode } = connectionConfig(url, env);
      return { ssl: config.ssl, sslmode };
    };
    expect(mode('postgres://ana@db.example.org/runs')).toEqual({ ssl: tls, sslmode: 'prefer' });
    expect(mode('postgres://ana@db.example.org/runs?sslmode=prefer')).toEqual({ ssl: tls, sslmode: 'prefer' });
    expect(mode('postgres://ana@db.example.org/runs?sslmode=require')).toEqual({ ssl: tls, sslmode: 'require' });
    expect(mode('postgres://ana@db.example.org/runs?sslmode=disable')).toEqual({ ssl: false, sslmode: 'disable' });
    expect(mode('postgres://ana@db.example.org/runs?sslmode=allow')).toEqual({ ssl: false, sslmode: 'allow' });
    expect(mode('postgres://ana@db.example.org/runs', { PGSSLMODE: 'disable' })).toEqual({ ssl: false, sslmode: 'disable' });
    expect(mode('postgres://ana@db.example.org/runs?sslmode=require', { PGSSLMODE: 'disable' })).toEqual({ ssl: tls, sslmode: 'require' });
    expect(mode('postgres://ana@db.example.org/runs?application_name=lab', { PGSSLMODE: 'verify-full' })).toMatchObject({ sslmode: 'verify-full' });
    expect(mode('postgres://ana@/runs?host=/run/postgresql&sslmode=require')).toEqual({ ssl: false, sslmode: 'require' });
    expect(() => connectionConfig('postgres://ana:pw@db.example.org/runs?sslmode=sometimes', {})).toThrow(
      /^--db postgres:\/\/ana:\*\*\*@db\.example\.org\/runs\?sslmode=sometimes: sslmode "sometimes" is not one of disable, allow, prefer, require, verify-ca, verify-full\.$/,
    );
  });

  it('connects to a server without TLS with sslmode=prefer or none (TLS when offered, else plain); require fails in one line naming it', async () => {
    const schema = await freshSchema();
    const url = urlOf(schema, { tcp: true, password: POSTGRES_TEST_PASSWORD });
    const preferred = await open(`${url}&sslmode=prefer`);
    expect((await preferred.createRun({ experiment: 'e', config: {}, params: {}, seed: 1, backend: 'cpu', dataset: 'iris' })).status).toBe('queued');
    const absent = await open(url);
    expect(await absent.listRuns()).toHaveLength(1);
    const withEnv = await open(url, { PGSSLMODE: 'prefer' });
    expect(await withEnv.listRuns()).toHaveLength(1);
    const error = await failure(`${url}&sslmode=require`);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('DB_UNREACHABLE');
    expect(error.message).toMatch(/^Cannot connect to the PostgreSQL server at 127\.0\.0\.1:\d+: it does not accept TLS connections, and sslmode=require needs TLS\. Use sslmode=prefer \(TLS when the server offers it\) or sslmode=disable\.$/);
    expect(error.message).not.toContain(POSTGRES_TEST_PASSWORD);
    expect(error.message).not.toContain('\n');
  });

  it('says plainly, naming the server and not the password, when a wrong password is refused', async () => {
    const url = urlOf(await freshSchema(), { tcp: true, password: 'not-the-password' });
    const error = await failure(url);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('DB_UNREACHABLE');
    expect(error.message).toMatch(/^the PostgreSQL server at 127\.0\.0\.1:\d+ refused the password for user "postgres"/);
    expect(error.message).not.toContain('not-the-password');
  });

  it('closes its connection when a login fails for want of a password (the server would hold a backend for a minute)', async () => {
    const url = new URL(urlOf(await freshSchema(), { tcp: true }));
    // A proxy in front of the server counts the connections the store leaves open.
    const sockets = new Set<Socket>();
    const serverPort = Number(url.port);
    const proxy = createServer((socket) => {
      const upstream = connect(serverPort, '127.0.0.1');
      sockets.add(socket);
      socket.on('close', () => {
        sockets.delete(socket);
        upstream.destroy();
      });
      upstream.on('close', () => socket.destroy());
      socket.on('error', () => undefined);
      upstream.on('error', () => undefined);
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      url.port = String((proxy.address() as AddressInfo).port);
      const error = await failure(url.toString(), { PGPASSFILE: join(tempDir(), 'no-pgpass') });
      expect(error.message).toMatch(/password/);
      await expect.poll(() => sockets.size, { timeout: 10_000 }).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('says plainly, naming the server, when the connection is refused', async () => {
    const error = await failure('postgres://ana:secret@127.0.0.1:1/runs');
    expect(error).toBeInstanceOf(AppError);
    expect(error.message).toBe('Cannot connect to the PostgreSQL server at 127.0.0.1:1: the connection was refused. Is the server running and listening there?');
  });

  it("hears other machines' writes (LISTEN/NOTIFY), not its own", async () => {
    const url = urlOf(await freshSchema());
    const watching = await open(url);
    const other = await open(url);
    let heard = 0;
    const stop = watching.watchExternalChanges(() => heard++);
    // The listener connects in the background: wait until a write from the other store is heard.
    const deadline = Date.now() + 10_000;
    while (heard === 0 && Date.now() < deadline) {
      await other.createExperiment(`e${Date.now()}-${Math.random()}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(heard).toBeGreaterThan(0);
    const before = heard;
    await watching.createExperiment('mine');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(heard).toBe(before);
    stop();
  });
});
