import { describe, expect, it } from 'vitest';
import type { RunStore } from '../../src-main/store/run-store';
import { describeStores } from '../helpers/stores';
import { FilterSyntaxError, parseFilter } from '../../src-shared/filter/parse';

describeStores('filter case and MLflow words', ({ open }) => {
  /** Three runs: two finished (one a sanity check), one failed. */
  async function storeWithRuns() {
    const store = await open();
    const add = async (name: string, status: 'finished' | 'failed', kind: 'train' | 'sanity' = 'train') => {
      const run = await store.createRun({ experiment: 'default', name, config: {}, params: { lr: 0.01 }, seed: 1, backend: 'wasm', kind });
      await store.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: 1 });
      await store.logEpoch(run.run_id, { step: 1, time: 2, metrics: { val_loss: 0.5, lr: 0.01 } });
      await store.endRun(run.run_id, { status, time: 3 });
    };
    await add('base', 'finished');
    await add('check', 'finished', 'sanity');
    await add('broken', 'failed');
    return store;
  }

  const names = async (store: RunStore, filter: string) => (await store.queryRuns({ filter, offset: 0, limit: 100 })).runs.map((r) => r.name).sort();

  /** The message of the syntax error a filter raises, or null when it parses. */
  function parseError(text: string): string | null {
    try {
      parseFilter(text);
      return null;
    } catch (error) {
      if (error instanceof FilterSyntaxError) return error.message;
      throw error;
    }
  }

  describe('status values compare in any case', () => {
    it('matches FINISHED, Finished and finished alike, with =, != and in (...)', async () => {
      const store = await storeWithRuns();
      expect(await names(store, 'status = "FINISHED"')).toEqual(['base', 'check']);
      expect(await names(store, 'status = "Finished"')).toEqual(['base', 'check']);
      expect(await names(store, "status = 'finished'")).toEqual(['base', 'check']);
      expect(await names(store, 'status != "FINISHED"')).toEqual(['broken']);
      expect(await names(store, 'status in ("FAILED", "Finished")')).toEqual(['base', 'broken', 'check']);
      expect(await names(store, 'status not in ("FAILED")')).toEqual(['base', 'check']);
      expect(await names(store, 'kind = "SANITY"')).toEqual(['check']);
      expect(await names(store, 'backend = "WASM"')).toHaveLength(3);
    });

    it("refuses a status that does not exist, naming ours; MLflow's KILLED and SCHEDULED are stopped and queued", async () => {
      const store = await storeWithRuns();
      await expect(names(store, 'status = "done"')).rejects.toThrow(/there is no status "done"; one of queued, running, finished/);
      expect(await names(store, 'status = "KILLED"')).toEqual([]);
      expect(await names(store, 'status in ("finished", "SCHEDULED")')).toEqual(['base', 'check']);
      // A substring search is not an equality: any text may be searched for.
      expect(await names(store, 'status ~ "FIN"')).toEqual(['base', 'check']);
    });
  });

  describe("MLflow's search syntax is understood, not refused (test/filter/mlflow-syntax.test.ts has the rest)", () => {
    it("LIKE, ILIKE, attributes., metric., param. and tag. parse", () => {
      for (const text of ['name LIKE "%base%"', "tags.stage ILIKE '%paper'", 'name NOT LIKE "%tmp%"', 'attributes.status = "FINISHED"', 'attribute.start_time > 0', 'metric.val_loss < 0.1', 'param.lr = 0.01', 'tag.stage = "x"', 'run_name = "a"']) {
        expect(parseError(text), text).toBeNull();
      }
      expect(parseError('name like 3')).toBe('LIKE needs a quoted pattern, like \'%base%\', but found 3 (at column 11)');
      expect(parseError('attributes.artifact_uri = "x"')).toMatch(/^"attributes.artifact_uri": Runboard keeps no artifacts/);
    });

    it('reaches the store as a filter that runs', async () => {
      const store = await storeWithRuns();
      expect(await names(store, 'name LIKE "%bas%"')).toEqual(['base']);
    });
  });

  describe('lr is a setting: it has no best value', () => {
    it('refuses best.lr in a filter and a sort, naming metrics, min and max', async () => {
      const store = await storeWithRuns();
      await expect(names(store, 'best.lr < 0.1')).rejects.toThrow(/lr has no best value \(it is a setting, not a result\): use metrics\.lr, min\.lr or max\.lr/);
      await expect(store.queryRuns({ sort: { column: 'best.lr', direction: 'asc' }, offset: 0, limit: 5 })).rejects.toThrow(/Cannot sort by "best.lr": lr has no best value/);
      expect(await names(store, 'max.lr <= 0.01 and best.val_loss < 1')).toHaveLength(3);
      expect((await store.listRuns()).every((run) => !('lr' in run.best) && run.best['val_loss'] === 0.5)).toBe(true);
    });
  });
});
