/**
 * What the store keeps of a run and gives back (`store/sqlite-store.ts`, `store/postgres/postgres-store.ts`,
 * `store/run-summaries.ts`): its name, params, lineage and sweep trial; its end, outcome and artifacts; the summary
 * the runs table reads; the metric series; the column names; and the store's own life (closing, writes after close,
 * other processes' writes).
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { CreateRunInput, RunStore } from '../../src-main/store/run-store';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import type { RunOutcome } from '../../src-shared/entities/run';
import { describeStores } from '../helpers/stores';
import { useTempDir } from '../helpers/temp';

const newRun = (store: RunStore, overrides: Partial<CreateRunInput> = {}) =>
  store.createRun({ experiment: 'default', config: { dataset: 'iris' }, params: {}, seed: 1, backend: 'auto', ...overrides });

describeStores('run records', ({ open: openStore, location, sql, refuseKey }) => {
  /** The first row a statement reads. */
  const row = async (store: RunStore, text: string) => (await sql(store, text))[0];

  describe('creating a run', () => {
    it('names a run after its dataset and id, or "run" and its id, unless given a name (trimmed)', async () => {
      const store = await openStore();
      const named = await newRun(store, { name: '  baseline  ', dataset: 'iris' });
      const blank = await newRun(store, { name: '   ', dataset: 'digits' });
      const bare = await newRun(store);
      expect([named.name, blank.name, bare.name]).toEqual(['baseline', `digits-${blank.run_id}`, `run-${bare.run_id}`]);
    });

    it("names a sweep's trial after its sweep and trial, and makes it the trial's latest run", async () => {
      const store = await openStore();
      const sweepId = await store.sweeps.create({ name: 's', experiment: 'default', strategy: 'grid', space: [], fixed: {}, objective: { metric: 'val_loss', direction: 'min' }, trials: [{}, {}], seed: 1, parallel: 1, asha: null });
      const trial = await newRun(store, { sweep: { sweepId, trial: 2 }, dataset: 'iris' });
      expect(trial).toMatchObject({ name: `sweep${sweepId}-trial2`, sweep_id: sweepId, trial: 2 });
      expect((await store.sweeps.get(sweepId))?.trials.map((t) => t.run_id)).toEqual([null, trial.run_id]);
    });

    it('records its experiment, kind (train unless said), requested backend, seed, parent and creation time', async () => {
      const store = await openStore();
      const before = Date.now();
      const parent = await newRun(store);
      const child = await newRun(store, { experiment: 'fine-tuning', kind: 'sanity', backend: 'wasm', seed: 99, parentRunId: parent.run_id });
      expect(parent).toMatchObject({ kind: 'train', parent_run_id: null, experiment: 'default', backend: 'auto', seed: 1 });
      expect(child).toMatchObject({ kind: 'sanity', parent_run_id: parent.run_id, experiment: 'fine-tuning', backend: 'wasm', seed: 99, status: 'queued', started_at: null, ended_at: null, duration_s: null });
      expect(child.created_at).toBeGreaterThanOrEqual(before);
      expect(child.created_at).toBeLessThanOrEqual(Date.now());
    });

    it('refuses a parent run that does not exist, writing nothing', async () => {
      const store = await openStore();
      await expect(newRun(store, { parentRunId: 41 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Parent run 41 does not exist.' });
      expect(await store.listRuns()).toEqual([]);
    });

    it('stores each param with its type, and reads back numbers, text, booleans and nulls as they were', async () => {
      const store = await openStore();
      const run = await newRun(store, { params: { lr: 0.5, hidden: '16,8', nesterov: true, augment: false, note: null, count: 0 } });
      expect(run.params).toEqual({ lr: 0.5, hidden: '16,8', nesterov: true, augment: false, note: null, count: 0 });
      const rows = await sql(store, 'SELECT key, type, num_value, text_value FROM params WHERE run_id = ? ORDER BY key', [run.run_id]);
      expect(rows).toEqual([
        { key: 'augment', type: 'boolean', num_value: 0, text_value: null },
        { key: 'count', type: 'number', num_value: 0, text_value: null },
        { key: 'hidden', type: 'string', num_value: null, text_value: '16,8' },
        { key: 'lr', type: 'number', num_value: 0.5, text_value: null },
        { key: 'nesterov', type: 'boolean', num_value: 1, text_value: null },
        { key: 'note', type: 'null', num_value: null, text_value: null },
      ]);
    });
  });

  describe('ending a run', () => {
    const outcome: RunOutcome = {
      stop_reason: 'early_stopping',
      best_epoch: 3,
      restored_best: true,
      frozen_layers: [0],
      output_layer_replaced: false,
      checkpoint: { final: true, best: true },
      train_size: 100,
      val_size: 20,
      test_size: null,
    };

    it('records its status, end time, error and outcome', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await store.markRunning(run_id, { backend: 'wasm', device: 'cpu', time: 1_000 });
      await store.endRun(run_id, { status: 'failed', time: 4_000, error: 'out of memory', outcome });
      expect(await store.getRun(run_id)).toMatchObject({ status: 'failed', ended_at: 4_000, error: 'out of memory', outcome, duration_s: 3 });
      const plain = await newRun(store);
      await store.endRun(plain.run_id, { status: 'stopped', time: 5 });
      expect(await store.getRun(plain.run_id)).toMatchObject({ status: 'stopped', error: null, outcome: null });
    });

    it('gives a run stopped before it started no duration', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await store.endRun(run_id, { status: 'stopped', time: 5_000 });
      expect(await store.getRun(run_id)).toMatchObject({ status: 'stopped', started_at: null, ended_at: 5_000, duration_s: null });
    });

    it('measures a running run up to now, and never a negative duration', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      const started = Date.now() - 60_000;
      await store.markRunning(run_id, { backend: 'wasm', device: 'cpu', time: started });
      const duration = (await store.getRun(run_id))?.duration_s ?? 0;
      expect(duration).toBeGreaterThanOrEqual(60);
      expect(duration).toBeLessThan(120);
      const early = await newRun(store);
      await store.markRunning(early.run_id, { backend: 'wasm', device: 'cpu', time: 10_000 });
      await store.endRun(early.run_id, { status: 'finished', time: 9_000 });
      expect((await store.getRun(early.run_id))?.duration_s).toBe(0);
    });
  });

  describe('artifacts', () => {
    it('keeps one JSON value per name, the latest written, and reads nothing for a name never written', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await store.putArtifact(run_id, 'evaluation-val', { accuracy: 0.5 });
      await store.putArtifact(run_id, 'evaluation-val', { accuracy: 0.75 });
      await store.putArtifact(run_id, 'histograms', [1, 2]);
      expect(await store.getArtifact(run_id, 'evaluation-val')).toEqual({ accuracy: 0.75 });
      expect(await store.getArtifact(run_id, 'histograms')).toEqual([1, 2]);
      expect(await store.getArtifact(run_id, 'evaluation-test')).toBeNull();
    });
  });

  describe('reading runs', () => {
    it('reads nothing for a run that does not exist', async () => {
      const store = await openStore();
      expect(await store.getRun(5)).toBeNull();
    });

    it("lists a sweep's runs, or chosen runs, newest first, leaving deleted runs out", async () => {
      const store = await openStore();
      const sweepId = await store.sweeps.create({ name: 's', experiment: 'default', strategy: 'grid', space: [], fixed: {}, objective: { metric: 'val_loss', direction: 'min' }, trials: [{}, {}], seed: 1, parallel: 1, asha: null });
      const loose = await newRun(store);
      const first = await newRun(store, { sweep: { sweepId, trial: 1 } });
      const second = await newRun(store, { sweep: { sweepId, trial: 2 } });
      expect((await store.listRuns({ sweepId })).map((r) => r.run_id)).toEqual([second.run_id, first.run_id]);
      expect((await store.listRuns({ runIds: [loose.run_id, second.run_id] })).map((r) => r.run_id)).toEqual([second.run_id, loose.run_id]);
      expect(await store.listRuns({ runIds: [] })).toEqual([]);
      await store.endRun(loose.run_id, { status: 'finished', time: 1 });
      await store.annotations.delete([loose.run_id]);
      expect((await store.listRuns()).map((r) => r.run_id)).toEqual([second.run_id, first.run_id]);
      expect(await store.getRun(loose.run_id)).toMatchObject({ deleted: true, archived: false });
    });

    it('summarises metrics: final value, best only for results (not lr), and epochs as the last step logged', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await store.logEpoch(run_id, { step: 1, time: 1, metrics: { val_accuracy: 0.6, val_loss: 0.9, lr: 0.1 } });
      await store.logEpoch(run_id, { step: 2, time: 2, metrics: { val_accuracy: 0.8, val_loss: 0.5, lr: 0.05 } });
      await store.logEpoch(run_id, { step: 3, time: 3, metrics: { val_accuracy: 0.7, val_loss: NaN } });
      const run = await store.getRun(run_id);
      expect(run).toMatchObject({ metrics: { val_accuracy: 0.7, val_loss: 'NaN', lr: 0.05 }, best: { val_accuracy: 0.8, val_loss: 0.5 }, epochs: 3 });
      expect(run?.best).not.toHaveProperty('lr');
    });

    it('counts as epochs the last step of the metric logged longest, whichever its name', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      for (const step of [1, 2, 3]) await store.logEpoch(run_id, { step, time: step, metrics: { a_loss: 1 / step } });
      await store.logEpoch(run_id, { step: 1, time: 4, metrics: { z_once: 1 } });
      expect((await store.getRun(run_id))?.epochs).toBe(3);
    });

    it('reads back infinities and NaN in summaries as the strings JSON can carry', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await store.logEpoch(run_id, { step: 1, time: 1, metrics: { up: Infinity, down: -Infinity, nan: NaN } });
      const run = await store.getRun(run_id);
      expect(run?.metrics).toEqual({ up: 'Infinity', down: '-Infinity', nan: 'NaN' });
      expect(run?.best).toEqual({});
    });

    it('lists the param, metric and tag names runs have logged, sorted, including names new since the last look', async () => {
      const store = await openStore();
      const a = await newRun(store, { params: { lr: 0.1, batch_size: 8 } });
      await store.logEpoch(a.run_id, { step: 1, time: 1, metrics: { val_loss: 1, train_loss: 1 } });
      await store.annotations.setTags(a.run_id, { stage: 'x', owner: 'y' });
      expect(await store.columns()).toEqual({ params: ['batch_size', 'lr'], metrics: ['train_loss', 'val_loss'], tags: ['owner', 'stage'] });
      const b = await newRun(store, { params: { dropout: 0.5 } });
      await store.logEpoch(b.run_id, { step: 1, time: 1, metrics: { accuracy: 1 } });
      expect(await store.columns()).toEqual({ params: ['batch_size', 'dropout', 'lr'], metrics: ['accuracy', 'train_loss', 'val_loss'], tags: ['owner', 'stage'] });
    });
  });

  describe('metric series', () => {
    it("reads every key of each run, in key order, when no keys are named, with each point's step, value and time", async () => {
      const store = await openStore();
      const a = await newRun(store);
      const b = await newRun(store);
      await store.logEpoch(a.run_id, { step: 1, time: 10, metrics: { val_loss: 0.5, acc: 0.1 } });
      await store.logEpoch(a.run_id, { step: 2, time: 20, metrics: { val_loss: 0.4 } });
      await store.logEpoch(b.run_id, { step: 1, time: 30, metrics: { z: 1 } });
      expect(await store.getMetrics([a.run_id, b.run_id], undefined, 100)).toEqual([
        { run_id: a.run_id, key: 'acc', points: [{ step: 1, value: 0.1, time: 10 }], downsampled: false },
        { run_id: a.run_id, key: 'val_loss', points: [{ step: 1, value: 0.5, time: 10 }, { step: 2, value: 0.4, time: 20 }], downsampled: false },
        { run_id: b.run_id, key: 'z', points: [{ step: 1, value: 1, time: 30 }], downsampled: false },
      ]);
    });

    it('leaves out a named key a run never logged', async () => {
      const store = await openStore();
      const a = await newRun(store);
      await store.logEpoch(a.run_id, { step: 1, time: 1, metrics: { val_loss: 0.5 } });
      expect((await store.getMetrics([a.run_id], ['val_loss', 'val_accuracy'], 100)).map((s) => s.key)).toEqual(['val_loss']);
    });
  });

  describe('logging points', () => {
    it('resolves at once for an empty batch', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await expect(store.logBatch(run_id, [])).resolves.toBeUndefined();
      expect((await store.getRun(run_id))?.epochs).toBe(0);
    });

    it('refuses a step that is not a whole number, naming the metric', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await expect(store.logBatch(run_id, [{ key: 'loss', step: 1.5, value: 1, time: 1 }])).rejects.toMatchObject({ code: 'BAD_INPUT', message: 'Metric "loss": step must be a whole number from 1; got 1.5.' });
    });

    it('keeps min and max over finite values only, whatever order the steps come in', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await store.logBatch(run_id, [
        { key: 'loss', step: 3, value: NaN, time: 3 },
        { key: 'loss', step: 1, value: 0.7, time: 1 },
        { key: 'loss', step: 2, value: 0.2, time: 2 },
        { key: 'loss', step: 4, value: Infinity, time: 4 },
        { key: 'loss', step: 5, value: 0.5, time: 5 },
      ]);
      expect(await row(store, "SELECT last_step, last_value, min_value, max_value, count FROM metric_summaries WHERE key = 'loss'")).toEqual({ last_step: 5, last_value: 0.5, min_value: 0.2, max_value: 0.7, count: 5 });
      await store.logBatch(run_id, [{ key: 'loss', step: 2, value: 0.1, time: 6 }, { key: 'loss', step: 1, value: 0.9, time: 7 }]);
      // A rewrite of an earlier step does not make it the last value.
      expect(await row(store, "SELECT last_step, last_value, min_value, max_value FROM metric_summaries WHERE key = 'loss'")).toEqual({ last_step: 5, last_value: 0.5, min_value: 0.1, max_value: 0.9 });
    });

    it('takes as last value the point of the highest step, the later one when a batch logs a step twice (both points kept, as MLflow does)', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await store.logBatch(run_id, [{ key: 'loss', step: 2, value: 0.3, time: 1 }, { key: 'loss', step: 1, value: 0.9, time: 2 }]);
      await store.logBatch(run_id, [{ key: 'acc', step: 1, value: 0.5, time: 1 }, { key: 'acc', step: 1, value: 0.6, time: 2 }]);
      expect(await sql(store, 'SELECT key, last_step, last_value FROM metric_summaries ORDER BY key')).toEqual([
        { key: 'acc', last_step: 1, last_value: 0.6 },
        { key: 'loss', last_step: 2, last_value: 0.3 },
      ]);
      expect((await store.getMetrics([run_id], ['acc'], null))[0]?.points.map((p) => p.value)).toEqual([0.5, 0.6]);
    });

    it('keeps the highest value below zero when the first point is not finite', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await store.logBatch(run_id, [{ key: 'delta', step: 1, value: NaN, time: 1 }, { key: 'delta', step: 2, value: -0.5, time: 2 }, { key: 'delta', step: 3, value: -0.7, time: 3 }]);
      expect(await row(store, "SELECT min_value, max_value FROM metric_summaries WHERE key = 'delta'")).toEqual({ min_value: -0.7, max_value: -0.5 });
    });

    it('keeps the last value of a batch whose first point is not finite', async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await store.logBatch(run_id, [{ key: 'loss', step: 1, value: -Infinity, time: 1 }, { key: 'loss', step: 2, value: 0.3, time: 2 }]);
      expect(await row(store, "SELECT last_value, last_special, min_value, max_value FROM metric_summaries WHERE key = 'loss'")).toEqual({ last_value: 0.3, last_special: null, min_value: 0.3, max_value: 0.3 });
    });

    it("turns the database's failure of one batch into an error that says what happened, while the others commit", async () => {
      const store = await openStore();
      const { run_id } = await newRun(store);
      await refuseKey(store, 'metrics', 'boom');
      const results = await Promise.allSettled([store.logEpoch(run_id, { step: 1, time: 1, metrics: { boom: 1 } }), store.logEpoch(run_id, { step: 1, time: 1, metrics: { fine: 1 } })]);
      expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'INTERNAL', message: `Database error on ${store.path}: boom refused` } });
      expect(results[1]?.status).toBe('fulfilled');
      expect((await store.getRun(run_id))?.metrics).toEqual({ fine: 1 });
    });
  });

  describe('the store itself', () => {
    it('writes pending points when closed, can be closed twice, and refuses writes once closed', async () => {
      const where = await location();
      const store = await openStore(where);
      const { run_id } = await newRun(store);
      const pending = store.logEpoch(run_id, { step: 1, time: 1, metrics: { loss: 1 } });
      await store.close();
      await expect(pending).resolves.toBeUndefined();
      await expect(Promise.resolve(store.close())).resolves.toBeUndefined();
      await expect(store.markRunning(run_id, { backend: 'wasm', device: 'cpu', time: 1 })).rejects.toMatchObject({ code: 'INTERNAL', message: 'The database is closed.' });
      const reopened = await openStore(where);
      expect((await reopened.getRun(run_id))?.epochs).toBe(1);
    });

    it('marks orphaned runs as interrupted on request, and returns their ids, leaving other machines\' runs alone', async () => {
      const store = await openStore();
      const orphan = await newRun(store);
      const mine = await newRun(store);
      const elsewhere = await newRun(store);
      await store.markRunning(orphan.run_id, { backend: 'wasm', device: 'cpu', time: 50 });
      // No owner at all: whatever machine it names, nothing can still be running it.
      await sql(store, "UPDATE runs SET owner_pid = NULL, owner_host = 'another-machine' WHERE id = ?", [orphan.run_id]);
      // A pid that is not alive here says nothing about a process on another machine.
      await sql(store, "UPDATE runs SET owner_pid = 4194305, owner_host = 'another-machine' WHERE id = ?", [elsewhere.run_id]);
      expect(await store.recoverInterruptedRuns()).toEqual([orphan.run_id]);
      expect((await store.getRun(elsewhere.run_id))?.status).toBe('queued');
      expect(await store.getRun(orphan.run_id)).toMatchObject({ status: 'interrupted', ended_at: 50, error: 'The process that ran it (pid ?) ended before the run did.' });
      expect((await store.getRun(mine.run_id))?.status).toBe('queued');
      expect(await store.recoverInterruptedRuns()).toEqual([]);
    });
  });
});

describe('the SQLite store', () => {
  const tempDir = useTempDir();

  it('changes its data version when another connection commits, not for its own writes', async () => {
    const store = SqliteStore.open({ path: join(tempDir(), 'runs.db'), explicit: true });
    try {
      const before = store.dataVersion();
      await newRun(store);
      expect(store.dataVersion()).toBe(before);
      const other = new BetterSqlite3(store.path);
      other.prepare("INSERT INTO experiments (name, created_at) VALUES ('elsewhere', 1)").run();
      other.close();
      expect(store.dataVersion()).not.toBe(before);
    } finally {
      store.close();
    }
  });
});
