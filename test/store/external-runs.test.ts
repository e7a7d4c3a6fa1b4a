import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openCore } from '../../src-main/core';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src-main/store/migrations';
import { openDatabase } from '../../src-main/store/open-database';
import type { ImportedRun } from '../../src-main/store/run-store';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import type { RunSource } from '../../src-shared/entities/run';
import { describeStores } from '../helpers/stores';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();
const script: RunSource = { type: 'mlflow-api', location: 'train.py', original_id: null, user: 'ana', imported_at: null };

describe('migration 6: external runs and steps from 0', () => {
  it('upgrades a version-5 database, keeping its runs, kinds, metrics and summaries', async () => {
    const path = join(tempDir(), 'v5.db');
    const v5 = openDatabase({ path, explicit: true }, { migrations: MIGRATIONS.slice(0, 5) });
    v5.db.prepare("INSERT INTO runs (experiment_id, name, status, kind, config, created_at) VALUES (1, 'check', 'finished', 'sanity', '{}', 1)").run();
    v5.db.prepare("INSERT INTO metrics (run_id, key, step, value, special, wall_time) VALUES (1, 'loss', 1, 0.5, NULL, 100), (1, 'loss', 2, NULL, 'NaN', 200)").run();
    v5.db.prepare("INSERT INTO metric_summaries (run_id, key, last_step, last_value, last_special, min_value, max_value, count) VALUES (1, 'loss', 2, NULL, 'NaN', 0.5, 0.5, 2)").run();
    expect(() => v5.db.prepare("INSERT INTO metrics (run_id, key, step, value, wall_time) VALUES (1, 'loss', 0, 1, 1)").run()).toThrow(/CHECK/);
    v5.db.close();

    const store = SqliteStore.open({ path, explicit: true });
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    const [run] = await store.listRuns();
    expect(run).toMatchObject({ name: 'check', kind: 'sanity', source: null, metrics: { loss: 'NaN' }, epochs: 2 });
    const [series] = await store.getMetrics([run!.run_id], ['loss'], null);
    expect(series!.points).toEqual([
      { step: 1, value: 0.5, time: 100 },
      { step: 2, value: 'NaN', time: 200 },
    ]);
    expect((await store.runRecords([run!.run_id]))[0]!.latest).toEqual([{ key: 'loss', value: 'NaN', step: 2, time: 200 }]);
    // Step 0 and the external kind are allowed now.
    expect(() => store.connection.prepare("INSERT INTO metrics (run_id, key, step, value, wall_time) VALUES (1, 'loss', 0, 2, 50)").run()).not.toThrow();
    expect(() => store.connection.prepare("UPDATE runs SET kind = 'external' WHERE id = 1").run()).not.toThrow();
    expect(() => store.connection.prepare("UPDATE runs SET kind = 'other' WHERE id = 1").run()).toThrow(/CHECK/);
    store.close();
  });

  it('still refuses a database from a newer version, unchanged', () => {
    const path = join(tempDir(), 'future.db');
    const db = new BetterSqlite3(path);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => SqliteStore.open({ path, explicit: true })).toThrow(`newer version of Runboard (schema version ${LATEST_SCHEMA_VERSION + 1}; this version knows up to ${LATEST_SCHEMA_VERSION})`);
  });
});

describe('a silent external run, found by the core', () => {
  it('is found by the core when it opens, after the timeout it was given', async () => {
    const path = join(tempDir(), 'silent.db');
    const store = SqliteStore.open({ path, explicit: true });
    const run = await store.createExternalRun({ experiment: 'e', source: script, startTime: 1 });
    store.close();
    const kept = await openCore({ db: { path, explicit: true }, host: 'cli', silentRunMs: 60 * 60_000 });
    expect((await kept.store.getRun(run.run_id))?.status).toBe('running');
    await kept.dispose();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const core = await openCore({ db: { path, explicit: true }, host: 'cli', silentRunMs: 10 });
    expect((await core.store.getRun(run.run_id))?.status).toBe('interrupted');
    await core.dispose();
  });
});

describeStores('external runs', ({ open, location, sql }) => {
  describe('external runs', () => {
    it('are created running, of kind external, with their source, and no owning process', async () => {
      const where = await location();
      const store = await open(where);
      const run = await store.createExternalRun({ experiment: 'course', name: 'mlp', source: script, startTime: 1_000, tags: { 'mlflow.user': 'ana' } });
      expect(run).toMatchObject({ kind: 'external', status: 'running', experiment: 'course', name: 'mlp', started_at: 1_000, created_at: 1_000, source: script, tags: { 'mlflow.user': 'ana' } });
      // Opening the database again does not take it for a run whose process died.
      await store.close();
      const again = await open(where);
      expect((await again.getRun(run.run_id))?.status).toBe('running');
    });

    it('keep every param as logged and type it: a numeric param filters and sorts as a number', async () => {
      const store = await open();
      const a = await store.createExternalRun({ experiment: 'e', name: 'a', source: script, startTime: 1 });
      const b = await store.createExternalRun({ experiment: 'e', name: 'b', source: script, startTime: 2 });
      await store.logExternal(a.run_id, { params: [{ key: 'lr', text: '1e-3' }, { key: 'optimizer', text: 'sgd' }, { key: 'nesterov', text: 'True' }] }, 10);
      await store.logExternal(b.run_id, { params: [{ key: 'lr', text: '0.01' }, { key: 'optimizer', text: 'adam' }, { key: 'nesterov', text: 'False' }] }, 10);
      expect((await store.getRun(a.run_id))?.params).toEqual({ lr: 0.001, optimizer: 'sgd', nesterov: true });
      expect((await store.runRecords([a.run_id]))[0]!.params).toEqual({ lr: '1e-3', optimizer: 'sgd', nesterov: 'True' });
      const names = async (filter: string, sort?: { column: string; direction: 'asc' | 'desc' }) => (await store.queryRuns({ filter, sort, offset: 0, limit: 10 })).runs.map((r) => r.name);
      expect(await names('params.lr > 0.005')).toEqual(['b']);
      expect(await names('', { column: 'params.lr', direction: 'asc' })).toEqual(['a', 'b']);
      expect(await names('params.nesterov = true')).toEqual(['a']);
    });

    it('refuse a changed param, writing nothing of that call; the same value again is fine', async () => {
      const store = await open();
      const run = await store.createExternalRun({ experiment: 'e', source: script, startTime: 1 });
      await store.logExternal(run.run_id, { params: [{ key: 'lr', text: '0.01' }] }, 10);
      await store.logExternal(run.run_id, { params: [{ key: 'lr', text: '0.01' }] }, 11);
      await expect(
        store.logExternal(run.run_id, { metrics: [{ key: 'loss', step: 0, value: 1, time: 5 }], tags: { t: 'x' }, params: [{ key: 'lr', text: '0.02' }] }, 12),
      ).rejects.toThrow(/Changing param values is not allowed. Param with key='lr' was already logged with value='0.01'.*new value '0.02'/);
      const after = await store.getRun(run.run_id);
      expect(after).toMatchObject({ params: { lr: 0.01 }, tags: {}, metrics: {} });
    });

    it('log steps from 0, every value of a step with its time, and a replayed batch adds nothing', async () => {
      const store = await open();
      const run = await store.createExternalRun({ experiment: 'e', source: script, startTime: 1 });
      const batch = [
        { key: 'loss', step: 0, value: 1.5, time: 100 },
        { key: 'loss', step: 0, value: 1.25, time: 101 },
        { key: 'loss', step: 1, value: NaN, time: 102 },
        { key: 'loss', step: 2, value: 0.5, time: 103 },
      ];
      await store.logExternal(run.run_id, { metrics: batch }, 200);
      await store.logExternal(run.run_id, { metrics: batch }, 201);
      const [series] = await store.getMetrics([run.run_id], ['loss'], null);
      expect(series!.points).toEqual([
        { step: 0, value: 1.5, time: 100 },
        { step: 0, value: 1.25, time: 101 },
        { step: 1, value: 'NaN', time: 102 },
        { step: 2, value: 0.5, time: 103 },
      ]);
      expect((await store.getRun(run.run_id))).toMatchObject({ metrics: { loss: 0.5 }, best: { loss: 0.5 } });
      expect((await store.runRecords([run.run_id]))[0]!.latest).toEqual([{ key: 'loss', value: 0.5, step: 2, time: 103 }]);
      await expect(store.logExternal(run.run_id, { metrics: [{ key: 'loss', step: -1, value: 1, time: 1 }] }, 1)).rejects.toThrow(/step must be a whole number from 0/);
    });

    it('take status, end time and name changes, back and forth', async () => {
      const store = await open();
      const run = await store.createExternalRun({ experiment: 'e', source: script, startTime: 1 });
      expect(await store.updateExternalRun(run.run_id, { status: 'finished', endTime: 500, name: 'renamed' }, 500)).toMatchObject({ status: 'finished', ended_at: 500, name: 'renamed' });
      expect(await store.updateExternalRun(run.run_id, { status: 'running' }, 600)).toMatchObject({ status: 'running', ended_at: null });
      expect(await store.updateExternalRun(run.run_id, { status: 'stopped' }, 700)).toMatchObject({ status: 'stopped', ended_at: 700 });
      await expect(store.updateExternalRun(9999, { status: 'finished' }, 1)).rejects.toThrow(/Run 9999 does not exist/);
    });

    it("are the only runs that take points and params; tags go on any run", async () => {
      const store = await open();
      const trained = await store.createRun({ experiment: 'default', config: {}, params: { lr: 0.1 }, seed: 1, backend: 'wasm' });
      await expect(store.logExternal(trained.run_id, { metrics: [{ key: 'x', step: 0, value: 1, time: 1 }] }, 1)).rejects.toThrow(/trained by Runboard/);
      await expect(store.updateExternalRun(trained.run_id, { status: 'finished' }, 1)).rejects.toThrow(/trained by Runboard/);
      await store.logExternal(trained.run_id, { tags: { note: 'seen from mlflow' } }, 1);
      expect((await store.getRun(trained.run_id))?.tags).toEqual({ note: 'seen from mlflow' });
      // Runboard's own typed params read as text too.
      expect((await store.runRecords([trained.run_id]))[0]!.params).toEqual({ lr: '0.1' });
      await store.logExternal(trained.run_id, { deleteTags: ['note'] }, 2);
      await expect(store.logExternal(trained.run_id, { deleteTags: ['note'] }, 3)).rejects.toThrow(/has no tag "note"/);
    });
  });

  describe('a silent external run', () => {
    it('becomes interrupted once its script is silent for longer than the timeout, and runs again when it calls in', async () => {
      const store = await open();
      const base = Date.now();
      const quiet = await store.createExternalRun({ experiment: 'e', source: script, startTime: base });
      const lively = await store.createExternalRun({ experiment: 'e', source: script, startTime: base });
      await store.logExternal(quiet.run_id, { metrics: [{ key: 'loss', step: 0, value: 1, time: base }] }, base);
      await store.logExternal(lively.run_id, { metrics: [{ key: 'loss', step: 0, value: 1, time: base }] }, base + 60_000);
      expect(await store.interruptSilentRuns(base + 30_000)).toEqual([quiet.run_id]);
      const interrupted = await store.getRun(quiet.run_id);
      expect(interrupted?.status).toBe('interrupted');
      expect(interrupted?.ended_at).toBeGreaterThanOrEqual(base);
      expect(interrupted?.ended_at).toBeLessThan(base + 30_000);
      expect(interrupted?.error).toMatch(/not heard from/);
      expect((await store.getRun(lively.run_id))?.status).toBe('running');
      await store.logExternal(quiet.run_id, { metrics: [{ key: 'loss', step: 1, value: 0.5, time: base + 90_000 }] }, base + 90_000);
      expect(await store.getRun(quiet.run_id)).toMatchObject({ status: 'running', ended_at: null, error: null });
    });
  });

  describe('importing a run', () => {
    const imported = (overrides: Partial<ImportedRun> = {}): ImportedRun => ({
      experiment: 'past',
      externalId: 'mlflow:abc',
      name: 'old run',
      source: { type: 'mlflow-file-store', location: '/data/mlruns', original_id: 'abc', user: 'bo', imported_at: 5 },
      status: 'finished',
      startTime: 100,
      endTime: 900,
      params: [{ key: 'lr', text: '0.1' }],
      tags: { version: 'v1' },
      metrics: [
        { key: 'acc', step: 0, value: 0.5, time: 200 },
        { key: 'acc', step: 1, value: 0.75, time: 300 },
      ],
      ...overrides,
    });

    it('writes it whole with its original times, once however often it is imported', async () => {
      const store = await open();
      expect(await store.importRun(imported())).toEqual({ runId: 1, created: true });
      expect(await store.importRun(imported())).toEqual({ runId: 1, created: false });
      expect(await store.listRuns()).toHaveLength(1);
      expect(await store.getRun(1)).toMatchObject({ kind: 'external', status: 'finished', started_at: 100, ended_at: 900, experiment: 'past', params: { lr: 0.1 }, tags: { version: 'v1' }, metrics: { acc: 0.75 } });
    });

    it('writes nothing of a run that fails midway', async () => {
      const store = await open();
      await expect(store.importRun(imported({ metrics: [{ key: 'acc', step: 0, value: 1, time: 1 }, { key: 'acc', step: 1.5, value: 1, time: 2 }] }))).rejects.toThrow(/step must be a whole number/);
      expect(await store.listRuns()).toEqual([]);
      expect(await sql(store, 'SELECT count(*) AS n FROM params')).toEqual([{ n: 0 }]);
    });
  });
});
