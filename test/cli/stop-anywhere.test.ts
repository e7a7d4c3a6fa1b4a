/**
 * A Stop reaches a run or a sweep whichever process trains it, on any machine: it is asked through the store, and the
 * process training it reads the request at each epoch. On both engines, with the run or sweep in a CLI process the
 * test did not start through its own core: the Stop comes from another process (the API of a core the test opens, as
 * the app or `serve` would; or `runboard sweep stop` in a CLI process of its own).
 *
 * Never timed: the test waits on what the store says; "within one epoch" is counted in epochs, not seconds.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../src-main/core';
import { resolveDbLocation } from '../../src-main/paths';
import { POSTGRES_TEST_PASSWORD, postgresServer, postgresUrl, usePostgresDatabase } from '../helpers/stores';
import { LONG, assertCliIsBuilt, cliEnv, killAll, makeTempDir, removeTempDirs, runCli, startCli, waitFor } from './helpers';
import { queryStore } from './workers';

const server = postgresServer();
const required = process.env.RUNBOARD_REQUIRE_POSTGRES === '1';
if ('reason' in server && !required) console.warn(`Skipping the PostgreSQL stop tests: ${server.reason}`);

beforeAll(assertCliIsBuilt);
afterEach(killAll);
afterAll(removeTempDirs);

/** The epochs a run has committed. */
async function committed(db: string, runId: number): Promise<number> {
  const [row] = await queryStore(db, 'SELECT coalesce(max(step), 0) AS epochs FROM metrics WHERE run_id = ?', [runId]);
  return Number(row?.epochs ?? 0);
}

/** Whether run 1 has committed an epoch (false while the CLI has not yet made the database or the run). */
const trainingStarted = (db: string) => () => committed(db, 1).then((epochs) => epochs >= 1, () => false);

/** `runboard train` in a process of its own; the run is stopped from this process's core, through the API. */
async function stopsARunAnotherProcessTrains(db: string, env: NodeJS.ProcessEnv): Promise<void> {
  const train = startCli(['train', ...LONG, '--name', 'far-away', '--db', db], { env });
  await waitFor('the run training, an epoch committed', trainingStarted(db), 180_000, 100);
  const core = await openCore({ db: resolveDbLocation(db, env), host: 'cli' });
  try {
    const answer = await core.api.call('runs/stop', { run_id: 1 });
    expect(answer).toEqual({ ok: true, value: { stopping: true } });
    // The request is in the store: what the run commits from now on is counted.
    const before = await committed(db, 1);
    const result = await train.exited;
    expect(result.stdout).toMatch(/^Run 1 stopped after \d+ epoch\(s\)/m);
    expect(result.code, result.stderr).toBe(130);
    const run = await core.store.getRun(1);
    expect(run).toMatchObject({ status: 'stopped', error: null });
    // The request was read at the first epoch committed after it: the epoch in progress, or the one after it when
    // that one was being committed as the request was read.
    expect(run?.epochs).toBeLessThanOrEqual(before + 2);
    expect(run?.epochs).toBeLessThan(200);
    // A run that has ended cannot be stopped again.
    expect(await core.api.call('runs/stop', { run_id: 1 })).toEqual({ ok: true, value: { stopping: false } });
  } finally {
    await core.dispose();
  }
}

/** A local sweep (run by its own `runboard sweep` process) stopped by `runboard sweep stop` from another process. */
async function stopsALocalSweepFromAnotherProcess(db: string, env: NodeJS.ProcessEnv): Promise<void> {
  const sweep = startCli(['sweep', ...LONG, '--strategy', 'grid', '--param', 'lr=[0.05,0.02,0.01,0.005]', '--parallel', '1', '--db', db], { env });
  await waitFor('a trial training, an epoch committed', trainingStarted(db), 180_000, 100);
  const stop = await runCli(['sweep', 'stop', '1', '--db', db], { env });
  expect(stop.code, stop.stderr).toBe(0);
  // The request is in the store: what the trial commits from now on is counted.
  const before = await committed(db, 1);
  expect(stop.stdout).toContain('Sweep 1 is stopping: the process running it stops its trials at their next epoch.');
  const result = await sweep.exited;
  expect(result.code, result.stderr).toBe(130);
  const [row] = await queryStore(db, 'SELECT status FROM sweeps WHERE id = 1');
  expect(row?.status).toBe('stopped');
  const runs = await queryStore(db, 'SELECT id, status FROM runs WHERE sweep_id = 1 ORDER BY id');
  // The trial that was training stopped within an epoch of the request; no other trial started.
  expect(runs.map((r) => [Number(r.id), r.status])).toEqual([[1, 'stopped']]);
  expect(await committed(db, 1)).toBeLessThanOrEqual(before + 2);
  // Stopped, it can be resumed; and a sweep that is not running has nothing to stop.
  const again = await runCli(['sweep', 'stop', '1', '--db', db], { env });
  expect(again.stdout).toContain('Sweep 1 is not running (stopped): nothing to stop.');
}

describe('Stop from another process', () => {
  describe('on a database file', () => {
    it('stops a run that another process trains, within an epoch, as stopped', async () => {
      await stopsARunAnotherProcessTrains(join(makeTempDir(), 'runs.db'), cliEnv());
    }, 300_000);

    it('sweep stop stops a sweep another runboard sweep process runs, within an epoch', async () => {
      await stopsALocalSweepFromAnotherProcess(join(makeTempDir(), 'runs.db'), cliEnv());
    }, 300_000);
  });

  describe.skipIf('reason' in server && !required)('on PostgreSQL', () => {
    const database = usePostgresDatabase();
    const url = () => postgresUrl(database(), { tcp: true, password: POSTGRES_TEST_PASSWORD });
    const env = () => cliEnv({ XDG_DATA_HOME: makeTempDir() });
    // Each test starts from an empty database.
    afterEach(async () => {
      await queryStore(url(), 'DROP SCHEMA public CASCADE');
      await queryStore(url(), 'CREATE SCHEMA public');
    });

    it('stops a run that another process trains, within an epoch, as stopped', async () => {
      await stopsARunAnotherProcessTrains(url(), env());
    }, 300_000);

    it('sweep stop stops a sweep another runboard sweep process runs, within an epoch', async () => {
      await stopsALocalSweepFromAnotherProcess(url(), env());
    }, 300_000);
  });
});
