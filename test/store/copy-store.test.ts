/**
 * `runboard db copy` as the stores do it, on every engine: a SQLite store is copied into the engine's store and back
 * into a fresh SQLite file with nothing lost (runs of every kind, params, every metric point, summaries, artifacts,
 * tags, notes, archive and trash, sweeps with their trials, claims and rung reports, parent links); ids are the
 * destination's own; a second copy, and a copy back into the store a run came from, add nothing; a failed run's
 * write leaves nothing of it, and the copy run again finishes; two copies into one store at once: the second refuses.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store';
import { copyStore, type CopyProgress } from '../../src-main/store/copy-store';
import type { RunStore } from '../../src-main/store/run-store';
import type { SqliteStore } from '../../src-main/store/sqlite-store';
import type { RunOutcome } from '../../src-shared/entities/run';
import { describeStores } from '../helpers/stores';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();

const outcome: RunOutcome = {
  stop_reason: 'completed',
  best_epoch: 2,
  restored_best: false,
  frozen_layers: [],
  output_layer_replaced: false,
  checkpoint: { final: true, best: false },
  train_size: 120,
  val_size: 30,
  test_size: null,
};

/** A SQLite store in a file of its own, closed by the caller. */
async function sqliteStore(): Promise<RunStore> {
  return openStore({ path: join(tempDir(), 'local.db'), explicit: true });
}

/**
 * Fills a store with one of everything: an experiment without runs, a trained run (NaN and infinite values, an artifact, tags, notes), its
 * archived sanity-check child, an imported run (steps from 0, two points at one step), a run in the trash, a worker
 * sweep with a claimed and finished trial and a rung report, and a run still running.
 */
async function fill(store: RunStore, prefix = ''): Promise<void> {
  await store.createExperiment(`${prefix}empty`);
  const parent = await store.createRun({ experiment: 'alpha', name: `${prefix}parent`, config: { dataset: 'iris', epochs: 3 }, params: { lr: 0.01, optimizer: 'adam', shuffle: true, note: null }, seed: 7, backend: 'wasm' });
  await store.markRunning(parent.run_id, { backend: 'wasm', device: 'cpu', time: 1000 });
  await store.logEpoch(parent.run_id, { step: 1, time: 1100, metrics: { loss: 0.9, acc: 0.5 } });
  await store.logEpoch(parent.run_id, { step: 2, time: 1200, metrics: { loss: Number.NaN, acc: Number.POSITIVE_INFINITY } });
  await store.logEpoch(parent.run_id, { step: 3, time: 1300, metrics: { loss: 0.4, acc: Number.NEGATIVE_INFINITY } });
  await store.endRun(parent.run_id, { status: 'finished', time: 1400, outcome });
  await store.putArtifact(parent.run_id, 'evaluation', { confusion: [[1, 2], [3, 4]] });
  await store.annotations.setTags(parent.run_id, { stage: 'final', owner: 'ana' });
  await store.annotations.setNotes(parent.run_id, 'the good one');

  const child = await store.createRun({ experiment: 'alpha', name: `${prefix}child`, config: { dataset: 'iris' }, params: { lr: 0.1 }, seed: null, backend: 'auto', parentRunId: parent.run_id, kind: 'sanity' });
  await store.logEpoch(child.run_id, { step: 1, time: 2000, metrics: { loss: 2 } });
  await store.endRun(child.run_id, { status: 'failed', time: 2100, error: 'It did not overfit.' });
  await store.annotations.setArchived([child.run_id], true);

  await store.importRun({
    experiment: 'imported',
    externalId: `mlflow:${prefix}abc`,
    name: `${prefix}external`,
    source: { type: 'mlflow-file-store', location: '/tmp/mlruns', original_id: 'abc', user: 'bo', imported_at: 5 },
    status: 'finished',
    startTime: 3000,
    endTime: 3500,
    params: [{ key: 'batch', text: '32' }, { key: 'model', text: 'cnn' }],
    tags: { 'mlflow.user': 'bo' },
    metrics: [
      { key: 'loss', step: 0, value: 1, time: 3100 },
      { key: 'loss', step: 0, value: 0.8, time: 3150 },
      { key: 'loss', step: 1, value: 0.5, time: 3200 },
    ],
  });

  const trashed = await store.createRun({ experiment: 'beta', name: `${prefix}trashed`, config: {}, params: {}, seed: 1, backend: 'wasm' });
  await store.endRun(trashed.run_id, { status: 'stopped', time: 4000 });
  await store.annotations.delete([trashed.run_id], 4100);

  const sweepId = await store.sweeps.create({
    name: `${prefix}search`,
    experiment: 'tuning',
    // TPE with successive halving, warm-started: its second trial is not drawn yet.
    strategy: 'tpe',
    space: [{ name: 'lr', distribution: 'loguniform(0.0001,0.1)' }],
    fixed: { dataset: 'iris', epochs: 3 },
    objective: { metric: 'val_loss', direction: 'min' },
    trials: [{ lr: 0.1 }, {}],
    seed: 17,
    parallel: 2,
    asha: { min_epochs: 1, max_epochs: 3, reduction_factor: 3 },
    workers: true,
    warmStart: { from: 'experiment earlier', runs: [{ run_id: 7, params: { lr: 0.05 }, value: 0.4 }] },
  });
  const claimed = await store.sweeps.claims.claimTrial('host:1', sweepId, 5000);
  expect(claimed?.trial).toBe(1);
  const trial = await store.createRun({ experiment: 'tuning', name: `${prefix}trial`, config: {}, params: { lr: 0.1 }, seed: 3, backend: 'wasm', sweep: { sweepId, trial: 1 } });
  await store.logEpoch(trial.run_id, { step: 1, time: 5100, metrics: { val_loss: 0.3 } });
  expect(await store.sweeps.claims.reportRung(sweepId, 1, 1, 0.3)).toBe(true);
  await store.endRun(trial.run_id, { status: 'finished', time: 5200 });
  await store.sweeps.claims.finishTrial('host:1', sweepId, 1, 5300);

  const live = await store.createRun({ experiment: 'alpha', name: `${prefix}live`, config: {}, params: {}, seed: 1, backend: 'wasm' });
  await store.markRunning(live.run_id, { backend: 'wasm', device: 'cpu', time: 6000 });
}

/**
 * Everything a store holds, keyed by names instead of ids (which differ between stores): each run's summary and
 * config, every metric point, its artifact; each sweep with its trials (their runs by name) and how many trials are
 * still open to workers; each experiment with its creation time.
 */
async function contents(store: RunStore, leaveOut: readonly string[] = ['live']) {
  const { runIds } = await store.copies.contents();
  const runs = (await Promise.all(runIds.map((id) => store.getRun(id)))).filter((run) => run !== null && !leaveOut.includes(run.name));
  const nameOf = new Map(runs.map((run) => [run!.run_id, run!.name]));
  const sweeps = await store.sweeps.list();
  const sweepName = new Map(sweeps.map((s) => [s.sweep_id, s.name]));
  const byName: Record<string, unknown> = {};
  for (const run of runs) {
    const { run_id, parent_run_id, sweep_id, duration_s: _duration, ...rest } = run!;
    const series = await store.getMetrics([run_id], undefined, null);
    byName[run!.name] = {
      ...rest,
      parent: parent_run_id === null ? null : nameOf.get(parent_run_id),
      sweep: sweep_id === null ? null : sweepName.get(sweep_id),
      metrics_points: Object.fromEntries(series.map((s) => [s.key, s.points])),
      evaluation: await store.getArtifact(run_id, 'evaluation'),
    };
  }
  const sweepsByName: Record<string, unknown> = {};
  for (const summary of sweeps) {
    const detail = (await store.sweeps.get(summary.sweep_id))!;
    const { sweep_id: _id, best_run_id, trials, ...rest } = detail;
    sweepsByName[summary.name] = {
      ...rest,
      best: best_run_id === null ? null : nameOf.get(best_run_id),
      trials: trials.map((t) => ({ ...t, run_id: t.run_id === null ? null : nameOf.get(t.run_id) })),
      open_trials: await store.sweeps.claims.openTrials(summary.sweep_id),
    };
  }
  const experiments = await Promise.all((await store.listExperiments()).filter((e) => e.name !== 'default').map(async (e) => ({ ...(await store.findExperiment({ name: e.name }))!, id: 0 })));
  return { runs: byName, sweeps: sweepsByName, experiments: experiments.sort((a, b) => a.name.localeCompare(b.name)) };
}

/** What the contract does not show of a sweep: each trial's claim (who, when, how often) and the values reported at its rungs, in order. */
const CLAIMS_SQL = 'SELECT trial, claim_state, claimed_by, claimed_at, heartbeat_at, attempts FROM sweep_trials ORDER BY trial';
const RUNGS_SQL = 'SELECT epoch, trial, value FROM sweep_rungs ORDER BY id';
const localRows = (store: RunStore, text: string) => (store as SqliteStore).connection.prepare(text).all();

describeStores('db copy', ({ engine, open, location, sql }) => {
  it('copies a SQLite store into this store and back into a fresh file with nothing lost, every point included', async () => {
    const local = await sqliteStore();
    await fill(local);
    const remote = await open();
    const up = await copyStore(local, remote);
    // Runs: parent, child, external, trashed, the trial (the running one is left for later); points: 6 + 1 + 3 + 0 + 1.
    expect(up).toMatchObject({ runs: 5, points: 11, sweeps: 1, skippedRuns: 0, skippedSweeps: 0, unfinished: [{ name: 'live', status: 'running' }] });
    const back = await sqliteStore();
    const down = await copyStore(remote, back);
    expect(down).toMatchObject({ runs: 5, points: 11, sweeps: 1, unfinished: [] });

    const original = await contents(local);
    expect(Object.keys(original.runs).sort()).toEqual(['child', 'external', 'parent', 'trashed', 'trial']);
    expect(original.sweeps.search).toMatchObject({ strategy: 'tpe', warm_start: { from: 'experiment earlier', runs: 1 }, warm_start_runs: [{ run_id: 7, params: { lr: 0.05 }, value: 0.4 }] });
    expect(await contents(remote)).toEqual(original);
    expect(await contents(back)).toEqual(original);
    const claims = localRows(local, CLAIMS_SQL);
    expect(claims).toEqual([
      { trial: 1, claim_state: 'done', claimed_by: 'host:1', claimed_at: 5000, heartbeat_at: 5000, attempts: 1 },
      { trial: 2, claim_state: 'pending', claimed_by: null, claimed_at: null, heartbeat_at: null, attempts: 0 },
    ]);
    expect(await sql(remote, CLAIMS_SQL)).toEqual(claims);
    expect(localRows(back, CLAIMS_SQL)).toEqual(claims);
    const rungs = localRows(local, RUNGS_SQL);
    expect(rungs).toEqual([{ epoch: 1, trial: 1, value: 0.3 }]);
    expect(await sql(remote, RUNGS_SQL)).toEqual(rungs);
    expect(localRows(back, RUNGS_SQL)).toEqual(rungs);
    // The values that are not numbers came through as they were logged.
    expect((original.runs.parent as { metrics_points: Record<string, unknown[]> }).metrics_points.acc).toEqual([
      { step: 1, value: 0.5, time: 1100 },
      { step: 2, value: 'Infinity', time: 1200 },
      { step: 3, value: '-Infinity', time: 1300 },
    ]);
    await Promise.all([local.close(), back.close()]);
  });

  it('gives copied runs and sweeps ids of the destination, next to its own runs, with parent, sweep and trial links following them', async () => {
    const local = await sqliteStore();
    await fill(local);
    const remote = await open();
    // The destination has runs and a sweep of its own, with the same ids as the source's.
    await fill(remote, 'own-');
    const before = await contents(remote, ['own-live']);
    await copyStore(local, remote);

    const after = await contents(remote, ['own-live', 'live']);
    for (const [name, run] of Object.entries(before.runs)) expect(after.runs[name]).toEqual(run);
    const runs = await remote.listRuns();
    const byName = new Map(runs.map((run) => [run.name, run]));
    const ids = (await remote.copies.contents()).runIds;
    expect(new Set(ids).size).toBe(ids.length);
    const ownParent = byName.get('own-parent')!;
    const parent = byName.get('parent')!;
    expect(parent.run_id).toBeGreaterThan(Math.max(...runs.filter((r) => r.name.startsWith('own-')).map((r) => r.run_id)));
    expect(byName.get('child')!.parent_run_id).toBe(parent.run_id);
    expect(byName.get('own-child')!.parent_run_id).toBe(ownParent.run_id);
    const search = (await remote.sweeps.list()).find((s) => s.name === 'search')!;
    const ownSearch = (await remote.sweeps.list()).find((s) => s.name === 'own-search')!;
    expect(search.sweep_id).not.toBe(ownSearch.sweep_id);
    const trial = byName.get('trial')!;
    expect(trial.sweep_id).toBe(search.sweep_id);
    expect((await remote.sweeps.get(search.sweep_id))!.trials[0]!.run_id).toBe(trial.run_id);
    await local.close();
  });

  it('adds nothing when copied again, nor when copied back into the store its runs came from', async () => {
    const local = await sqliteStore();
    await fill(local);
    const remote = await open();
    await copyStore(local, remote);
    const once = await contents(remote);

    const again = await copyStore(local, remote);
    expect(again).toMatchObject({ runs: 0, points: 0, sweeps: 0, skippedRuns: 5, skippedSweeps: 1 });
    expect(await contents(remote)).toEqual(once);

    const home = await contents(local, []);
    const back = await copyStore(remote, local);
    expect(back).toMatchObject({ runs: 0, points: 0, sweeps: 0, skippedRuns: 5, skippedSweeps: 1 });
    expect(await contents(local, [])).toEqual(home);
    await local.close();
  });

  it('refuses to copy a store into itself', async () => {
    const where = await location();
    const store = await open(where);
    const same = await open(where);
    await expect(copyStore(store, same)).rejects.toThrow(/are the same store/);
  });

  it('refuses a second copy into a store while one is writing into it, and copies once it is done', async () => {
    const local = await sqliteStore();
    await fill(local);
    const where = await location();
    // Two connections to one destination, as two `runboard db copy` processes have.
    const first = await open(where);
    const second = await open(where);
    const release = await first.copies.lock();
    await expect(copyStore(local, second)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/Another `runboard db copy` is writing into/) });
    expect(await second.copies.contents()).toEqual({ runIds: [], sweepIds: [] });
    await release();
    expect(await copyStore(local, second)).toMatchObject({ runs: 5 });
    await local.close();
  });

  it('leaves nothing of a run whose write fails, and goes on where it stopped when run again', async () => {
    const local = await sqliteStore();
    await fill(local);
    const remote = await open();
    // The database refuses the external run's tag: the copy stops at that run.
    if (engine === 'sqlite') {
      await sql(remote, "CREATE TEMP TRIGGER refuse BEFORE INSERT ON tags WHEN NEW.key = 'mlflow.user' BEGIN SELECT RAISE(ABORT, 'refused'); END");
    } else {
      await sql(remote, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$");
      await sql(remote, "CREATE TRIGGER refuse BEFORE INSERT ON tags FOR EACH ROW WHEN (NEW.key = 'mlflow.user') EXECUTE FUNCTION refuse()");
    }
    const progress: CopyProgress[] = [];
    await expect(copyStore(local, remote, { onProgress: (p) => progress.push(p) })).rejects.toThrow(/refused/);
    expect(progress.map((p) => p.name)).toEqual(['parent', 'child', 'external']);
    expect((await remote.listRuns()).map((r) => r.name).sort()).toEqual(['child', 'parent']);
    // Nothing of the external run: no run row, no params, no points.
    expect(Number((await sql(remote, "SELECT count(*) AS n FROM params WHERE key = 'model'"))[0]!.n)).toBe(0);
    expect(Number((await sql(remote, 'SELECT count(*) AS n FROM metrics WHERE step = 0'))[0]!.n)).toBe(0);
    // The lock was given back: the next copy may run.
    await sql(remote, engine === 'sqlite' ? 'DROP TRIGGER refuse' : 'DROP TRIGGER refuse ON tags');
    const rest = await copyStore(local, remote);
    expect(rest).toMatchObject({ runs: 3, skippedRuns: 2, sweeps: 0, skippedSweeps: 1 });
    expect(await contents(remote)).toEqual(await contents(local));
    await local.close();
  });
});

describe('db copy progress', () => {
  it('reports each run as it goes, then the end', async () => {
    const local = await sqliteStore();
    await fill(local);
    const other = await sqliteStore();
    const progress: CopyProgress[] = [];
    await copyStore(local, other, { onProgress: (p) => progress.push(p) });
    expect(progress.map((p) => [p.done, p.total])).toEqual([[0, 6], [1, 6], [2, 6], [3, 6], [4, 6], [5, 6], [6, 6]]);
    await Promise.all([local.close(), other.close()]);
  });
});

describe('db copy lock on SQLite', () => {
  it('takes over the lock of a copy whose process is gone (killed), and keeps one held on another machine', async () => {
    const local = await sqliteStore();
    await fill(local);
    const destination = await sqliteStore();
    const lockRow = (token: string, host: string, pid: number) =>
      (destination as SqliteStore).connection.prepare('INSERT OR REPLACE INTO copy_lock (id, token, host, pid, since) VALUES (1, ?, ?, ?, 1)').run(token, host, pid);
    lockRow('elsewhere', 'another-machine', process.pid);
    await expect(copyStore(local, destination)).rejects.toThrow(/Another `runboard db copy` is writing into .* \(pid \d+ on another-machine, since 1970-01-01T00:00:00.001Z\)/);
    // A pid far above the kernel's limit: no such process on this machine.
    lockRow('killed', hostname(), 2 ** 30);
    expect(await copyStore(local, destination)).toMatchObject({ runs: 5 });
    // Released at the end: nothing left in the lock's place.
    expect(localRows(destination, 'SELECT * FROM copy_lock')).toEqual([]);
    await Promise.all([local.close(), destination.close()]);
  });
});
