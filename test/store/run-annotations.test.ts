/**
 * Tags, notes, archiving and the trash (`store/run-annotations.ts`, `store/postgres/postgres-annotations.ts`): what
 * each changes, what it refuses, and what a purge takes with it (params, metrics, tags, artifacts) and leaves behind
 * (sweep trials and child runs, unlinked).
 */
import { describe, expect, it } from 'vitest';
import type { RunStore } from '../../src-main/store/run-store';
import { describeStores } from '../helpers/stores';

const finishedRun = async (store: RunStore, overrides: { parentRunId?: number; sweep?: { sweepId: number; trial: number } } = {}) => {
  const run = await store.createRun({ experiment: 'default', config: {}, params: { lr: 0.1 }, seed: 1, backend: 'wasm', ...overrides });
  await store.endRun(run.run_id, { status: 'finished', time: 1 });
  return run.run_id;
};

describeStores('run annotations', ({ open: openStore, sql, refuseKey }) => {
  const count = async (store: RunStore, table: string, runId: number) => Number((await sql(store, `SELECT count(*) AS n FROM ${table} WHERE run_id = ?`, [runId]))[0]?.n);
  const column = async (store: RunStore, name: 'notes' | 'deleted_at', runId: number) => (await sql(store, `SELECT ${name} AS value FROM runs WHERE id = ?`, [runId]))[0]?.value;

  describe('tags and notes', () => {
    it('sets, replaces and removes tags in one call, all or nothing', async () => {
      const store = await openStore();
      const id = await finishedRun(store);
      await store.annotations.setTags(id, { stage: 'draft', owner: 'ana' });
      await store.annotations.setTags(id, { stage: 'final', owner: null, reviewed: '' });
      expect((await store.getRun(id))?.tags).toEqual({ stage: 'final', reviewed: '' });
      await refuseKey(store, 'tags', 'boom');
      const error = await store.annotations.setTags(id, { good: 'yes', stage: null, boom: 'x' }).catch((caught: unknown) => caught);
      // The database's failure, told as the store's error.
      expect(error).toMatchObject({ name: 'AppError', code: 'INTERNAL', message: `Database error on ${store.path}: boom refused` });
      expect((await store.getRun(id))?.tags).toEqual({ stage: 'final', reviewed: '' });
    });

    it('keeps notes, and clears them when set to empty text', async () => {
      const store = await openStore();
      const id = await finishedRun(store);
      await store.annotations.setNotes(id, 'first try');
      expect((await store.getRun(id))?.notes).toBe('first try');
      await store.annotations.setNotes(id, '');
      expect((await store.getRun(id))?.notes).toBeNull();
      expect(await column(store, 'notes', id)).toBeNull();
    });

    it('refuses tags and notes on a run that does not exist or is in the trash', async () => {
      const store = await openStore();
      const id = await finishedRun(store);
      await store.annotations.delete([id]);
      for (const runId of [id, 999]) {
        await expect(store.annotations.setTags(runId, { a: 'b' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: `Run ${runId} does not exist.` });
        await expect(store.annotations.setNotes(runId, 'x')).rejects.toThrow(`Run ${runId} does not exist.`);
      }
    });
  });

  describe('archiving', () => {
    it('archives and unarchives, counting only the runs that changed and leaving the trash alone', async () => {
      const store = await openStore();
      const [a, b, trashed] = [await finishedRun(store), await finishedRun(store), await finishedRun(store)];
      await store.annotations.delete([trashed]);
      expect(await store.annotations.setArchived([a, b, trashed, 999], true)).toBe(2);
      expect((await store.getRun(a))?.archived).toBe(true);
      expect((await store.getRun(trashed))?.archived).toBe(false);
      expect(await store.annotations.setArchived([a], false)).toBe(1);
      expect([(await store.getRun(a))?.archived, (await store.getRun(b))?.archived]).toEqual([false, true]);
    });
  });

  describe('the trash', () => {
    it('takes finished runs, not queued or running ones, and not a run twice', async () => {
      const store = await openStore();
      const done = await finishedRun(store);
      const queued = (await store.createRun({ experiment: 'default', config: {}, params: {}, seed: 1, backend: 'wasm' })).run_id;
      const running = (await store.createRun({ experiment: 'default', config: {}, params: {}, seed: 1, backend: 'wasm' })).run_id;
      await store.markRunning(running, { backend: 'wasm', device: 'cpu', time: 1 });
      expect(await store.annotations.delete([done, queued, running], 1_000)).toEqual([done]);
      expect(await store.annotations.delete([done], 2_000)).toEqual([]);
      expect(await column(store, 'deleted_at', done)).toBe(1_000);
    });

    it('restores runs from the trash, counting those it restored', async () => {
      const store = await openStore();
      const [a, b] = [await finishedRun(store), await finishedRun(store)];
      await store.annotations.delete([a]);
      expect(await store.annotations.restore([a, b])).toBe(1);
      expect((await store.getRun(a))?.deleted).toBe(false);
      expect(await store.annotations.restore([a])).toBe(0);
    });

    it('purges runs deleted at or before the time, with their params, metrics, tags and artifacts', async () => {
      const store = await openStore();
      const [early, exact, late, kept] = [await finishedRun(store), await finishedRun(store), await finishedRun(store), await finishedRun(store)];
      for (const id of [early, exact, late, kept]) {
        await store.logEpoch(id, { step: 1, time: 1, metrics: { loss: 1 } });
        await store.annotations.setTags(id, { stage: 'x' });
        await store.putArtifact(id, 'evaluation-val', { accuracy: 1 });
      }
      await store.annotations.delete([early], 100);
      await store.annotations.delete([exact], 200);
      await store.annotations.delete([late], 201);
      expect((await store.annotations.purge(200)).sort()).toEqual([early, exact].sort());
      for (const id of [early, exact]) {
        expect(await store.getRun(id)).toBeNull();
        expect(await Promise.all(['params', 'metrics', 'metric_summaries', 'tags', 'run_artifacts'].map((table) => count(store, table, id)))).toEqual([0, 0, 0, 0, 0]);
      }
      expect((await store.getRun(late))?.deleted).toBe(true);
      expect(await Promise.all(['params', 'metrics', 'tags', 'run_artifacts'].map((table) => count(store, table, kept)))).toEqual([1, 1, 1, 1]);
    });

    it("keeps a purged run's sweep trial and child runs, unlinked from it", async () => {
      const store = await openStore();
      const sweepId = await store.sweeps.create({ name: 's', experiment: 'default', strategy: 'grid', space: [], fixed: {}, objective: { metric: 'loss', direction: 'min' }, trials: [{ lr: 0.1 }], seed: 1, parallel: 1, asha: null });
      const trial = await finishedRun(store, { sweep: { sweepId, trial: 1 } });
      const child = await finishedRun(store, { parentRunId: trial });
      await store.annotations.delete([trial], 10);
      expect(await store.annotations.purge(10)).toEqual([trial]);
      expect((await store.sweeps.get(sweepId))?.trials).toEqual([{ trial: 1, params: { lr: 0.1 }, run_id: null, status: 'pending', value: null, epochs: 0, host: null }]);
      expect((await store.getRun(child))?.parent_run_id).toBeNull();
    });
  });
});
