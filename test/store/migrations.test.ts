import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { APPLICATION_ID, LATEST_SCHEMA_VERSION, MIGRATIONS, assertMigrationsAreMonotonic, type Migration } from '../../src-main/store/migrations';
import { openDatabase } from '../../src-main/store/open-database';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('schema migrations', () => {
  it('are numbered 1..N without gaps', () => {
    expect(() => assertMigrationsAreMonotonic()).not.toThrow();
    expect(() => assertMigrationsAreMonotonic([MIGRATIONS[0] as Migration, { ...(MIGRATIONS[0] as Migration), version: 3 }])).toThrow(/expected 2/);
  });

  it('bring a new database to the latest version, in WAL mode with foreign keys on', () => {
    const opened = openDatabase({ path: join(tempDir(), 'new.db'), explicit: true });
    expect(opened.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(opened.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(opened.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(Number(opened.db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
    opened.db.close();
  });

  it('refuse a database from a newer Runboard and leave the file unchanged', () => {
    const path = join(tempDir(), 'future.db');
    const db = new BetterSqlite3(path);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    db.close();
    const before = sha(path);
    expect(() => SqliteStore.open({ path, explicit: true })).toThrow(/newer version of Runboard/);
    expect(sha(path)).toBe(before);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('refuse a file that is not SQLite, unchanged', () => {
    const path = join(tempDir(), 'notes.db');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(50));
    const before = sha(path);
    expect(() => SqliteStore.open({ path, explicit: true })).toThrow(/not a Runboard database/);
    expect(sha(path)).toBe(before);
  });

  it("refuse another program's SQLite database, unchanged", () => {
    const path = join(tempDir(), 'other.db');
    const db = new BetterSqlite3(path);
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    db.close();
    const before = sha(path);
    expect(() => SqliteStore.open({ path, explicit: true })).toThrow(/not a Runboard one/);
    expect(sha(path)).toBe(before);
  });

  it("refuse another program's SQLite database even when its user_version looks like ours, unchanged", () => {
    const path = join(tempDir(), 'other-v1.db');
    const db = new BetterSqlite3(path);
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    db.pragma('user_version = 1');
    db.close();
    const before = sha(path);
    expect(() => SqliteStore.open({ path, explicit: true })).toThrow(/not a Runboard one/);
    expect(sha(path)).toBe(before);
  });

  it('upgrade a version-1 database to the latest version, keeping its runs', async () => {
    const path = join(tempDir(), 'v1.db');
    const v1 = openDatabase({ path, explicit: true }, { migrations: MIGRATIONS.slice(0, 1) });
    v1.db.prepare("INSERT INTO runs (experiment_id, name, status, config, created_at) VALUES (1, 'old', 'finished', '{}', 1)").run();
    v1.db.close();
    const store = SqliteStore.open({ path, explicit: true });
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.backupPath).toMatch(/v1\.db\.backup-v1-/);
    const [run] = await store.listRuns();
    expect(run).toMatchObject({ name: 'old', status: 'finished', kind: 'train', outcome: null });
    await store.putArtifact(run!.run_id, 'histograms', { layers: [] });
    expect(await store.getArtifact(run!.run_id, 'histograms')).toEqual({ layers: [] });
    store.close();
  });

  it('give sweeps their error column on a database whose version 3 was made without it', async () => {
    const path = join(tempDir(), 'v3-early.db');
    const early = MIGRATIONS.slice(0, 3).map((m) =>
      m.version === 3 ? { ...m, up: (db: BetterSqlite3.Database) => (m.up(db), db.exec('ALTER TABLE sweeps DROP COLUMN error')) } : m,
    );
    openDatabase({ path, explicit: true }, { migrations: early }).db.close();
    const store = SqliteStore.open({ path, explicit: true });
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.connection.prepare("SELECT name FROM pragma_table_info('sweeps') WHERE name = 'error'").pluck().get()).toBe('error');
    expect(await store.sweeps.list()).toEqual([]);
    store.close();
  });

  it("upgrade a version-6 database's sweeps: run by their own process, their trials without a claim, their runs' hosts shown", async () => {
    const path = join(tempDir(), 'v6.db');
    const v6 = openDatabase({ path, explicit: true }, { migrations: MIGRATIONS.slice(0, 6) });
    v6.db.exec(`INSERT INTO sweeps (name, experiment_id, strategy, space, fixed, objective_metric, objective_direction, trials, seed, parallel, status, created_at)
      VALUES ('old', 1, 'grid', '[]', '{}', 'val_loss', 'min', 2, 1, 1, 'finished', 1)`);
    v6.db.exec("INSERT INTO runs (experiment_id, name, status, config, created_at, sweep_id, trial, owner_host) VALUES (1, 't1', 'finished', '{}', 1, 1, 1, 'lab-1')");
    v6.db.exec("INSERT INTO sweep_trials (sweep_id, trial, params, run_id) VALUES (1, 1, '{}', 1), (1, 2, '{}', NULL)");
    v6.db.close();
    const store = SqliteStore.open({ path, explicit: true });
    const sweep = await store.sweeps.get(1);
    expect(sweep).toMatchObject({ name: 'old', status: 'finished', workers: false });
    expect(sweep?.trials.map((t) => [t.trial, t.status, t.host])).toEqual([
      [1, 'finished', 'lab-1'],
      [2, 'pending', null],
    ]);
    expect(store.connection.prepare('SELECT claim_state FROM sweep_trials ORDER BY trial').pluck().all()).toEqual([null, null]);
    expect(await store.sweeps.claims.claimTrial('a:1', null)).toBeNull();
    store.close();
  });

  it("upgrade a version-8 database's sweeps keeping their strategy, and allow TPE sweeps with a warm start", async () => {
    const path = join(tempDir(), 'v8.db');
    const v8 = openDatabase({ path, explicit: true }, { migrations: MIGRATIONS.slice(0, 8) });
    v8.db.exec(`INSERT INTO sweeps (name, experiment_id, strategy, space, fixed, objective_metric, objective_direction, trials, seed, parallel, asha, status, created_at)
      VALUES ('old', 1, 'asha', '[]', '{}', 'val_loss', 'min', 1, 1, 1, '{"min_epochs":1,"max_epochs":3,"reduction_factor":3}', 'finished', 1)`);
    v8.db.exec("INSERT INTO sweep_trials (sweep_id, trial, params) VALUES (1, 1, '{\"lr\":0.1}')");
    expect(() => v8.db.exec("UPDATE sweeps SET strategy = 'tpe'")).toThrow(/CHECK constraint failed/);
    v8.db.close();
    const store = SqliteStore.open({ path, explicit: true });
    expect(await store.sweeps.get(1)).toMatchObject({ name: 'old', strategy: 'asha', asha: { min_epochs: 1 }, warm_start: null, warm_start_runs: [], trials: [{ params: { lr: 0.1 } }] });
    const warmStart = { from: 'sweep 1', runs: [{ run_id: 4, params: { lr: 0.1 }, value: 0.5 }] };
    const id = await store.sweeps.create({ name: '', experiment: 'default', strategy: 'tpe', space: [{ name: 'lr', distribution: 'loguniform(0.001,1)' }], fixed: {}, objective: { metric: 'val_loss', direction: 'min' }, trials: [{}], seed: 1, parallel: 1, asha: null, warmStart });
    expect(await store.sweeps.get(id)).toMatchObject({ strategy: 'tpe', warm_start: { from: 'sweep 1', runs: 1 }, warm_start_runs: warmStart.runs, trials: [{ params: {} }] });
    expect(() => store.connection.exec("UPDATE sweeps SET strategy = 'bayes'")).toThrow(/CHECK constraint failed/);
    store.close();
  });

  it('mark a Runboard database with its application id', () => {
    const opened = openDatabase({ path: join(tempDir(), 'mine.db'), explicit: true });
    expect(opened.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    opened.db.close();
  });

  it('refuse a path in a folder that does not exist, creating nothing', () => {
    const folder = join(tempDir(), 'missing');
    expect(() => SqliteStore.open({ path: join(folder, 'x.db'), explicit: true })).toThrow(/does not exist/);
    expect(existsSync(folder)).toBe(false);
  });

  it('create the default data folder when the path was not given by the user', () => {
    const path = join(tempDir(), 'data', 'runboard', 'runboard.db');
    SqliteStore.open({ path, explicit: false }).close();
    expect(existsSync(path)).toBe(true);
  });

  it('refuse a truncated database with advice, leaving it unchanged', () => {
    const path = join(tempDir(), 'cut.db');
    const store = SqliteStore.open({ path, explicit: true });
    store.connection.exec('CREATE TABLE filler (x TEXT); ' + Array.from({ length: 200 }, (_, i) => `INSERT INTO filler VALUES ('${'x'.repeat(500)}${i}');`).join(''));
    store.connection.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const bytes = readFileSync(path);
    writeFileSync(path, Buffer.concat([bytes.subarray(0, 4096), Buffer.alloc(4096, 0xab)]));
    const before = sha(path);
    expect(() => {
      const reopened = SqliteStore.open({ path, explicit: true });
      reopened.connection.prepare('SELECT count(*) FROM filler').get();
      reopened.close();
    }).toThrow(/damaged|not a Runboard database|malformed/);
    expect(sha(path)).toBe(before);
  });

  it('roll a failing migration back entirely and keep a backup of the file as it was', () => {
    const path = join(tempDir(), 'old.db');
    openDatabase({ path, explicit: true, }, { migrations: MIGRATIONS.slice(0, 1) }).db.close();
    const failing: Migration = {
      version: 2,
      description: 'adds a column, then fails',
      up(db) {
        db.exec('ALTER TABLE runs ADD COLUMN half_done TEXT');
        throw new Error('simulated failure');
      },
    };
    expect(() => openDatabase({ path, explicit: true }, { migrations: [...MIGRATIONS.slice(0, 1), failing] })).toThrow(/Migration 2 .* failed: simulated failure.*schema version 1/);
    const db = new BetterSqlite3(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect((db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name)).not.toContain('half_done');
    db.close();
    expect(readdirSync(join(path, '..')).some((f) => f.startsWith('old.db.backup-v1-'))).toBe(true);
  });
});
