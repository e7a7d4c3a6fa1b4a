import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src-main/store/filter-sql';
import { POSTGRES_DIALECT, SQLITE_DIALECT } from '../../src-main/store/sql-dialect';
import type { RunStore } from '../../src-main/store/run-store';
import { describeStores } from '../helpers/stores';
import { type FilterSyntaxError, parseFilter } from '../../src-shared/filter/parse';

describeStores('filter language and runs query', ({ open }) => {
  async function storeWithRuns() {
    const store = await open();
    const add = async (name: string, params: Record<string, string | number | boolean>, metrics: Record<string, number[]>, status: 'finished' | 'failed' = 'finished', experiment = 'default') => {
      const run = await store.createRun({ experiment, name, config: {}, params, seed: 1, backend: 'wasm' });
      const steps = Math.max(...Object.values(metrics).map((v) => v.length));
      for (let step = 1; step <= steps; step++) {
        await store.logEpoch(run.run_id, { step, time: step, metrics: Object.fromEntries(Object.entries(metrics).flatMap(([k, v]) => (v[step - 1] === undefined ? [] : [[k, v[step - 1] as number]]))) });
      }
      await store.endRun(run.run_id, { status, time: 100 });
      return run.run_id;
    };
    const ids = {
      baseline: await add('baseline', { lr: 0.01, optimizer: 'sgd', nesterov: false }, { val_accuracy: [0.8, 0.92], val_loss: [0.5, 0.08] }),
      fast: await add('fast-lr', { lr: 0.1, optimizer: 'adam', nesterov: false }, { val_accuracy: [0.7, 0.85], val_loss: [0.9, 0.3] }),
      small: await add('baseline-small', { lr: 0.001, optimizer: 'sgd', nesterov: true }, { val_accuracy: [0.5, 0.6], val_loss: [1.5, 1.2] }, 'failed', 'other'),
    };
    await store.annotations.setTags(ids.fast, { stage: 'final' });
    return { store, ids };
  }

  const names = async (store: RunStore, filter: string) => (await store.queryRuns({ filter, offset: 0, limit: 100 })).runs.map((r) => r.name).sort();

  describe('filter language', () => {
    it('compares params, final, best, min and max metrics, attributes and tags', async () => {
      const { store } = await storeWithRuns();
      expect(await names(store, 'params.lr > 0.001 and metrics.val_accuracy >= 0.9')).toEqual(['baseline']);
      expect(await names(store, 'status = "finished"')).toEqual(['baseline', 'fast-lr']);
      expect(await names(store, 'best.val_loss < 0.1')).toEqual(['baseline']);
      expect(await names(store, 'min.val_accuracy <= 0.5')).toEqual(['baseline-small']);
      expect(await names(store, 'max.val_loss > 1')).toEqual(['baseline-small']);
      expect(await names(store, 'name ~ "BASE"')).toEqual(['baseline', 'baseline-small']);
      expect(await names(store, 'name !~ "base"')).toEqual(['fast-lr']);
      expect(await names(store, 'tags.stage = "final"')).toEqual(['fast-lr']);
      expect(await names(store, 'experiment = "other"')).toEqual(['baseline-small']);
      expect(await names(store, 'params.optimizer in ("adam", "rmsprop")')).toEqual(['fast-lr']);
      expect(await names(store, 'params.optimizer not in ("adam")')).toEqual(['baseline', 'baseline-small']);
      expect(await names(store, 'params.nesterov = true')).toEqual(['baseline-small']);
      expect(await names(store, 'not (status = "failed" or params.lr >= 0.1)')).toEqual(['baseline']);
      expect(await names(store, 'epochs = 2 and run_id > 0')).toEqual(['baseline', 'baseline-small', 'fast-lr']);
      expect(await names(store, '')).toHaveLength(3);
    });

    it('points at the column of a syntax error', () => {
      const at = (text: string) => {
        try {
          parseFilter(text);
          return null;
        } catch (error) {
          return (error as FilterSyntaxError).column;
        }
      };
      expect(at('params.lr > ')).toBe(13);
      expect(at('params.lr >> 1')).toBe(12);
      expect(at('status = "finished" and')).toBe(24);
      expect(at('(status = "x"')).toBe(14);
      expect(at('colour = "red"')).toBe(1);
      expect(at('params.lr > 0; drop table runs')).toBe(14);
      expect(at('name ~ 3')).toBe(6);
    });

    it('refuses unknown params, metrics and tags, and values of the wrong type, with the column', async () => {
      const { store } = await storeWithRuns();
      await expect(names(store, 'status = "finished" and params.learning_rate > 1')).rejects.toThrow(/unknown param "learning_rate".*at column 25/);
      await expect(names(store, 'metrics.f1 > 0')).rejects.toThrow(/unknown metric "f1"/);
      await expect(names(store, 'status > 3')).rejects.toThrow(/status is text/);
      await expect(names(store, 'run_id = "x"')).rejects.toThrow(/run_id is a number/);
    });

    it('is never SQL: an injection attempt is a syntax error and changes nothing, and quotes in values are just text', async () => {
      const { store } = await storeWithRuns();
      await expect(names(store, 'params.lr > 0; drop table runs')).rejects.toThrow(/unexpected ";" \(at column 14\)/);
      expect(await names(store, `name = "x' OR 1=1 --"`)).toEqual([]);
      expect(await names(store, 'name ~ "%"')).toEqual([]);
      expect((await store.listRuns()).length).toBe(3);
      for (const dialect of [SQLITE_DIALECT, POSTGRES_DIALECT]) {
        const compiled = compileFilter(`name = "'); DROP TABLE runs; --" and params.lr > 1`, { params: new Set(['lr']), metrics: new Set(), tags: new Set() }, undefined, { dialect });
        expect(compiled?.sql).not.toContain('DROP');
        expect(compiled?.args).toContain("'); DROP TABLE runs; --");
      }
    });
  });

  describe('runs query', () => {
    it('sorts by any column, pages, and counts every match', async () => {
      const { store } = await storeWithRuns();
      const page = await store.queryRuns({ sort: { column: 'best.val_accuracy', direction: 'desc' }, offset: 0, limit: 2 });
      expect(page.total).toBe(3);
      expect(page.runs.map((r) => r.name)).toEqual(['baseline', 'fast-lr']);
      expect((await store.queryRuns({ sort: { column: 'params.lr', direction: 'asc' }, offset: 1, limit: 5 })).runs.map((r) => r.name)).toEqual(['baseline', 'fast-lr']);
      expect((await store.queryRuns({ sort: { column: 'name', direction: 'asc' }, offset: 0, limit: 5 })).runs.map((r) => r.name)).toEqual(['baseline', 'baseline-small', 'fast-lr']);
      await expect(store.queryRuns({ sort: { column: 'colour', direction: 'asc' }, offset: 0, limit: 5 })).rejects.toThrow(/Cannot sort by "colour"/);
    });

    it('sorts by the generalisation gap (final train_accuracy − val_accuracy), runs without one last', async () => {
      const store = await open();
      const add = async (name: string, metrics: Record<string, number>) => {
        const run = await store.createRun({ experiment: 'default', name, config: {}, params: {}, seed: 1, backend: 'wasm' });
        await store.logEpoch(run.run_id, { step: 1, time: 1, metrics });
        await store.endRun(run.run_id, { status: 'finished', time: 2 });
      };
      await add('small-gap', { train_accuracy: 0.9, val_accuracy: 0.88 });
      await add('no-train-metric', { val_accuracy: 0.5 });
      await add('overfits', { train_accuracy: 1, val_accuracy: 0.6 });
      await add('underfits', { train_accuracy: 0.7, val_accuracy: 0.75 });
      const order = async (direction: 'asc' | 'desc') => (await store.queryRuns({ sort: { column: 'gap', direction }, offset: 0, limit: 10 })).runs.map((r) => r.name);
      expect(await order('desc')).toEqual(['overfits', 'small-gap', 'underfits', 'no-train-metric']);
      expect(await order('asc')).toEqual(['underfits', 'small-gap', 'overfits', 'no-train-metric']);
    });

    it('hides archived runs unless asked, and deleted runs until restored', async () => {
      const { store, ids } = await storeWithRuns();
      await store.annotations.setArchived([ids.fast], true);
      expect((await store.queryRuns({ offset: 0, limit: 10 })).total).toBe(2);
      expect((await store.queryRuns({ offset: 0, limit: 10, includeArchived: true })).total).toBe(3);
      expect(await store.annotations.delete([ids.baseline])).toEqual([ids.baseline]);
      expect((await store.listRuns()).map((r) => r.run_id)).not.toContain(ids.baseline);
      expect((await store.getRun(ids.baseline))?.deleted).toBe(true);
      expect(await store.annotations.restore([ids.baseline])).toBe(1);
      expect((await store.listRuns()).map((r) => r.run_id)).toContain(ids.baseline);
      await store.annotations.delete([ids.baseline], 1000);
      expect(await store.annotations.purge(2000)).toEqual([ids.baseline]);
      expect(await store.getRun(ids.baseline)).toBeNull();
    });

    it('keeps tags and notes with the run', async () => {
      const { store, ids } = await storeWithRuns();
      await store.annotations.setTags(ids.baseline, { stage: 'paper', owner: 'ana' });
      await store.annotations.setTags(ids.baseline, { owner: null });
      await store.annotations.setNotes(ids.baseline, 'best so far <img src=x>');
      expect(await store.getRun(ids.baseline)).toMatchObject({ tags: { stage: 'paper' }, notes: 'best so far <img src=x>' });
      await expect(store.annotations.setTags(999, { a: 'b' })).rejects.toThrow(/does not exist/);
    });
  });
});
