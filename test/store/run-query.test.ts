/**
 * The runs table's query (`store/run-query.ts`): every sort column the table offers, runs without a value last in
 * either direction, ties broken newest first, pages and totals, and the scopes (experiment, selection, a sweep's
 * latest trials, archived and deleted runs).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ColumnCache, planRunsPage, type RunQuery, type RunSort } from '../../src-main/store/run-query';
import { SQLITE_DIALECT, postgresDialect } from '../../src-main/store/sql-dialect';
import type { RunStore } from '../../src-main/store/run-store';
import { AppError } from '../../src-shared/api/errors';
import { describeStores } from '../helpers/stores';

describeStores('runs table query', ({ open: openStore, sql }) => {
  let store: RunStore;
  let sweepId: number;

  /**
   * Every sortable attribute orders the four runs differently from run id, so a column mapped to another field (or
   * dropped) gives another order. `echo` has no value for most columns.
   *
   * | run | name    | exp   | status   | kind   | backend    | created | started | duration | sweep/trial | parent | stage | lr  |
   * | 1   | delta   | zeta  | stopped  | train  | wasm       | 300     | 2000    | 50 s     | 1 / 2       | 3      | b     | 0.3 |
   * | 2   | Bravo   | alpha | failed   | sanity | tensorflow | 100     | 4000    | 10 s     | 1 / 1       |        | c     | 0.1 |
   * | 3   | charlie | mid   | finished | train  | cpu        | 400     | 1000    | 30 s     |             | 1      | a     | 0.2 |
   * | 4   | echo    | mid   | queued   | train  | (none)     | 200     |         |          |             |        |       |     |
   *
   * Metrics by epoch (so the final, lowest, highest and best values each order the runs differently):
   * | run | val_loss        | val_accuracy     | train_accuracy |
   * | 1   | 0.5             | 0.8              | 0.9            |
   * | 2   | 0.9, 0.1, 0.3   | 0.95, 0.6, 0.7   | 0.95 each      |
   * | 3   | 0.05, 0.4       | 0.5, 0.75        | 0.99 each      |
   */
  beforeEach(async () => {
    store = await openStore();
    sweepId = await store.sweeps.create({ name: 's', experiment: 'zeta', strategy: 'grid', space: [], fixed: {}, objective: { metric: 'val_loss', direction: 'min' }, trials: [{}, {}], seed: 1, parallel: 1, asha: null });
    const rows = [
      { name: 'delta', experiment: 'zeta', status: 'stopped', kind: 'train', backend: 'wasm', created: 300, started: 2000, seconds: 50, trial: 2, stage: 'b', lr: 0.3, loss: [0.5], accuracy: [0.8], train: 0.9 },
      { name: 'Bravo', experiment: 'alpha', status: 'failed', kind: 'sanity', backend: 'tensorflow', created: 100, started: 4000, seconds: 10, trial: 1, stage: 'c', lr: 0.1, loss: [0.9, 0.1, 0.3], accuracy: [0.95, 0.6, 0.7], train: 0.95 },
      { name: 'charlie', experiment: 'mid', status: 'finished', kind: 'train', backend: 'cpu', created: 400, started: 1000, seconds: 30, trial: null, stage: 'a', lr: 0.2, loss: [0.05, 0.4], accuracy: [0.5, 0.75], train: 0.99 },
      { name: 'echo', experiment: 'mid', status: 'queued', kind: 'train', backend: null, created: 200, started: null, seconds: null, trial: null, stage: null, lr: null, loss: [], accuracy: [], train: 0 },
    ] as const;
    for (const r of rows) {
      const run = await store.createRun({
        experiment: r.experiment,
        name: r.name,
        config: {},
        params: r.lr === null ? {} : { lr: r.lr },
        seed: 1,
        backend: r.backend,
        kind: r.kind,
        sweep: r.trial === null ? null : { sweepId, trial: r.trial },
      });
      if (r.started !== null) await store.markRunning(run.run_id, { backend: r.backend as string, device: 'cpu', time: r.started });
      for (const [i, loss] of r.loss.entries()) {
        await store.logEpoch(run.run_id, { step: i + 1, time: i + 1, metrics: { val_loss: loss, val_accuracy: r.accuracy[i] as number, train_accuracy: r.train } });
      }
      if (r.status !== 'queued') await store.endRun(run.run_id, { status: r.status, time: (r.started ?? 0) + (r.seconds ?? 0) * 1000 });
      await sql(store, 'UPDATE runs SET created_at = ? WHERE id = ?', [r.created, run.run_id]);
      if (r.stage) await store.annotations.setTags(run.run_id, { stage: r.stage });
    }
    // Parents set afterwards, so that run 1 can name run 3.
    await sql(store, 'UPDATE runs SET parent_run_id = ? WHERE id = ?', [3, 1]);
    await sql(store, 'UPDATE runs SET parent_run_id = ? WHERE id = ?', [1, 3]);
  });

  const ids = async (query: Partial<RunQuery>) => (await store.queryRuns({ offset: 0, limit: 100, ...query })).runs.map((r) => r.run_id);
  const sorted = (column: string, direction: 'asc' | 'desc' = 'asc') => ids({ sort: { column, direction } });

  describe('sorting', () => {
    it('by each attribute column, runs without a value last', async () => {
      expect(await sorted('run_id')).toEqual([1, 2, 3, 4]);
      expect(await sorted('name')).toEqual([2, 3, 1, 4]);
      expect(await sorted('experiment')).toEqual([2, 4, 3, 1]);
      expect(await sorted('status')).toEqual([2, 3, 4, 1]);
      expect(await sorted('kind')).toEqual([2, 4, 3, 1]);
      expect(await sorted('backend')).toEqual([3, 2, 1, 4]);
      expect(await sorted('created')).toEqual([2, 4, 1, 3]);
      expect(await sorted('started')).toEqual([3, 1, 2, 4]);
      expect(await sorted('duration')).toEqual([2, 3, 1, 4]);
      expect(await sorted('epochs')).toEqual([1, 3, 2, 4]);
      expect(await sorted('sweep')).toEqual([2, 1, 4, 3]);
      expect(await sorted('trial')).toEqual([2, 1, 4, 3]);
      expect(await sorted('parent')).toEqual([3, 1, 4, 2]);
      // The gap: final train_accuracy - val_accuracy, 0.1, 0.25 and 0.24.
      expect(await sorted('gap')).toEqual([1, 3, 2, 4]);
    });

    it('descending, still with runs without a value last', async () => {
      expect(await sorted('started', 'desc')).toEqual([2, 1, 3, 4]);
      expect(await sorted('backend', 'desc')).toEqual([1, 2, 3, 4]);
      expect(await sorted('params.lr', 'desc')).toEqual([1, 3, 2, 4]);
    });

    it('ignores case in names', async () => {
      expect((await store.queryRuns({ sort: { column: 'name', direction: 'asc' }, offset: 0, limit: 10 })).runs.map((r) => r.name)).toEqual(['Bravo', 'charlie', 'delta', 'echo']);
    });

    it('by params, tags, and each metric summary', async () => {
      expect(await sorted('params.lr')).toEqual([2, 3, 1, 4]);
      expect(await sorted('tags.stage')).toEqual([3, 1, 2, 4]);
      expect(await sorted('metrics.val_accuracy')).toEqual([2, 3, 1, 4]);
      expect(await sorted('best.val_accuracy')).toEqual([3, 1, 2, 4]);
      expect(await sorted('max.train_accuracy')).toEqual([1, 2, 3, 4]);
      expect(await sorted('metrics.val_loss')).toEqual([2, 3, 1, 4]);
      expect(await sorted('min.val_loss')).toEqual([3, 2, 1, 4]);
      expect(await sorted('best.val_loss')).toEqual([3, 2, 1, 4]);
      expect(await sorted('max.val_loss')).toEqual([3, 1, 2, 4]);
    });

    it('sorts by several metrics within a filter, each by its own summary', async () => {
      // Without the filter run 2 would come first; a name mixed up with the filter's value would sort nothing (4, 3, 1).
      expect(await ids({ filter: 'kind = "train"', sort: [{ column: 'min.val_loss', direction: 'asc' }, { column: 'metrics.val_accuracy', direction: 'desc' }] })).toEqual([3, 1, 4]);
      expect(await ids({ filter: 'kind = "train"', sort: [{ column: 'metrics.val_accuracy', direction: 'desc' }, { column: 'min.val_loss', direction: 'asc' }] })).toEqual([1, 3, 4]);
    });

    it('sorts by the final value of a setting logged as a metric (lr), which has no best', async () => {
      const other = await openStore();
      for (const lr of [0.1, 0.001, 0.01]) {
        const run = await other.createRun({ experiment: 'default', config: {}, params: {}, seed: 1, backend: 'wasm' });
        await other.logEpoch(run.run_id, { step: 1, time: 1, metrics: { lr } });
      }
      expect((await other.queryRuns({ sort: { column: 'metrics.lr', direction: 'asc' }, offset: 0, limit: 10 })).runs.map((r) => r.run_id)).toEqual([2, 3, 1]);
    });

    it('breaks ties newest first, and with no sort shows the newest runs first', async () => {
      expect(await sorted('kind', 'desc')).toEqual([4, 3, 1, 2]);
      expect(await ids({})).toEqual([4, 3, 2, 1]);
    });

    it('refuses a column it does not know, naming the ones it does', async () => {
      for (const column of ['colour', 'params.', '.lr', 'weights.x', 'params']) {
        const error = await store.queryRuns({ sort: { column, direction: 'asc' }, offset: 0, limit: 1 }).catch((e: unknown) => e);
        expect(error, column).toBeInstanceOf(AppError);
        expect(error, column).toMatchObject({ code: 'BAD_INPUT', fields: [{ field: 'sort', message: `unknown column "${column}"` }] });
        expect((error as AppError).message, column).toBe(
          `Cannot sort by "${column}": use run_id, name, status, kind, backend, experiment, created, started, ended, user, duration, epochs, sweep, trial, parent, gap, params.NAME, metrics.KEY, best.KEY, min.KEY, max.KEY or tags.NAME.`,
        );
      }
    });

    it('refuses best.lr as a sort field, naming the field', async () => {
      const error = await store.queryRuns({ sort: { column: 'best.lr', direction: 'asc' }, offset: 0, limit: 1 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BAD_INPUT', fields: [{ field: 'sort', message: 'lr has no best value' }] });
    });
  });

  describe('pages and scopes', () => {
    it('pages through the runs and counts all the matches', async () => {
      const page = await store.queryRuns({ sort: { column: 'run_id', direction: 'asc' }, offset: 1, limit: 2 });
      expect([page.runs.map((r) => r.run_id), page.total]).toEqual([[2, 3], 4]);
      const filtered = await store.queryRuns({ filter: 'kind = "train"', offset: 0, limit: 1 });
      expect([filtered.runs.map((r) => r.run_id), filtered.total]).toEqual([[4], 3]);
    });

    it('scopes to an experiment, to chosen runs, or to a sweep', async () => {
      expect(await ids({ experiment: 'mid' })).toEqual([4, 3]);
      expect(await ids({ experiment: 'nowhere' })).toEqual([]);
      expect(await ids({ runIds: [1, 4] })).toEqual([4, 1]);
      expect(await ids({ runIds: [] })).toEqual([]);
      expect(await ids({ sweepId })).toEqual([2, 1]);
    });

    it("shows only a sweep trial's latest run, and archived runs only when asked", async () => {
      const again = await store.createRun({ experiment: 'zeta', config: {}, params: {}, seed: 1, backend: 'wasm', sweep: { sweepId, trial: 1 } });
      expect(await ids({ sweepId })).toEqual([again.run_id, 1]);
      await store.annotations.setArchived([1], true);
      expect(await ids({ sweepId })).toEqual([again.run_id]);
      expect(await ids({ sweepId, includeArchived: true })).toEqual([again.run_id, 1]);
    });
  });
});

describe('the page query of a metric sort', () => {
  it('reads each metric summary through one join on it, not through a subquery per run', async () => {
    const columns = new ColumnCache(() => ({ params: new Set<string>(), metrics: new Set(['val_accuracy', 'val_loss']), tags: new Set<string>() }));
    const sort: RunSort[] = [
      { column: 'best.val_accuracy', direction: 'desc' },
      { column: 'metrics.val_loss', direction: 'asc' },
    ];
    for (const dialect of [SQLITE_DIALECT, postgresDialect(true)]) {
      const plan = await planRunsPage({ sort, offset: 0, limit: 100 }, columns, dialect);
      expect(plan.ids.sql).toContain('FROM runs r LEFT JOIN metric_summaries sort1 ON sort1.run_id = r.id AND sort1.key = ? LEFT JOIN metric_summaries sort2 ON sort2.run_id = r.id AND sort2.key = ? WHERE');
      expect(plan.ids.sql).toContain('ORDER BY ((sort1.max_value) IS NULL), sort1.max_value DESC, ((sort2.last_value) IS NULL), sort2.last_value ASC, r.id DESC');
      expect(plan.ids.sql).not.toContain('SELECT m.');
      expect(plan.ids.args).toEqual(['val_accuracy', 'val_loss', 100, 0]);
    }
  });
});
