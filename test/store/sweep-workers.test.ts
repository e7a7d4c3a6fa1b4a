/**
 * Worker sweeps as the store keeps them, on every engine: the SweepStore contract that `runboard worker` processes on
 * many machines rely on. A trial is claimed by one worker only, in order; a worker's heartbeat keeps its trials and
 * tells it of a stopped sweep; a silent worker's trial is handed on once, then fails; the sweep finishes exactly once,
 * whoever finishes its last trial; a rung's reports are judged one after another, each against those before it.
 * Concurrency is real on PostgreSQL (two stores, two connection pools, as two machines have).
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { promotable } from '../../src-main/search/asha';
import type { RunStore } from '../../src-main/store/run-store';
import type { CreateSweepInput } from '../../src-main/store/sweep-store';
import { describeStores } from '../helpers/stores';

const sweepInput = (overrides: Partial<CreateSweepInput> = {}): CreateSweepInput => ({
  name: '',
  experiment: 'tuning',
  strategy: 'random',
  space: [{ name: 'lr', distribution: 'loguniform(0.0001,0.1)' }],
  fixed: { dataset: 'iris', epochs: 3 },
  objective: { metric: 'val_loss', direction: 'min' },
  trials: [{ lr: 0.1 }, { lr: 0.01 }, { lr: 0.001 }],
  seed: 17,
  parallel: 2,
  asha: null,
  workers: true,
  ...overrides,
});

const trials = (count: number) => Array.from({ length: count }, (_, i) => ({ lr: (i + 1) / 1000 }));

/** The run a worker creates for its trial, running. */
async function trialRun(store: RunStore, sweepId: number, trial: number): Promise<number> {
  const run = await store.createRun({ experiment: 'tuning', config: {}, params: {}, seed: 1, backend: 'wasm', sweep: { sweepId, trial } });
  await store.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: Date.now() });
  return run.run_id;
}

describeStores('worker sweeps', ({ open, location, sql }) => {
  /** Two stores on one database, as two machines have (on PostgreSQL, two connection pools). */
  async function twoMachines(): Promise<[RunStore, RunStore]> {
    const where = await location();
    const first = await open(where);
    return [first, await open(where)];
  }

  /** Each trial of a sweep: its claim state, who claimed it, how often. */
  const claims = async (store: RunStore, sweepId: number) =>
    (await sql(store, 'SELECT trial, claim_state, claimed_by, attempts FROM sweep_trials WHERE sweep_id = ? ORDER BY trial', [sweepId])).map((r) => ({
      trial: Number(r.trial),
      state: r.claim_state,
      by: r.claimed_by,
      attempts: Number(r.attempts),
    }));

  describe('claiming', () => {
    it('takes pending trials in order, lowest sweep first, only of running worker sweeps, with what the worker needs', async () => {
      const store = await open();
      const local = await store.sweeps.create(sweepInput({ workers: false }));
      const first = await store.sweeps.create(sweepInput({ name: 'first', asha: { min_epochs: 1, max_epochs: 3, reduction_factor: 3 }, strategy: 'asha' }));
      const second = await store.sweeps.create(sweepInput({ trials: trials(2) }));
      const stopped = await store.sweeps.create(sweepInput());
      expect(await store.sweeps.claims.stopOnWorkers(stopped, 5)).toBe(true);

      expect(await store.sweeps.claims.claimTrial('a:1', null, 1000)).toEqual({
        sweepId: first,
        trial: 1,
        attempt: 1,
        params: { lr: 0.1 },
        experiment: 'tuning',
        fixed: { dataset: 'iris', epochs: 3 },
        seed: 17,
        objective: { metric: 'val_loss', direction: 'min' },
        asha: { min_epochs: 1, max_epochs: 3, reduction_factor: 3 },
      });
      // A worker given a sweep takes only its trials.
      expect(await store.sweeps.claims.claimTrial('b:2', second, 1000)).toMatchObject({ sweepId: second, trial: 1 });
      const rest = [];
      for (let claim = await store.sweeps.claims.claimTrial('a:1', null); claim; claim = await store.sweeps.claims.claimTrial('a:1', null)) rest.push([claim.sweepId, claim.trial]);
      expect(rest).toEqual([
        [first, 2],
        [first, 3],
        [second, 2],
      ]);
      expect(await store.sweeps.claims.claimTrial('a:1', local)).toBeNull();
      expect(await store.sweeps.claims.claimTrial('a:1', stopped)).toBeNull();
      expect((await claims(store, first))[0]).toEqual({ trial: 1, state: 'claimed', by: 'a:1', attempts: 1 });
      // The trials of a sweep its own process runs have no claim state: that process keeps them.
      expect((await claims(store, local))[0]).toEqual({ trial: 1, state: null, by: null, attempts: 0 });
    });

    it('never gives one trial to two workers claiming at once', async () => {
      const [machineA, machineB] = await twoMachines();
      const sweepId = await machineA.sweeps.create(sweepInput({ trials: trials(30) }));
      const claimsOf = (store: RunStore, worker: string) => Array.from({ length: 20 }, () => store.sweeps.claims.claimTrial(worker, sweepId));
      const results = await Promise.all([...claimsOf(machineA, 'a:1'), ...claimsOf(machineB, 'b:1')]);
      const taken = results.filter((r) => r !== null).map((r) => r.trial);
      expect(taken.sort((x, y) => x - y)).toEqual(trials(30).map((_, i) => i + 1));
      expect(results.filter((r) => r === null)).toHaveLength(10);
      // Each trial is recorded as claimed once, by the worker that got it.
      const got = new Map(results.flatMap((r, i) => (r ? [[r.trial, i < 20 ? 'a:1' : 'b:1'] as const] : [])));
      expect((await claims(machineA, sweepId)).map((c) => [c.trial, c.state, c.by, c.attempts])).toEqual([...got.keys()].sort((x, y) => x - y).map((t) => [t, 'claimed', got.get(t), 1]));
    });
  });

  describe('heartbeats and stopping', () => {
    it("keeps a worker's trials and tells it when their sweep was stopped; a stopped sweep gives out no more trials", async () => {
      const store = await open();
      const sweepId = await store.sweeps.create(sweepInput({ trials: trials(4) }));
      await store.sweeps.claims.claimTrial('a:1', sweepId, 1000);
      await store.sweeps.claims.claimTrial('b:1', sweepId, 1000);
      await store.sweeps.claims.claimTrial('a:1', sweepId, 1000);
      expect(await store.sweeps.claims.heartbeat('a:1', 5000)).toEqual([
        { sweepId, trial: 1, stopped: false },
        { sweepId, trial: 3, stopped: false },
      ]);
      const heardAt = await sql(store, 'SELECT trial, heartbeat_at FROM sweep_trials WHERE sweep_id = ? ORDER BY trial', [sweepId]);
      expect(heardAt.map((r) => [Number(r.trial), r.heartbeat_at === null ? null : Number(r.heartbeat_at)])).toEqual([
        [1, 5000],
        [2, 1000],
        [3, 5000],
        [4, null],
      ]);
      expect(await store.sweeps.claims.openTrials(sweepId)).toBe(4);
      expect(await store.sweeps.claims.stopOnWorkers(sweepId, 6000)).toBe(true);
      expect(await store.sweeps.claims.stopOnWorkers(sweepId, 6000)).toBe(false);
      expect(await store.sweeps.claims.heartbeat('b:1', 7000)).toEqual([{ sweepId, trial: 2, stopped: true }]);
      expect(await store.sweeps.claims.claimTrial('c:1', sweepId)).toBeNull();
      expect(await store.sweeps.claims.openTrials(sweepId)).toBe(0);
      expect(await store.sweeps.get(sweepId)).toMatchObject({ status: 'stopped', ended_at: 6000, workers: true });
    });

    it('takes a trial given back (its worker or sweep stopped) as pending again, that claim not counted, its rung values forgotten', async () => {
      const store = await open();
      const sweepId = await store.sweeps.create(sweepInput({ strategy: 'asha', asha: { min_epochs: 1, max_epochs: 3, reduction_factor: 2 } }));
      await store.sweeps.claims.claimTrial('a:1', sweepId);
      await store.sweeps.claims.reportRung(sweepId, 1, 1, 0.5);
      expect(await store.sweeps.claims.releaseTrial('b:1', sweepId, 1)).toBe(false);
      expect(await store.sweeps.claims.releaseTrial('a:1', sweepId, 1)).toBe(true);
      expect((await claims(store, sweepId))[0]).toEqual({ trial: 1, state: 'pending', by: null, attempts: 0 });
      expect(await sql(store, 'SELECT trial FROM sweep_rungs WHERE sweep_id = ?', [sweepId])).toEqual([]);
      expect(await store.sweeps.claims.claimTrial('b:1', sweepId)).toMatchObject({ trial: 1, attempt: 1 });
    });
  });

  describe('silent workers', () => {
    it("hands a silent worker's trial on once, its run interrupted; the second silent worker fails it, and the sweep ends", async () => {
      const [machineA, machineB] = await twoMachines();
      const sweepId = await machineA.sweeps.create(sweepInput({ trials: [{ lr: 0.1 }] }));
      await machineA.sweeps.claims.claimTrial('host-a:11', sweepId, 10_000);
      const firstRun = await trialRun(machineA, sweepId, 1);
      await machineA.sweeps.claims.heartbeat('host-a:11', 12_000);

      // Within the grace period nothing happens.
      expect(await machineB.sweeps.claims.releaseStale(5000, 16_000)).toEqual([]);
      expect(await machineB.sweeps.claims.releaseStale(5000, 17_500)).toEqual([{ sweepId, trial: 1, worker: 'host-a:11', runId: firstRun, now: 'pending' }]);
      expect(await machineB.getRun(firstRun)).toMatchObject({ status: 'interrupted', ended_at: 12_000, error: expect.stringMatching(/^Its worker host-a:11 was not heard from for 6 s: the trial was handed to another worker\.$/) });
      // The silent worker learns it lost the trial, and cannot finish it.
      expect(await machineA.sweeps.claims.heartbeat('host-a:11', 18_000)).toEqual([]);
      expect(await machineA.sweeps.claims.finishTrial('host-a:11', sweepId, 1)).toEqual({ held: false, sweepFinished: false });

      expect(await machineB.sweeps.claims.claimTrial('host-b:22', sweepId, 20_000)).toMatchObject({ trial: 1, attempt: 2 });
      const secondRun = await trialRun(machineB, sweepId, 1);
      expect(await machineA.sweeps.claims.releaseStale(5000, 26_000)).toEqual([{ sweepId, trial: 1, worker: 'host-b:22', runId: secondRun, now: 'done' }]);
      expect(await machineA.getRun(secondRun)).toMatchObject({ status: 'failed', error: expect.stringContaining('Its worker stopped answering twice (the last, host-b:22,') });
      const sweep = await machineA.sweeps.get(sweepId);
      expect(sweep).toMatchObject({ status: 'finished', ended_at: 26_000, counts: { pending: 0, running: 0, finished: 0, pruned: 0, failed: 1 } });
      expect(sweep?.trials.map((t) => [t.trial, t.run_id, t.status])).toEqual([[1, secondRun, 'failed']]);
      expect(await machineA.sweeps.claims.openTrials(sweepId)).toBe(0);
    });

    it('counts a trial done, not run again, when its run had ended before its worker went silent', async () => {
      const store = await open();
      const sweepId = await store.sweeps.create(sweepInput({ trials: [{ lr: 0.1 }] }));
      await store.sweeps.claims.claimTrial('a:1', sweepId, 1000);
      const run = await trialRun(store, sweepId, 1);
      await store.endRun(run, { status: 'finished', time: 1500 });
      expect(await store.sweeps.claims.releaseStale(1000, 9000)).toEqual([{ sweepId, trial: 1, worker: 'a:1', runId: run, now: 'done' }]);
      expect(await store.getRun(run)).toMatchObject({ status: 'finished', error: null });
      expect(await store.sweeps.get(sweepId)).toMatchObject({ status: 'finished', counts: { finished: 1 } });
    });

    it('fails a trial whose silent worker had no run yet, the second time, and counts it failed', async () => {
      const store = await open();
      const sweepId = await store.sweeps.create(sweepInput({ trials: [{ lr: 0.1 }] }));
      await store.sweeps.claims.claimTrial('a:1', sweepId, 1000);
      expect((await store.sweeps.claims.releaseStale(1000, 5000))[0]?.now).toBe('pending');
      await store.sweeps.claims.claimTrial('b:1', sweepId, 6000);
      expect(await store.sweeps.claims.releaseStale(1000, 9000)).toEqual([{ sweepId, trial: 1, worker: 'b:1', runId: null, now: 'done' }]);
      expect((await store.sweeps.get(sweepId))?.trials[0]?.status).toBe('failed');
    });
  });

  describe('finishing', () => {
    it('finishes the sweep exactly once, in the transaction that finishes its last trial, whichever machine that is', async () => {
      const [machineA, machineB] = await twoMachines();
      const sweepId = await machineA.sweeps.create(sweepInput({ trials: trials(12) }));
      const held: [RunStore, string, number][] = [];
      for (let i = 0; i < 12; i++) {
        const [store, worker] = i % 2 === 0 ? [machineA, 'a:1'] : [machineB, 'b:1'];
        held.push([store, worker, ((await store.sweeps.claims.claimTrial(worker, sweepId)) as { trial: number }).trial]);
      }
      const results = await Promise.all(held.map(([store, worker, trial]) => store.sweeps.claims.finishTrial(worker, sweepId, trial, 50_000)));
      expect(results.every((r) => r.held)).toBe(true);
      expect(results.filter((r) => r.sweepFinished)).toHaveLength(1);
      expect(await machineB.sweeps.get(sweepId)).toMatchObject({ status: 'finished', ended_at: 50_000 });
    });

    it('does not finish a sweep while a trial is pending or claimed, and finishes one stopped while its last trials ended', async () => {
      const store = await open();
      const sweepId = await store.sweeps.create(sweepInput({ trials: trials(3) }));
      await store.sweeps.claims.claimTrial('a:1', sweepId);
      await store.sweeps.claims.claimTrial('a:1', sweepId);
      expect(await store.sweeps.claims.finishTrial('a:1', sweepId, 1)).toEqual({ held: true, sweepFinished: false });
      expect(await store.sweeps.claims.finishTrial('a:1', sweepId, 1)).toEqual({ held: false, sweepFinished: false });
      await store.sweeps.claims.claimTrial('a:1', sweepId);
      expect(await store.sweeps.claims.finishTrial('a:1', sweepId, 2)).toEqual({ held: true, sweepFinished: false });
      expect((await store.sweeps.get(sweepId))?.status).toBe('running');
      await store.sweeps.claims.stopOnWorkers(sweepId);
      expect(await store.sweeps.claims.finishTrial('a:1', sweepId, 3)).toEqual({ held: true, sweepFinished: true });
      expect((await store.sweeps.get(sweepId))?.status).toBe('finished');
    });
  });

  describe('successive halving at the rungs', () => {
    it('judges concurrent reports one after another, each against the values recorded before it', async () => {
      const [machineA, machineB] = await twoMachines();
      const count = 16;
      const sweepId = await machineA.sweeps.create(sweepInput({ strategy: 'asha', objective: { metric: 'val_accuracy', direction: 'max' }, trials: trials(count), asha: { min_epochs: 1, max_epochs: 4, reduction_factor: 2 } }));
      // Earlier reports are better: a report that did not see those before it would wrongly go on.
      const value = (trial: number) => 1 - trial * 0.05;
      const decisions = await Promise.all(Array.from({ length: count }, (_, i) => (i % 2 === 0 ? machineA : machineB).sweeps.claims.reportRung(sweepId, 2, i + 1, value(i + 1))));
      const recorded = (await sql(machineA, 'SELECT trial, value FROM sweep_rungs WHERE sweep_id = ? AND epoch = 2 ORDER BY id', [sweepId])).map((r) => ({ trial: Number(r.trial), value: Number(r.value) }));
      expect(recorded.map((r) => r.trial).sort((a, b) => a - b)).toEqual(trials(count).map((_, i) => i + 1));
      recorded.forEach((report, position) => {
        const before = recorded.slice(0, position + 1).map((r) => r.value);
        expect(decisions[report.trial - 1], `trial ${report.trial}, judged ${position + 1}th`).toBe(promotable(report.value, before, 'max', 2));
      });
      expect(decisions.filter(Boolean).length).toBeLessThan(count);
    });

    it("never lets a value that is not finite go on, nor count against later ones; a trial's report again replaces its first", async () => {
      const store = await open();
      const sweepId = await store.sweeps.create(sweepInput({ strategy: 'asha', trials: trials(4), asha: { min_epochs: 1, max_epochs: 4, reduction_factor: 2 } }));
      expect(await store.sweeps.claims.reportRung(sweepId, 1, 1, Number.NaN)).toBe(false);
      expect(await store.sweeps.claims.reportRung(sweepId, 1, 2, 0.9)).toBe(true);
      expect(await store.sweeps.claims.reportRung(sweepId, 1, 3, 0.5)).toBe(true);
      expect(await store.sweeps.claims.reportRung(sweepId, 1, 4, 0.7)).toBe(false);
      expect(await store.sweeps.claims.reportRung(sweepId, 1, 2, 0.4)).toBe(true);
      expect((await sql(store, 'SELECT trial FROM sweep_rungs WHERE sweep_id = ? AND epoch = 1 ORDER BY id', [sweepId])).map((r) => Number(r.trial))).toEqual([1, 3, 4, 2]);
      const grid = await store.sweeps.create(sweepInput());
      await expect(store.sweeps.claims.reportRung(grid, 1, 1, 0.5)).rejects.toThrow(`Sweep ${grid} has no rungs`);
      await expect(store.sweeps.claims.reportRung(999, 1, 1, 0.5)).rejects.toThrow('Sweep 999 does not exist');
    });
  });

  describe('what a sweep shows', () => {
    it('says it runs on workers, and which host trained each trial', async () => {
      const store = await open();
      const sweepId = await store.sweeps.create(sweepInput());
      await store.sweeps.claims.claimTrial('a:1', sweepId);
      const runId = await trialRun(store, sweepId, 1);
      const sweep = await store.sweeps.get(sweepId);
      expect(sweep?.workers).toBe(true);
      expect(sweep?.trials.map((t) => [t.trial, t.run_id, t.host])).toEqual([
        [1, runId, hostname()],
        [2, null, null],
        [3, null, null],
      ]);
      expect((await store.sweeps.get(await store.sweeps.create(sweepInput({ workers: false }))))?.workers).toBe(false);
    });

    it('is not taken for interrupted when the process that created it is gone: its workers run it', async () => {
      const store = await open();
      const sweepId = await store.sweeps.create(sweepInput());
      const local = await store.sweeps.create(sweepInput({ workers: false }));
      await sql(store, 'UPDATE sweeps SET owner_pid = 999999999');
      expect(await store.sweeps.recoverInterrupted(() => false)).toEqual([local]);
      expect((await store.sweeps.get(sweepId))?.status).toBe('running');
    });
  });
});
