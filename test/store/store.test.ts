import { describe, expect, it } from 'vitest';
import { processStartTime } from '../../src-main/store/process-owner';
import type { CreateRunInput, RunStore } from '../../src-main/store/run-store';
import { describeStores } from '../helpers/stores';

const sampleRun = (store: RunStore, overrides: Partial<CreateRunInput> = {}) =>
  store.createRun({
    experiment: 'default',
    config: { dataset: 'iris', lr: 0.01 },
    params: { dataset: 'iris', lr: 0.01, hidden: '16,8', nesterov: false, note: null },
    seed: 7,
    backend: 'auto',
    dataset: 'iris',
    ...overrides,
  });

/** The RunStore contract, on every engine. */
describeStores('RunStore contract', ({ open: openStore, location, sql }) => {
  describe('runs', () => {
    it('has a default experiment in a new database', async () => {
      const store = await openStore();
      expect((await store.listExperiments()).map((e) => e.name)).toEqual(['default']);
    });

    it('writes every param with the run, typed, before any epoch', async () => {
      const store = await openStore();
      const run = await sampleRun(store);
      expect(run.status).toBe('queued');
      expect(run.name).toBe(`iris-${run.run_id}`);
      expect(run.params).toEqual({ dataset: 'iris', lr: 0.01, hidden: '16,8', nesterov: false, note: null });
      expect(run.epochs).toBe(0);
      const [numeric] = await sql(store, "SELECT type, num_value FROM params WHERE run_id = ? AND key = 'lr'", [run.run_id]);
      expect(numeric).toEqual({ type: 'number', num_value: 0.01 });
    });

    it('starts only a queued run: one that ended before its process reported (a trial handed on) keeps its end', async () => {
      const store = await openStore();
      const run = await sampleRun(store);
      await store.endRun(run.run_id, { status: 'interrupted', time: 50, error: 'handed on' });
      await store.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: 100 });
      expect(await store.getRun(run.run_id)).toMatchObject({ status: 'interrupted', error: 'handed on', started_at: null });
    });

    it('creates an experiment on first use and filters runs by it', async () => {
      const store = await openStore();
      await sampleRun(store, { experiment: 'sweep-a' });
      await sampleRun(store);
      expect((await store.listRuns({ experiment: 'sweep-a' })).map((r) => r.experiment)).toEqual(['sweep-a']);
      expect(await store.listRuns()).toHaveLength(2);
      expect((await store.listExperiments()).find((e) => e.name === 'sweep-a')?.run_count).toBe(1);
    });

    it('counts an experiment\'s runs without those in the trash, as the runs table shows them', async () => {
      const store = await openStore();
      const kept = await sampleRun(store, { experiment: 'counted' });
      const trashed = await sampleRun(store, { experiment: 'counted' });
      await store.endRun(trashed.run_id, { status: 'finished', time: 1 });
      expect(await store.annotations.delete([trashed.run_id])).toEqual([trashed.run_id]);
      expect((await store.listExperiments()).find((e) => e.name === 'counted')?.run_count).toBe(1);
      await store.annotations.restore([trashed.run_id]);
      expect((await store.listExperiments()).find((e) => e.name === 'counted')?.run_count).toBe(2);
      expect(kept.experiment).toBe('counted');
    });

    it('numbers the runs of a sweep trial: attempt 1, then 2 for its rerun after a resume; null outside sweeps', async () => {
      const store = await openStore();
      const sweepId = await store.sweeps.create({
        name: 'resumed',
        experiment: 'default',
        strategy: 'random',
        space: [{ name: 'lr', distribution: 'loguniform(1e-3,1e-1)' }],
        fixed: {},
        objective: { metric: 'val_accuracy', direction: 'max' },
        trials: [{ lr: 0.01 }, { lr: 0.02 }],
        seed: 1,
        parallel: 2,
        asha: null,
      });
      const first = await sampleRun(store, { sweep: { sweepId, trial: 1 } });
      const other = await sampleRun(store, { sweep: { sweepId, trial: 2 } });
      await store.endRun(first.run_id, { status: 'stopped', time: 1 });
      const rerun = await sampleRun(store, { sweep: { sweepId, trial: 1 } });
      const alone = await sampleRun(store);
      expect([first.attempt, other.attempt, rerun.attempt, alone.attempt]).toEqual([1, 1, 2, null]);
      const listed = await store.listRuns({ sweepId });
      expect(listed.map((r) => [r.trial, r.attempt, r.status])).toEqual([
        [1, 2, 'queued'],
        [2, 1, 'queued'],
        [1, 1, 'stopped'],
      ]);
    });

    it('records backend, device and times through the run lifecycle', async () => {
      const store = await openStore();
      const { run_id } = await sampleRun(store);
      await store.markRunning(run_id, { backend: 'wasm', device: 'CPU (WebAssembly SIMD, 1 thread)', time: 1_000 });
      await store.endRun(run_id, { status: 'finished', time: 3_500 });
      const run = await store.getRun(run_id);
      expect(run).toMatchObject({ status: 'finished', backend: 'wasm', device: 'CPU (WebAssembly SIMD, 1 thread)', started_at: 1_000, ended_at: 3_500, duration_s: 2.5 });
      expect(run?.config).toEqual({ dataset: 'iris', lr: 0.01 });
    });

    it('takes a stop request for a queued or running run, seen through any connection to it; none for one that ended', async () => {
      const where = await location();
      const store = await openStore(where);
      const other = await openStore(where);
      const { run_id } = await sampleRun(store);
      const ended = await sampleRun(store);
      await store.endRun(ended.run_id, { status: 'finished', time: 1 });
      expect(await store.stopRequested(run_id)).toBe(false);
      expect(await other.requestStop(run_id)).toBe(true);
      expect(await store.stopRequested(run_id)).toBe(true);
      expect(await other.requestStop(ended.run_id)).toBe(false);
      expect(await store.stopRequested(ended.run_id)).toBe(false);
      expect(await other.requestStop(9999)).toBe(false);
    });

    it('never changes the status of a run that has ended', async () => {
      const store = await openStore();
      const { run_id } = await sampleRun(store);
      await store.endRun(run_id, { status: 'stopped', time: 1 });
      await store.endRun(run_id, { status: 'failed', time: 2, error: 'late' });
      expect((await store.getRun(run_id))?.status).toBe('stopped');
    });
  });

  describe('metrics', () => {
    it('keeps final and best values: highest accuracy, lowest loss', async () => {
      const store = await openStore();
      const { run_id } = await sampleRun(store);
      await store.logEpoch(run_id, { step: 1, time: 10, metrics: { val_loss: 0.9, val_accuracy: 0.5 } });
      await store.logEpoch(run_id, { step: 2, time: 20, metrics: { val_loss: 0.4, val_accuracy: 0.8 } });
      await store.logEpoch(run_id, { step: 3, time: 30, metrics: { val_loss: 0.6, val_accuracy: 0.7 } });
      const [run] = await store.listRuns();
      expect(run?.metrics).toEqual({ val_loss: 0.6, val_accuracy: 0.7 });
      expect(run?.best).toEqual({ val_loss: 0.4, val_accuracy: 0.8 });
      expect(run?.epochs).toBe(3);
    });

    it('commits an epoch all or nothing', async () => {
      const store = await openStore();
      const { run_id } = await sampleRun(store);
      // The database refuses the second point (a key must not be null): the first is not kept either.
      await expect(
        store.logBatch(run_id, [
          { key: 'train_loss', step: 1, value: 0.5, time: 10 },
          { key: null as unknown as string, step: 1, value: 1, time: 10 },
        ]),
      ).rejects.toThrow();
      expect(await sql(store, 'SELECT count(*) AS n FROM metrics')).toEqual([{ n: 0 }]);
      expect(await sql(store, 'SELECT count(*) AS n FROM metric_summaries')).toEqual([{ n: 0 }]);
    });

    it('stores NaN and infinities and reads them back as such, never as null', async () => {
      const store = await openStore();
      const { run_id } = await sampleRun(store);
      await store.logEpoch(run_id, { step: 1, time: 10, metrics: { train_loss: 1.5 } });
      await store.logEpoch(run_id, { step: 2, time: 20, metrics: { train_loss: Infinity, grad: -Infinity } });
      await store.logEpoch(run_id, { step: 3, time: 30, metrics: { train_loss: NaN } });
      const series = await store.getMetrics([run_id], ['train_loss', 'grad'], 100);
      expect(series.find((s) => s.key === 'train_loss')?.points.map((p) => p.value)).toEqual([1.5, 'Infinity', 'NaN']);
      expect(series.find((s) => s.key === 'grad')?.points.map((p) => p.value)).toEqual(['-Infinity']);
      const run = await store.getRun(run_id);
      expect(run?.metrics.train_loss).toBe('NaN');
      expect(run?.best.train_loss).toBe(1.5);
    });

    it('reads only the points past a step, and only the series that have some, for a view that holds the rest', async () => {
      const store = await openStore();
      const { run_id } = await sampleRun(store);
      const other = await sampleRun(store);
      for (let step = 1; step <= 3; step++) await store.logEpoch(run_id, { step, time: step, metrics: { train_loss: 1 / step, ...(step === 1 ? { grad: 7 } : {}) } });
      await store.logEpoch(other.run_id, { step: 1, time: 1, metrics: { train_loss: 2 } });
      const since = await store.getMetrics([run_id, other.run_id], undefined, 100, 1);
      expect(since).toEqual([{ run_id, key: 'train_loss', points: [{ step: 2, value: 0.5, time: 2 }, { step: 3, value: 1 / 3, time: 3 }], downsampled: false }]);
      expect(await store.getMetrics([run_id], ['train_loss', 'grad'], 100, 3)).toEqual([]);
    });

    it('downsamples long series to the point budget, keeping the first, last and extreme points', async () => {
      const store = await openStore();
      const { run_id } = await sampleRun(store);
      for (let step = 1; step <= 500; step++) {
        await store.logEpoch(run_id, { step, time: step, metrics: { loss: step === 250 ? 99 : 1 / step } });
      }
      const [series] = await store.getMetrics([run_id], ['loss'], 50);
      expect(series?.downsampled).toBe(true);
      expect(series?.points.length).toBeLessThanOrEqual(50);
      expect(series?.points[0]?.step).toBe(1);
      expect(series?.points.at(-1)?.step).toBe(500);
      expect(series?.points.some((p) => p.value === 99)).toBe(true);
      const [full] = await store.getMetrics([run_id], ['loss'], null);
      expect(full?.points).toHaveLength(500);
    });

    it('logs a batch of points with the right final, best and count per key', async () => {
      const store = await openStore();
      const { run_id } = await sampleRun(store);
      await store.logBatch(run_id, [
        { key: 'val_accuracy', step: 2, value: 0.9, time: 2 },
        { key: 'val_accuracy', step: 1, value: 0.95, time: 1 },
        { key: 'val_accuracy', step: 3, value: NaN, time: 3 },
        { key: 'val_loss', step: 1, value: 0.3, time: 1 },
      ]);
      await store.logBatch(run_id, [{ key: 'val_accuracy', step: 4, value: 0.5, time: 4 }]);
      const run = await store.getRun(run_id);
      expect(run?.metrics).toEqual({ val_accuracy: 0.5, val_loss: 0.3 });
      expect(run?.best).toEqual({ val_accuracy: 0.95, val_loss: 0.3 });
      expect(await sql(store, "SELECT count FROM metric_summaries WHERE key = 'val_accuracy'")).toEqual([{ count: 4 }]);
    });

    it('counts a batch logged twice (a retry after a commit whose reply was lost) once: points and summaries as after one', async () => {
      const store = await openStore();
      const once = await sampleRun(store);
      const twice = await sampleRun(store);
      const batch = [
        { key: 'loss', step: 1, value: 0.8, time: 10 },
        { key: 'loss', step: 2, value: NaN, time: 20 },
        { key: 'accuracy', step: 1, value: 0.6, time: 10 },
        { key: 'accuracy', step: 2, value: 0.7, time: 20 },
      ];
      await store.logBatch(once.run_id, batch);
      await store.logBatch(twice.run_id, batch);
      await store.logBatch(twice.run_id, batch);
      await store.logEpoch(once.run_id, { step: 3, time: 30, metrics: { loss: 0.5 } });
      await store.logEpoch(twice.run_id, { step: 3, time: 30, metrics: { loss: 0.5 } });
      await store.logEpoch(twice.run_id, { step: 3, time: 30, metrics: { loss: 0.5 } });
      const points = async (runId: number) => (await store.getMetrics([runId], undefined, null)).map((s) => ({ key: s.key, points: s.points }));
      expect(await points(twice.run_id)).toEqual(await points(once.run_id));
      const summaries = (runId: number) =>
        sql(store, 'SELECT key, last_step, last_value, last_special, last_time, min_value, max_value, count FROM metric_summaries WHERE run_id = ? ORDER BY key', [runId]);
      expect(await summaries(twice.run_id)).toEqual(await summaries(once.run_id));
      expect((await summaries(once.run_id)).map((s) => [s.key, Number(s.count)])).toEqual([['accuracy', 2], ['loss', 3]]);
      const { run_id: _a, name: _an, ...a } = (await store.getRun(once.run_id))!;
      const { run_id: _b, name: _bn, ...b } = (await store.getRun(twice.run_id))!;
      expect({ ...b, created_at: 0, duration_s: 0 }).toEqual({ ...a, created_at: 0, duration_s: 0 });
    });

    it('commits batches logged together as separate units: a bad one fails alone', async () => {
      const store = await openStore();
      const a = await sampleRun(store);
      const b = await sampleRun(store);
      const results = await Promise.allSettled([
        store.logEpoch(a.run_id, { step: 1, time: 1, metrics: { loss: 1 } }),
        store.logBatch(b.run_id, [
          { key: 'loss', step: 1, value: 1, time: 1 },
          { key: 'loss', step: 0, value: 2, time: 1 },
        ]),
        store.logEpoch(a.run_id, { step: 2, time: 2, metrics: { loss: 0.5 } }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await store.getRun(a.run_id))?.epochs).toBe(2);
      expect((await store.getRun(b.run_id))?.epochs).toBe(0);
    });

    it('refuses an epoch number below 1', async () => {
      const store = await openStore();
      const { run_id } = await sampleRun(store);
      await expect(store.logEpoch(run_id, { step: 0, time: 1, metrics: { loss: 1 } })).rejects.toThrow(/from 1/);
    });
  });

  describe('recovery', () => {
    it('marks runs left running by a process that is gone as interrupted, keeping their epochs', async () => {
      const path = await location();
      const first = await openStore(path);
      const { run_id } = await first.createRun({ experiment: 'default', config: {}, params: {}, seed: 1, backend: 'wasm' });
      await first.markRunning(run_id, { backend: 'wasm', device: 'cpu', time: 100 });
      await first.logEpoch(run_id, { step: 1, time: 200, metrics: { loss: 1 } });
      await first.logEpoch(run_id, { step: 2, time: 300, metrics: { loss: 0.5 } });
      // Pretend the owner was another process that has exited: pid 2^22 + 1 is above Linux's pid_max default range.
      await sql(first, 'UPDATE runs SET owner_pid = ? WHERE id = ?', [4_194_305, run_id]);
      await first.close();

      const second = await openStore(path);
      const run = await second.getRun(run_id);
      expect(run).toMatchObject({ status: 'interrupted', epochs: 2, ended_at: 300 });
      expect(run?.error).toMatch(/ended before the run did/);
    });

    it('leaves runs of a live process alone', async () => {
      const path = await location();
      const first = await openStore(path);
      const { run_id } = await first.createRun({ experiment: 'default', config: {}, params: {}, seed: 1, backend: 'wasm' });
      // Another live process: this one's parent, with its own start time (a pid and start time that belong together).
      await sql(first, 'UPDATE runs SET owner_pid = ?, owner_started = ? WHERE id = ?', [process.ppid, processStartTime(process.ppid), run_id]);
      const second = await openStore(path);
      expect((await second.getRun(run_id))?.status).toBe('queued');
    });
  });
});
