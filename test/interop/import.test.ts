import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { diskFullError } from '../../src-main/disk-full';
import { importRuns } from '../../src-main/interop/import';
import type { AppError } from '../../src-shared/api/errors';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { useTempDir } from '../helpers/temp';
import { eventFile } from './tfevents';

const tempDir = useTempDir();
const openStore = () => SqliteStore.open({ path: join(tempDir(), 'runboard.db'), explicit: true });

function write(path: string, text: string | Buffer): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

/** A small MLflow file store: experiment "course" with two runs, one of them deleted, and the Default experiment. */
function fileStore(): string {
  const root = join(tempDir(), 'mlruns');
  write(join(root, '0', 'meta.yaml'), "artifact_location: file:///x/0\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n");
  write(join(root, '5', 'meta.yaml'), "experiment_id: '5'\nlifecycle_stage: active\nname: course\ncreation_time: 1\n");
  const run = join(root, '5', 'aaaa1111');
  write(join(run, 'meta.yaml'), "run_id: aaaa1111\nrun_name: mlp\nexperiment_id: '5'\nstatus: 3\nstart_time: 1000\nend_time: 9000\nuser_id: ana\nlifecycle_stage: active\n");
  write(join(run, 'params', 'lr'), '0.01');
  write(join(run, 'params', 'nested', 'key'), 'x');
  write(join(run, 'tags', 'version'), 'v1');
  write(join(run, 'metrics', 'loss'), '1100 1.5 0\n1200 0.75 1\n1300 nan 2\n');
  write(join(run, 'metrics', 'old'), '1100 0.5\n');
  write(join(run, 'metrics', 'train', 'acc'), '1100 inf 0\n1200 -inf 1\n');
  const deleted = join(root, '5', 'bbbb2222');
  write(join(deleted, 'meta.yaml'), "run_id: bbbb2222\nrun_name: gone\nexperiment_id: '5'\nstatus: 4\nstart_time: 1000\nlifecycle_stage: deleted\n");
  write(join(root, '.trash', 'meta.yaml'), 'not: an experiment\n');
  return root;
}

describe('importing an MLflow file store', () => {
  it('brings its runs in with params, metrics (old two-field lines too), tags, times, status and source; once', async () => {
    const store = openStore();
    const root = fileStore();
    const summary = await importRuns(store, root);
    expect(summary).toMatchObject({ kind: 'mlflow-file-store', runs: 1, points: 6, failed: [], skipped: [{ name: join('5', 'bbbb2222'), reason: 'deleted in MLflow' }] });
    const [run] = await store.listRuns();
    expect(run).toMatchObject({
      name: 'mlp',
      experiment: 'course',
      kind: 'external',
      status: 'finished',
      started_at: 1000,
      ended_at: 9000,
      params: { lr: 0.01, 'nested/key': 'x' },
      tags: { version: 'v1' },
      metrics: { loss: 'NaN', old: 0.5, 'train/acc': '-Infinity' },
      source: { type: 'mlflow-file-store', location: root, original_id: 'aaaa1111', user: 'ana' },
    });
    const [loss] = await store.getMetrics([run!.run_id], ['loss'], null);
    expect(loss!.points).toEqual([
      { step: 0, value: 1.5, time: 1100 },
      { step: 1, value: 0.75, time: 1200 },
      { step: 2, value: 'NaN', time: 1300 },
    ]);
    const again = await importRuns(store, root);
    expect(again.runs).toBe(0);
    expect(again.skipped.map((s) => s.reason)).toEqual([`imported before (run ${run!.run_id})`, 'deleted in MLflow']);
    expect(await store.listRuns()).toHaveLength(1);
    store.close();
  });

  it("names a YAML file that is not MLflow's", async () => {
    const store = openStore();
    const root = join(tempDir(), 'notes');
    write(join(root, 'project', 'meta.yaml'), '- just\n- a list\n');
    await expect(importRuns(store, root)).rejects.toThrow(`Cannot import ${join(root, 'project', 'meta.yaml')}: not an MLflow meta.yaml: it holds no mapping of fields.`);
    write(join(root, 'project', 'meta.yaml'), 'title: my notes\n');
    await expect(importRuns(store, root)).rejects.toThrow(/project\/meta\.yaml: not an MLflow experiment's meta\.yaml: it has no experiment_id and name/);
    store.close();
  });

  it('reports a run whose metric file is damaged with its path and line, and imports the others', async () => {
    const store = openStore();
    const root = fileStore();
    const bad = join(root, '5', 'cccc3333');
    write(join(bad, 'meta.yaml'), "run_id: cccc3333\nrun_name: bad\nexperiment_id: '5'\nstatus: 3\nstart_time: 1000\nlifecycle_stage: active\n");
    write(join(bad, 'params', 'lr'), '0.5');
    write(join(bad, 'metrics', 'loss'), '1100 1.5 0\n1200 oops 1\n');
    const summary = await importRuns(store, root);
    expect(summary.runs).toBe(1);
    expect(summary.failed).toEqual([{ path: join(bad, 'metrics', 'loss'), message: 'line 2 is not "timestamp value step": "1200 oops 1"' }]);
    expect((await store.listRuns()).map((r) => r.name)).toEqual(['mlp']);
    expect(store.connection.prepare("SELECT count(*) FROM params WHERE text_value = '0.5'").pluck().get()).toBe(0);
    store.close();
  });
});

describe('importing an MLflow SQLite database', () => {
  function mlflowDb(): string {
    const path = join(tempDir(), 'mlflow.db');
    const db = new BetterSqlite3(path);
    db.exec(`
      CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT, artifact_location TEXT, lifecycle_stage TEXT, creation_time INTEGER, last_update_time INTEGER);
      CREATE TABLE runs (run_uuid TEXT PRIMARY KEY, name TEXT, source_type TEXT, source_name TEXT, entry_point_name TEXT, user_id TEXT, status TEXT, start_time INTEGER, end_time INTEGER, source_version TEXT, lifecycle_stage TEXT, artifact_uri TEXT, experiment_id INTEGER, deleted_time INTEGER);
      CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT);
      CREATE TABLE metrics (key TEXT, value REAL, timestamp INTEGER, run_uuid TEXT, step INTEGER, is_nan INTEGER);
      CREATE TABLE tags (key TEXT, value TEXT, run_uuid TEXT);
      INSERT INTO experiments VALUES (0, 'Default', '', 'active', 1, 1), (1, 'course', '', 'active', 1, 1);
      INSERT INTO runs VALUES ('r1', 'sgd-run', 'LOCAL', '', '', 'bo', 'KILLED', 100, 500, '', 'active', '', 0, NULL);
      INSERT INTO runs VALUES ('r2', 'gone', 'LOCAL', '', '', 'bo', 'FINISHED', 100, 500, '', 'deleted', '', 1, 5);
      INSERT INTO params VALUES ('optimizer', 'sgd', 'r1');
      INSERT INTO tags VALUES ('mlflow.user', 'bo', 'r1');
      INSERT INTO metrics VALUES ('acc', 0.5, 150, 'r1', 0, 0), ('acc', 0, 160, 'r1', 1, 1), ('acc', 1.7976931348623157e308, 170, 'r1', 2, 0);
    `);
    db.close();
    return path;
  }

  it('brings its runs in (NaN and infinities as MLflow logged them), into the default experiment for MLflow\'s Default; once', async () => {
    const store = openStore();
    const path = mlflowDb();
    expect(await importRuns(store, path)).toMatchObject({ kind: 'mlflow-sqlite', runs: 1, points: 3, skipped: [{ reason: 'deleted in MLflow' }], failed: [] });
    const [run] = await store.listRuns();
    expect(run).toMatchObject({ name: 'sgd-run', experiment: 'default', status: 'stopped', params: { optimizer: 'sgd' }, source: { type: 'mlflow-sqlite', original_id: 'r1', user: 'bo' } });
    expect((await store.getMetrics([run!.run_id], ['acc'], null))[0]!.points.map((p) => p.value)).toEqual([0.5, 'NaN', 'Infinity']);
    expect((await importRuns(store, path)).runs).toBe(0);
    expect(await store.listRuns()).toHaveLength(1);
    store.close();
  });

  it("names a database that is not MLflow's, and a file that is not a database", async () => {
    const store = openStore();
    const other = join(tempDir(), 'other.db');
    const db = new BetterSqlite3(other);
    db.exec('CREATE TABLE invoices (id INTEGER)');
    db.close();
    await expect(importRuns(store, other)).rejects.toThrow(`Cannot import ${other}: an SQLite database, but not an MLflow tracking database: it has no experiments table.`);
    // A Runboard database has experiments and runs too, but not MLflow's columns.
    await expect(importRuns(store, store.path)).rejects.toThrow(/but not an MLflow tracking database: its experiments table has no experiment_id/);
    const text = join(tempDir(), 'notes.db');
    writeFileSync(text, 'not a database at all, just text\n'.repeat(10));
    await expect(importRuns(store, text)).rejects.toThrow(new RegExp(`Cannot import ${text}: (not an SQLite database|cannot be opened)`));
    store.close();
  });
});

describe('importing TensorBoard event files', () => {
  function logFolder(): string {
    const root = join(tempDir(), 'logs');
    write(
      join(root, 'mlp', 'events.out.tfevents.100.host.1.0'),
      eventFile([
        { wallTime: 100.5, step: 0, values: [{ tag: 'loss/train', simple: 1.5 }, { tag: 'acc', float32: 0.25 }] },
        { wallTime: 101.5, step: 1, values: [{ tag: 'loss/train', simple: 0.75 }, { tag: 'acc', float32: 0.5, plugin: false, raw: true }, { tag: 'precise', float64: 0.1 }] },
        { wallTime: 102, step: 2, values: [{ tag: 'loss/train', simple: NaN }, { tag: 'precise', float64: 0.2, plugin: false, raw: true }] },
      ]),
    );
    // PyTorch's add_hparams writes its session into a subfolder of the run; add_scalars one folder per series.
    write(join(root, 'mlp', '1796664558.49', 'events.out.tfevents.103.host.1.3'), eventFile([{ wallTime: 103, step: 0, values: [{ tag: '_hparams_/session_start_info', hparams: { lr: 0.01, optimizer: 'sgd', nesterov: true } }, { tag: 'hparam/accuracy', simple: 0.875 }] }]));
    write(join(root, 'mlp', 'acc_val', 'events.out.tfevents.100.host.1.1'), eventFile([{ wallTime: 100.5, step: 0, values: [{ tag: 'acc', simple: 0.125 }] }]));
    write(join(root, 'cnn', 'events.out.tfevents.200.host.2.0'), eventFile([{ wallTime: 200, step: 5, values: [{ tag: 'loss', simple: 2 }] }]));
    return root;
  }

  it('reads simple_value and float and double tensor scalars, and the hparams session as params; one run per folder; once', async () => {
    const store = openStore();
    const root = logFolder();
    const summary = await importRuns(store, root);
    expect(summary).toMatchObject({ kind: 'tensorboard', runs: 2, points: 10, skipped: [], failed: [] });
    const runs = await store.listRuns();
    const mlp = runs.find((r) => r.name === 'mlp');
    expect(mlp).toMatchObject({
      experiment: 'logs',
      kind: 'external',
      status: 'finished',
      started_at: 100_500,
      ended_at: 103_000,
      params: { lr: 0.01, optimizer: 'sgd', nesterov: true },
      metrics: { 'loss/train': 'NaN', acc: 0.5, precise: 0.2, 'acc/val': 0.125, 'hparam/accuracy': 0.875 },
      source: { type: 'tensorboard', location: join(root, 'mlp'), original_id: 'events.out.tfevents.100.host.1.0' },
    });
    const series = Object.fromEntries((await store.getMetrics([mlp!.run_id], undefined, null)).map((s) => [s.key, s.points.map((p) => [p.step, p.value, p.time])]));
    expect(series['loss/train']).toEqual([[0, 1.5, 100_500], [1, 0.75, 101_500], [2, 'NaN', 102_000]]);
    expect(series['precise']).toEqual([[1, 0.1, 101_500], [2, 0.2, 102_000]]);
    expect(runs.find((r) => r.name === 'cnn')).toMatchObject({ metrics: { loss: 2 }, epochs: 5 });
    expect((await importRuns(store, root)).runs).toBe(0);
    expect(await store.listRuns()).toHaveLength(2);
    store.close();
  });

  it('reports a bad CRC and a truncated record with the file and record number, keeping the other runs whole', async () => {
    const store = openStore();
    const root = logFolder();
    const cnnFile = join(root, 'cnn', 'events.out.tfevents.200.host.2.0');
    const good = eventFile([{ wallTime: 200, step: 5, values: [{ tag: 'loss', simple: 2 }] }]);
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 6] = (corrupt[corrupt.length - 6] as number) ^ 0xff;
    writeFileSync(cnnFile, corrupt);
    let summary = await importRuns(store, root);
    expect(summary.failed).toEqual([{ path: cnnFile, message: 'record 2 has a bad CRC-32C on its data: the file is corrupt' }]);
    expect((await store.listRuns()).map((r) => r.name)).toEqual(['mlp']);
    writeFileSync(cnnFile, good.subarray(0, good.length - 3));
    summary = await importRuns(store, root);
    expect(summary.failed).toEqual([{ path: cnnFile, message: expect.stringMatching(/^record 2 is truncated/) }]);
    expect(await store.listRuns()).toHaveLength(1);
    expect(store.connection.prepare("SELECT count(*) FROM metrics WHERE key = 'loss'").pluck().get()).toBe(0);
    store.close();
  });

  it('names a folder with nothing to import, and a path that does not exist', async () => {
    const store = openStore();
    const empty = join(tempDir(), 'empty');
    write(join(empty, 'readme.txt'), 'hello');
    await expect(importRuns(store, empty)).rejects.toThrow(`Nothing to import in ${empty}: no MLflow file store`);
    await expect(importRuns(store, join(empty, 'missing'))).rejects.toThrow(`Nothing to import: ${join(empty, 'missing')} does not exist.`);
    store.close();
  });
});

describe('importing into a full disk', () => {
  it('stops at the run the disk could not take, saying how many were imported whole and how to go on; importing again completes it', async () => {
    const store = openStore();
    const root = join(tempDir(), 'mlruns');
    write(join(root, '0', 'meta.yaml'), "experiment_id: '0'\nlifecycle_stage: active\nname: Default\n");
    for (const id of ['run1', 'run2', 'run3']) {
      write(join(root, '0', id, 'meta.yaml'), `run_id: ${id}\nrun_name: ${id}\nexperiment_id: '0'\nstatus: 3\nstart_time: 1000\nlifecycle_stage: active\n`);
      write(join(root, '0', id, 'metrics', 'loss'), '1100 1.5 0\n1200 0.75 1\n');
    }
    // The disk fills after the first run: SQLite refuses the next as it does on a full disk.
    let allowed = 1;
    const full = new Proxy(store, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (name !== 'importRun' || typeof value !== 'function') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        return (...args: unknown[]) => (allowed-- > 0 ? (value as (...a: unknown[]) => unknown).apply(target, args) : Promise.reject(diskFullError(store.path, `the database ${store.path}`, 'SQLITE_FULL')));
      },
    });
    const stopped = await importRuns(full, root).then(
      () => null,
      (error: unknown) => error as AppError,
    );
    expect(stopped?.code).toBe('DISK_FULL');
    expect(stopped?.message).toBe(
      `The disk is full: the database ${store.path} could not be written to ${dirname(store.path)} (SQLITE_FULL). The import stopped at ${join('0', 'run2')}: ` +
        '1 run was imported whole before it; nothing of it or of the runs after it was written. Free some space there, then run the same import again: the runs imported already are skipped.',
    );
    expect((await store.listRuns()).map((run) => run.name)).toEqual(['run1']);
    expect(await importRuns(store, root)).toMatchObject({ runs: 2, failed: [] });
    store.close();
  });
});
