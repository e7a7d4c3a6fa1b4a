import { describe, expect, it } from 'vitest';
import type { RunStore } from '../../src-main/store/run-store';
import { describeStores } from '../helpers/stores';
import type { RunStatus } from '../../src-shared/entities/run';
import { FilterSyntaxError, parseFilter } from '../../src-shared/filter/parse';

const T0 = Date.parse('2026-12-01T10:00:00Z');

describeStores("MLflow's search syntax", ({ open }) => {
  /**
   * | name      | status   | user | params (as logged)                 | metrics          | tags                          |
   * | lr-run    | finished | ana  | model=LR, optimizer=sgd, lr=0.01   | acc 0.95         | version=v1, "legit name"=yes  |
   * | tree-run  | failed   | bo   | model=Tree, optimizer=adam, lr=0.1 | acc 0.90         |                               |
   * | mlp-run   | stopped  | ana  | model=MLP_2, optimizer=sgd, lr=1e-3| acc 0.97, "spacey name" 1 | version=v2           |
   * | trained   | finished | -    | lr=0.01 (Runboard's own, a number) | val_loss 0.2     |                               |
   */
  async function storeWithRuns() {
    const store = await open();
    const external = async (name: string, user: string, status: RunStatus, start: number, params: Record<string, string>, metrics: Record<string, number>, tags: Record<string, string> = {}) => {
      const run = await store.createExternalRun({ experiment: 'course', name, startTime: start, source: { type: 'mlflow-api', location: 'train.py', original_id: null, user, imported_at: null }, tags });
      await store.logExternal(
        run.run_id,
        { params: Object.entries(params).map(([key, text]) => ({ key, text })), metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step: 0, time: start + 1 })) },
        start + 1,
      );
      await store.updateExternalRun(run.run_id, { status, endTime: start + 60_000 }, start + 60_000);
      return run.run_id;
    };
    await external('lr-run', 'ana', 'finished', T0, { model: 'LR', optimizer: 'sgd', lr: '0.01' }, { acc: 0.95 }, { version: 'v1', 'legit name': 'yes' });
    await external('tree-run', 'bo', 'failed', T0 + 3_600_000, { model: 'Tree', optimizer: 'adam', lr: '0.1' }, { acc: 0.9 });
    await external('mlp-run', 'ana', 'stopped', T0 + 7_200_000, { model: 'MLP_2', optimizer: 'sgd', lr: '1e-3' }, { acc: 0.97, 'spacey name': 1 }, { version: 'v2' });
    const trained = await store.createRun({ experiment: 'default', name: 'trained', config: {}, params: { lr: 0.01 }, seed: 1, backend: 'wasm' });
    await store.logEpoch(trained.run_id, { step: 1, time: 1, metrics: { val_loss: 0.2 } });
    await store.endRun(trained.run_id, { status: 'finished', time: 2 });
    return store;
  }

  const names = async (store: RunStore, filter: string, unknownNames: 'refuse' | 'match-nothing' = 'refuse') =>
    (await store.queryRuns({ filter, offset: 0, limit: 100, unknownNames })).runs.map((r) => r.name).sort();

  function syntaxError(text: string): { message: string; column: number } | null {
    try {
      parseFilter(text);
      return null;
    } catch (error) {
      if (error instanceof FilterSyntaxError) return { message: error.message, column: error.column };
      throw error;
    }
  }

  describe("MLflow's search syntax in the filter language", () => {
    it("selects exactly the runs of the issue's example: attributes.status = 'FINISHED' AND params.optimizer = 'sgd'", async () => {
      const store = await storeWithRuns();
      expect(await names(store, "attributes.status = 'FINISHED' AND params.optimizer = 'sgd'")).toEqual(['lr-run']);
    });

    it('takes the attributes., attribute., attr. and run. prefixes, and status in any case with MLflow\'s words', async () => {
      const store = await storeWithRuns();
      expect(await names(store, "attributes.status = 'FAILED'")).toEqual(['tree-run']);
      expect(await names(store, "attribute.status = 'failed'")).toEqual(['tree-run']);
      expect(await names(store, "attr.status = 'Killed'")).toEqual(['mlp-run']);
      expect(await names(store, "run.status != 'FINISHED'")).toEqual(['mlp-run', 'tree-run']);
      expect(await names(store, "status = 'KILLED'")).toEqual(['mlp-run']);
    });

    it('compares params, metrics and tags with their singular and plural prefixes; params as text, as MLflow does', async () => {
      const store = await storeWithRuns();
      expect(await names(store, "params.model = 'LR'")).toEqual(['lr-run']);
      expect(await names(store, "param.model != 'LR'")).toEqual(['mlp-run', 'tree-run']);
      expect(await names(store, "parameter.lr = '1e-3'")).toEqual(['mlp-run']);
      // A number Runboard logged compares as the text it reads as.
      expect(await names(store, "params.lr = '0.01'")).toEqual(['lr-run', 'trained']);
      // ...and every numeric param compares as a number too (our own language).
      expect(await names(store, 'params.lr < 0.05')).toEqual(['lr-run', 'mlp-run', 'trained']);
      expect(await names(store, 'metrics.acc >= 0.94')).toEqual(['lr-run', 'mlp-run']);
      expect(await names(store, 'metric.acc < 0.94')).toEqual(['tree-run']);
      expect(await names(store, "tags.version = 'v2'")).toEqual(['mlp-run']);
      expect(await names(store, "tag.version != 'v2'")).toEqual(['lr-run']);
    });

    it('IS NULL and IS NOT NULL: runs without and with a value, whatever the name', async () => {
      const store = await storeWithRuns();
      expect(await names(store, 'tags.version IS NULL')).toEqual(['trained', 'tree-run']);
      expect(await names(store, 'tags.version IS NOT NULL')).toEqual(['lr-run', 'mlp-run']);
      expect(await names(store, 'params.model is null')).toEqual(['trained']);
      expect(await names(store, 'metrics.acc IS NOT NULL AND params.model IS NOT NULL')).toEqual(['lr-run', 'mlp-run', 'tree-run']);
      // No run logged this tag: every run lacks it, none has it.
      expect(await names(store, 'tags.never_logged IS NULL')).toHaveLength(4);
      expect(await names(store, 'tags.never_logged IS NOT NULL')).toEqual([]);
    });

    it("LIKE is case-sensitive and ILIKE is not, with % and _ as SQL's wildcards", async () => {
      const store = await storeWithRuns();
      expect(await names(store, "params.model LIKE 'MLP%'")).toEqual(['mlp-run']);
      expect(await names(store, "params.model LIKE 'mlp%'")).toEqual([]);
      expect(await names(store, "params.model ILIKE 'mlp%'")).toEqual(['mlp-run']);
      expect(await names(store, "params.model LIKE 'MLP_2'")).toEqual(['mlp-run']);
      expect(await names(store, "params.model LIKE 'L_'")).toEqual(['lr-run']);
      expect(await names(store, "run_name LIKE '%-run'")).toEqual(['lr-run', 'mlp-run', 'tree-run']);
      expect(await names(store, "attributes.run_name ILIKE 'TREE%'")).toEqual(['tree-run']);
      expect(await names(store, "tags.version LIKE 'v_'")).toEqual(['lr-run', 'mlp-run']);
      expect(await names(store, "name NOT LIKE '%-run'")).toEqual(['trained']);
      // Our wildcards are literal characters in a LIKE pattern: * and ? are not wildcards there.
      expect(await names(store, "name LIKE '*'")).toEqual([]);
      expect(await names(store, "attributes.status LIKE 'FIN%'")).toEqual(['lr-run', 'trained']);
    });

    it('IN (...) on run ids written as MLflow sends them (text) and on params', async () => {
      const store = await storeWithRuns();
      expect(await names(store, "attributes.run_id IN ('1', '3')")).toEqual(['lr-run', 'mlp-run']);
      expect(await names(store, "run_id = '2'")).toEqual(['tree-run']);
      expect(await names(store, "params.optimizer IN ('adam', 'rmsprop')")).toEqual(['tree-run']);
      expect(await names(store, "attributes.run_id NOT IN ('1')")).toEqual(['mlp-run', 'trained', 'tree-run']);
    });

    it('quotes keys with " and `, and values with \' or "', async () => {
      const store = await storeWithRuns();
      expect(await names(store, 'metrics."spacey name" = 1')).toEqual(['mlp-run']);
      expect(await names(store, 'metrics.`spacey name` >= 1')).toEqual(['mlp-run']);
      expect(await names(store, "tags.`legit name` = 'yes'")).toEqual(['lr-run']);
      expect(await names(store, 'tags."legit name" = "yes"')).toEqual(['lr-run']);
      expect(await names(store, '`params`.model = "Tree"')).toEqual(['tree-run']);
    });

    it('run_id, run_name, status, start_time, end_time and user_id', async () => {
      const store = await storeWithRuns();
      expect(await names(store, "run_name = 'tree-run'")).toEqual(['tree-run']);
      expect(await names(store, `attributes.start_time >= ${T0 + 3_600_000}`)).toEqual(['mlp-run', 'tree-run']);
      expect(await names(store, `start_time < ${T0 + 3_600_000} AND user_id = 'ana'`)).toEqual(['lr-run']);
      expect(await names(store, `attributes.end_time > ${T0 + 3_600_000}`)).toEqual(['mlp-run', 'tree-run']);
      expect(await names(store, "attributes.user_id = 'ana'")).toEqual(['lr-run', 'mlp-run']);
      expect(await names(store, 'created >= "2026-12-01T10:30:00Z" and kind = "external"')).toEqual(['mlp-run', 'tree-run']);
    });

    it('keeps our own language as it was, mixed with MLflow\'s', async () => {
      const store = await storeWithRuns();
      expect(await names(store, "params.optimizer = 'sgd' and (metrics.acc > 0.96 or user = 'bo')")).toEqual(['mlp-run']);
      expect(await names(store, 'name ~ "TREE" or kind = "train"')).toEqual(['trained', 'tree-run']);
    });

    it('matches nothing for a name no run logged when asked to, as MLflow does, and refuses it otherwise', async () => {
      const store = await storeWithRuns();
      expect(await names(store, 'metrics.f1 > 0', 'match-nothing')).toEqual([]);
      await expect(names(store, 'metrics.f1 > 0')).rejects.toThrow(/unknown metric "f1"/);
    });
  });

  describe('a filter MLflow would refuse is refused, with its position', () => {
    it('names the column of the problem', () => {
      expect(syntaxError("params.model = 'LR' AND")).toMatchObject({ column: 24 });
      expect(syntaxError("attributes.colour = 'red'")).toMatchObject({ column: 1, message: expect.stringMatching(/unknown column "attributes.colour"/) });
      expect(syntaxError("datasets.name = 'x'")).toMatchObject({ column: 1, message: expect.stringMatching(/no dataset inputs/) });
      expect(syntaxError("metrics.acc IS 3")).toMatchObject({ column: 16, message: expect.stringMatching(/expected "null" after "is"/) });
      expect(syntaxError("params.model LIKE 3")).toMatchObject({ column: 19 });
      expect(syntaxError("params.model = 'LR")).toMatchObject({ column: 16, message: expect.stringMatching(/unclosed string/) });
      expect(syntaxError('metrics.`acc > 0')).toMatchObject({ column: 9, message: expect.stringMatching(/unclosed backtick/) });
      expect(syntaxError("params.model =")).toMatchObject({ column: 15 });
      expect(syntaxError("foo.bar = 'x'")).toMatchObject({ column: 1, message: expect.stringMatching(/unknown column group "foo"/) });
    });

    it('refuses values of the wrong kind at the store, with the column', async () => {
      const store = await storeWithRuns();
      await expect(names(store, "params.model = 'LR' AND metrics.acc > 'high'")).rejects.toThrow(/metrics.acc is a number.*\(at column 25\)/);
      await expect(names(store, "metrics.acc LIKE '0.9%'")).rejects.toThrow(/LIKE and ILIKE compare text; metrics.acc is a number \(at column 1\)/);
      await expect(names(store, "start_time > 'yesterday'")).rejects.toThrow(/started compares with a date/);
      await expect(names(store, "status = 'DONE'")).rejects.toThrow(/there is no status "DONE"/);
    });
  });
});
