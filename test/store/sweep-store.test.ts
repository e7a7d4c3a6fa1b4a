/**
 * Sweeps as each engine keeps them (`store/sweep-store.ts`, `store/postgres/postgres-sweeps.ts`): what a sweep
 * records when created, how its trials read back (status, objective value, epochs), the summary the sweeps list
 * shows (counts, best trial, epochs trained), and who may resume or recover it.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { RunStore } from '../../src-main/store/run-store';
import type { CreateSweepInput } from '../../src-main/store/sweep-store';
import type { RunStatus } from '../../src-shared/entities/run';
import { describeStores } from '../helpers/stores';

const input = (overrides: Partial<CreateSweepInput> = {}): CreateSweepInput => ({
  name: 'lr-search',
  experiment: 'tuning',
  strategy: 'asha',
  space: [{ name: 'lr', distribution: 'loguniform(0.0001,0.1)' }],
  fixed: { dataset: 'iris', epochs: 9 },
  objective: { metric: 'val_accuracy', direction: 'max' },
  trials: [{ lr: 0.1 }, { lr: 0.01 }, { lr: 0.001 }],
  seed: 17,
  parallel: 2,
  asha: { min_epochs: 1, max_epochs: 9, reduction_factor: 3 },
  ...overrides,
});

/** A trial's run: `values` of the objective, one per epoch, then the run ends with `status` (or stays running). */
async function trialRun(store: RunStore, sweepId: number, trial: number, status: RunStatus, values: Record<string, number>[]) {
  const run = await store.createRun({ experiment: 'tuning', config: {}, params: {}, seed: 1, backend: 'wasm', sweep: { sweepId, trial } });
  for (const [i, metrics] of values.entries()) await store.logEpoch(run.run_id, { step: i + 1, time: i + 1, metrics });
  if (status !== 'queued' && status !== 'running') await store.endRun(run.run_id, { status, time: 100 });
  else if (status === 'running') await store.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: 1 });
  return run.run_id;
}

describeStores('sweeps', ({ open: openStore, sql }) => {
  /** The experiments' names, sorted. */
  const experimentNames = async (store: RunStore) => (await sql(store, 'SELECT name FROM experiments')).map((row) => row.name as string).sort();
  /** Who owns a sweep: its host and process. */
  const owner = async (store: RunStore, id: number) => (await sql(store, 'SELECT owner_host, owner_pid FROM sweeps WHERE id = ?', [id]))[0];

  describe('creating a sweep', () => {
    it('records everything it was given, in its experiment, running and owned by this process', async () => {
      const store = await openStore();
      const before = Date.now();
      const id = await store.sweeps.create(input());
      const sweep = await store.sweeps.get(id);
      expect(sweep).toMatchObject({
        sweep_id: id,
        name: 'lr-search',
        experiment: 'tuning',
        status: 'running',
        error: null,
        strategy: 'asha',
        space: [{ name: 'lr', distribution: 'loguniform(0.0001,0.1)' }],
        fixed: { dataset: 'iris', epochs: 9 },
        objective: { metric: 'val_accuracy', direction: 'max' },
        trials_planned: 3,
        seed: 17,
        parallel: 2,
        asha: { min_epochs: 1, max_epochs: 9, reduction_factor: 3 },
        ended_at: null,
      });
      expect(sweep?.created_at).toBeGreaterThanOrEqual(before);
      expect(await owner(store, id)).toEqual({ owner_host: hostname(), owner_pid: process.pid });
      expect(await experimentNames(store)).toContain('tuning');
    });

    it('plans every trial, numbered from 1 in the given order, pending until it has a run', async () => {
      const store = await openStore();
      const id = await store.sweeps.create(input());
      expect((await store.sweeps.get(id))?.trials).toEqual([
        { trial: 1, params: { lr: 0.1 }, run_id: null, status: 'pending', value: null, epochs: 0, host: null },
        { trial: 2, params: { lr: 0.01 }, run_id: null, status: 'pending', value: null, epochs: 0, host: null },
        { trial: 3, params: { lr: 0.001 }, run_id: null, status: 'pending', value: null, epochs: 0, host: null },
      ]);
    });

    it('names an unnamed sweep after its id, and keeps no ASHA settings for a grid', async () => {
      const store = await openStore();
      await store.sweeps.create(input());
      const id = await store.sweeps.create(input({ name: '', strategy: 'grid', asha: null }));
      expect(await store.sweeps.get(id)).toMatchObject({ name: `sweep-${id}`, strategy: 'grid', asha: null });
    });

    it('reads nothing for a sweep that does not exist', async () => {
      const store = await openStore();
      expect(await store.sweeps.get(99)).toBeNull();
    });
  });

  describe('trials and the sweep summary', () => {
    it("reads each trial's status, its best objective value in the sweep's direction, and its epochs", async () => {
      const store = await openStore();
      const id = await store.sweeps.create(input());
      await trialRun(store, id, 1, 'finished', [{ val_accuracy: 0.5 }, { val_accuracy: 0.9 }, { val_accuracy: 0.7 }]);
      await trialRun(store, id, 2, 'pruned', [{ val_loss: 0.3 }]);
      const trials = (await store.sweeps.get(id))?.trials;
      expect(trials?.map((t) => [t.trial, t.status, t.value, t.epochs])).toEqual([
        [1, 'finished', 0.9, 3],
        [2, 'pruned', null, 1],
        [3, 'pending', null, 0],
      ]);
      const minimising = await store.sweeps.create(input({ objective: { metric: 'val_accuracy', direction: 'min' } }));
      await trialRun(store, minimising, 1, 'finished', [{ val_accuracy: 0.5 }, { val_accuracy: 0.9 }, { val_accuracy: 0.7 }]);
      expect((await store.sweeps.get(minimising))?.trials[0]?.value).toBe(0.5);
    });

    it('counts trials by status: diverged as failed, queued as running, stopped and interrupted as pending', async () => {
      const store = await openStore();
      const statuses: RunStatus[] = ['finished', 'finished', 'pruned', 'failed', 'diverged', 'running', 'queued', 'stopped', 'interrupted'];
      const id = await store.sweeps.create(input({ trials: [...statuses.map((_, i) => ({ lr: i })), { lr: 99 }] }));
      for (const [i, status] of statuses.entries()) await trialRun(store, id, i + 1, status, []);
      expect((await store.sweeps.get(id))?.counts).toEqual({ pending: 3, running: 2, finished: 2, pruned: 1, failed: 2 });
    });

    it("names the best trial in the sweep's direction, over trials with a value, and sums every epoch trained", async () => {
      const store = await openStore();
      const max = await store.sweeps.create(input({ trials: [{ lr: 1 }, { lr: 2 }, { lr: 3 }, { lr: 4 }] }));
      await trialRun(store, max, 1, 'finished', [{ val_accuracy: 0.6 }, { val_accuracy: 0.7 }]);
      const best = await trialRun(store, max, 2, 'finished', [{ val_accuracy: 0.8 }]);
      await trialRun(store, max, 3, 'finished', [{ val_accuracy: 0.4 }, { val_accuracy: 0.5 }, { val_accuracy: 0.3 }]);
      await trialRun(store, max, 4, 'failed', [{ train_loss: 9 }]);
      expect(await store.sweeps.get(max)).toMatchObject({ best_run_id: best, best_value: 0.8, epochs_trained: 7 });

      const min = await store.sweeps.create(input({ objective: { metric: 'val_loss', direction: 'min' }, trials: [{ lr: 1 }, { lr: 2 }, { lr: 3 }] }));
      await trialRun(store, min, 1, 'finished', [{ val_loss: 0.4 }]);
      const lowest = await trialRun(store, min, 2, 'finished', [{ val_loss: 0.9 }, { val_loss: 0.2 }]);
      await trialRun(store, min, 3, 'finished', [{ val_loss: 0.3 }]);
      expect(await store.sweeps.get(min)).toMatchObject({ best_run_id: lowest, best_value: 0.2, epochs_trained: 4 });
    });

    it('keeps the first of two trials tied for best', async () => {
      const store = await openStore();
      const id = await store.sweeps.create(input({ trials: [{ lr: 1 }, { lr: 2 }] }));
      const first = await trialRun(store, id, 1, 'finished', [{ val_accuracy: 0.8 }]);
      await trialRun(store, id, 2, 'finished', [{ val_accuracy: 0.8 }]);
      expect((await store.sweeps.get(id))?.best_run_id).toBe(first);
    });

    it('keeps the first of two trials tied for the lowest value, and passes over a first trial without one', async () => {
      const store = await openStore();
      const id = await store.sweeps.create(input({ objective: { metric: 'val_loss', direction: 'min' }, trials: [{ lr: 1 }, { lr: 2 }, { lr: 3 }] }));
      await trialRun(store, id, 1, 'failed', [{ train_loss: 1 }]);
      const first = await trialRun(store, id, 2, 'finished', [{ val_loss: 0.4 }]);
      await trialRun(store, id, 3, 'finished', [{ val_loss: 0.4 }]);
      expect(await store.sweeps.get(id)).toMatchObject({ best_run_id: first, best_value: 0.4 });
    });

    it('has no best trial and no epochs before any trial has run', async () => {
      const store = await openStore();
      const id = await store.sweeps.create(input());
      expect(await store.sweeps.get(id)).toMatchObject({ best_run_id: null, best_value: null, epochs_trained: 0, counts: { pending: 3, running: 0, finished: 0, pruned: 0, failed: 0 } });
    });

    it('counts the epochs of every attempt of a trial, while the trial shows its latest run', async () => {
      const store = await openStore();
      const id = await store.sweeps.create(input({ trials: [{ lr: 1 }] }));
      await trialRun(store, id, 1, 'interrupted', [{ val_accuracy: 0.1 }, { val_accuracy: 0.2 }]);
      const again = await trialRun(store, id, 1, 'finished', [{ val_accuracy: 0.3 }]);
      const sweep = await store.sweeps.get(id);
      expect(sweep?.trials[0]).toMatchObject({ run_id: again, status: 'finished', epochs: 1 });
      expect(sweep?.epochs_trained).toBe(3);
    });

    it('lists sweeps newest first, as summaries without their trials', async () => {
      const store = await openStore();
      const first = await store.sweeps.create(input({ name: 'first' }));
      const second = await store.sweeps.create(input({ name: 'second' }));
      const list = await store.sweeps.list();
      expect(list.map((s) => [s.sweep_id, s.name])).toEqual([[second, 'second'], [first, 'first']]);
      expect(list[0]).not.toHaveProperty('trials');
      expect(list[0]?.counts.pending).toBe(3);
    });
  });

  describe('sweep status and ownership', () => {
    it('sets the status, end time and error; the error is cleared when not given', async () => {
      const store = await openStore();
      const id = await store.sweeps.create(input());
      await store.sweeps.setStatus(id, 'failed', 500, 'A trial could not start: boom');
      expect(await store.sweeps.get(id)).toMatchObject({ status: 'failed', ended_at: 500, error: 'A trial could not start: boom' });
      await store.sweeps.setStatus(id, 'stopped', 600);
      expect(await store.sweeps.get(id)).toMatchObject({ status: 'stopped', ended_at: 600, error: null });
    });

    it('lets this process claim a sweep that has stopped (a resume), but not one that is running or finished', async () => {
      const store = await openStore();
      const id = await store.sweeps.create(input());
      expect(await store.sweeps.claim(id)).toBe(false);
      await store.sweeps.setStatus(id, 'finished', 10);
      expect(await store.sweeps.claim(id)).toBe(false);
      await store.sweeps.setStatus(id, 'interrupted', 20, 'gone');
      await sql(store, 'UPDATE sweeps SET owner_host = ?, owner_pid = ? WHERE id = ?', ['elsewhere', 1, id]);
      expect(await store.sweeps.claim(id)).toBe(true);
      expect(await store.sweeps.get(id)).toMatchObject({ status: 'running', ended_at: null, error: null });
      expect(await owner(store, id)).toEqual({ owner_host: hostname(), owner_pid: process.pid });
    });

    it("takes a stop request for a running sweep run by its own process, forgotten when it is claimed again; none for a worker sweep's", async () => {
      const store = await openStore();
      const id = await store.sweeps.create(input());
      const onWorkers = await store.sweeps.create(input({ workers: true }));
      expect(await store.sweeps.stopRequested(id)).toBe(false);
      expect(await store.sweeps.requestStop(id)).toBe(true);
      expect(await store.sweeps.stopRequested(id)).toBe(true);
      expect(await store.sweeps.requestStop(onWorkers)).toBe(false);
      await store.sweeps.setStatus(id, 'stopped', 10);
      expect(await store.sweeps.requestStop(id)).toBe(false);
      expect(await store.sweeps.claim(id)).toBe(true);
      expect(await store.sweeps.stopRequested(id)).toBe(false);
    });

    it('marks sweeps whose owner on this machine is gone as interrupted, leaving live, foreign and own ones running', async () => {
      const store = await openStore();
      const gone = await store.sweeps.create(input({ name: 'gone' }));
      const alive = await store.sweeps.create(input({ name: 'alive' }));
      const foreign = await store.sweeps.create(input({ name: 'foreign' }));
      const ownerless = await store.sweeps.create(input({ name: 'ownerless' }));
      const own = await store.sweeps.create(input({ name: 'own' }));
      const finished = await store.sweeps.create(input({ name: 'finished' }));
      const setOwner = (host: string | null, pid: number | null, id: number) => sql(store, 'UPDATE sweeps SET owner_host = ?, owner_pid = ? WHERE id = ?', [host, pid, id]);
      await setOwner(hostname(), 1001, gone);
      await setOwner(hostname(), 1002, alive);
      await setOwner('another-machine', 1001, foreign);
      await setOwner(null, null, ownerless);
      await setOwner(hostname(), 1001, finished);
      await store.sweeps.setStatus(finished, 'finished', 5);
      const asked: number[] = [];
      const before = Date.now();
      const recovered = await store.sweeps.recoverInterrupted((pid) => {
        asked.push(pid);
        return pid === 1002;
      });
      expect(recovered.sort()).toEqual([gone, ownerless].sort());
      expect(asked.sort()).toEqual([1001, 1002]);
      const status = async (id: number) => (await store.sweeps.get(id))?.status;
      expect(await Promise.all([gone, alive, foreign, ownerless, own, finished].map(status))).toEqual(['interrupted', 'running', 'running', 'interrupted', 'running', 'finished']);
      expect((await store.sweeps.get(gone))?.ended_at).toBeGreaterThanOrEqual(before);
      expect((await store.sweeps.get(finished))?.ended_at).toBe(5);
      // Once its owner is gone too, the live one follows; another machine's sweep and this process's own never do.
      expect(await store.sweeps.recoverInterrupted(() => false)).toEqual([alive]);
    });
  });
});
