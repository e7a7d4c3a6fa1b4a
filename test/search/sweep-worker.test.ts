/**
 * A sweep worker (`search/sweep-worker.ts`) in this process, on both engines, against another "machine" (a second
 * store on the same database) that the test plays: the worker wakes when that machine writes (PostgreSQL's NOTIFY,
 * SQLite's data version), not on its own clock (its poll is set to an hour here); it stops a trial that went to another
 * worker while it was silent; successive halving's rungs are judged in the store.
 */
import { afterEach, expect, it } from 'vitest';
import { openCore, type Core } from '../../src-main/core';
import { SweepWorker, type WorkerEnd, type WorkerNotice } from '../../src-main/search/sweep-worker';
import type { CreateSweepInput } from '../../src-main/store/sweep-store';
import { requireBuiltWorker } from '../helpers/core';
import { describeStores } from '../helpers/stores';

requireBuiltWorker();

const HOUR = 3_600_000;

const sweepInput = (overrides: Partial<CreateSweepInput> = {}): CreateSweepInput => ({
  name: '',
  experiment: 'default',
  strategy: 'grid',
  space: [{ name: 'lr', distribution: '[0.1]' }],
  fixed: { dataset: 'iris', hidden: [8], epochs: 2, backend: 'wasm' },
  objective: { metric: 'val_accuracy', direction: 'max' },
  trials: [{ lr: 0.1 }],
  seed: 3,
  parallel: 1,
  asha: null,
  workers: true,
  ...overrides,
});

/** Resolves once `predicate` holds for a notice (now or later); fails after `timeoutMs`. */
function noticeOf(notices: WorkerNotice[], predicate: (notice: WorkerNotice) => boolean, timeoutMs = 120_000): Promise<WorkerNotice> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const look = () => {
      const found = notices.find(predicate);
      if (found) resolve(found);
      else if (Date.now() > deadline) reject(new Error(`no such notice within ${timeoutMs} ms; notices: ${JSON.stringify(notices)}`));
      else setTimeout(look, 20);
    };
    look();
  });
}

describeStores('a sweep worker', ({ location, open }) => {
  const cores: Core[] = [];
  afterEach(async () => {
    for (const core of cores.splice(0)) await core.dispose();
  });

  async function worker(where: Awaited<ReturnType<typeof location>>, sweepId: number | null, graceMs = 60_000) {
    const core = await openCore({ db: where, host: 'cli', datasetsMirror: 'http://127.0.0.1:1/' });
    cores.push(core);
    const notices: WorkerNotice[] = [];
    const sweepWorker = new SweepWorker({
      store: core.store,
      trainer: core.trainer,
      subscribe: (listener) => core.events.subscribe(listener),
      sweepId,
      parallel: 1,
      backend: null,
      graceMs,
      pollMs: HOUR,
      id: 'here:1',
      notify: (notice) => notices.push(notice),
    });
    return { core, notices, worker: sweepWorker };
  }

  it("wakes when another machine gives a trial back, not on its own clock, trains it, and ends when the sweep has ended", async () => {
    const where = await location();
    const other = await open(where);
    const sweepId = await other.sweeps.create(sweepInput());
    await other.sweeps.claims.claimTrial('there:2', sweepId);
    const { notices, worker: here } = await worker(where, sweepId);
    let end: WorkerEnd | null = null;
    const ended = here.run().then((e) => (end = e));
    // Nothing to claim: it waits (a trial another worker holds may come back), and never looks again by itself.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(end).toBeNull();
    expect(await other.sweeps.claims.releaseTrial('there:2', sweepId, 1)).toBe(true);
    const started = await noticeOf(notices, (n) => n.kind === 'started');
    expect(started).toMatchObject({ sweepId, trial: 1, attempt: 1 });
    expect(await ended).toEqual({ status: 'done' });
    expect(notices.map((n) => n.kind)).toEqual(['started', 'ended', 'sweep-finished']);
    expect(notices[1]).toMatchObject({ status: 'finished', metric: 'val_accuracy', value: expect.any(Number), handedOn: false });
  });

  it('stops a trial that went to another worker while it was silent, and waits until that worker has finished it', async () => {
    const where = await location();
    const other = await open(where);
    const sweepId = await other.sweeps.create(sweepInput({ fixed: { dataset: 'digits', hidden: [32], epochs: 200, backend: 'wasm' } }));
    const { core, notices, worker: here } = await worker(where, sweepId, 2000);
    const ended = here.run();
    const started = (await noticeOf(notices, (n) => n.kind === 'started')) as Extract<WorkerNotice, { kind: 'started' }>;
    // The other machine takes this worker for silent (its clock far ahead), hands the trial on, and claims it.
    expect(await other.sweeps.claims.releaseStale(2000, Date.now() + HOUR)).toMatchObject([{ sweepId, trial: 1, worker: 'here:1', now: 'pending' }]);
    expect(await other.sweeps.claims.claimTrial('there:2', sweepId)).toMatchObject({ trial: 1, attempt: 2 });
    // At its next heartbeat it finds out, and stops its run.
    await noticeOf(notices, (n) => n.kind === 'lost' && n.runId === started.runId);
    expect(await core.trainer.wait(started.runId)).toBe('interrupted');
    expect((await core.store.getRun(started.runId))?.error).toMatch(/^Its worker here:1 was not heard from for \d+ s: the trial was handed to another worker\.$/);
    // It waits while the trial is held elsewhere, and ends when the other worker finishes it.
    expect(await other.sweeps.claims.finishTrial('there:2', sweepId, 1)).toEqual({ held: true, sweepFinished: true });
    expect(await ended).toEqual({ status: 'done' });
    expect(notices.filter((n) => n.kind === 'started')).toHaveLength(1);
  });

  it('judges successive-halving rungs in the store: every report is recorded there, and a pruned trial ends at its rung', async () => {
    const where = await location();
    const other = await open(where);
    const sweepId = await other.sweeps.create(
      sweepInput({
        strategy: 'asha',
        fixed: { dataset: 'iris', hidden: [8], epochs: 3, backend: 'wasm' },
        trials: [{ lr: 0.1 }, { lr: 0.1 }],
        asha: { min_epochs: 1, max_epochs: 3, reduction_factor: 3 },
      }),
    );
    // Another machine's trial reported an unbeatable value at the first rung: this worker's trials are judged against it.
    expect(await other.sweeps.claims.reportRung(sweepId, 1, 99, 1.5)).toBe(true);
    const { core, worker: here } = await worker(where, sweepId);
    expect(await here.run()).toEqual({ status: 'done' });
    const sweep = await core.store.sweeps.get(sweepId);
    expect(sweep).toMatchObject({ status: 'finished', counts: { pruned: 2, finished: 0 } });
    expect(sweep?.trials.map((t) => [t.status, t.epochs])).toEqual([
      ['pruned', 1],
      ['pruned', 1],
    ]);
  });
});
