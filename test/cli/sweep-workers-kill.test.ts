/**
 * Issue 14, item 2's multi-process test, through the built CLI on both engines: a sweep made with `--no-local` is run
 * by three `runboard worker` processes (started with the command the sweep printed); one is killed with kill -9 while it
 * trains a trial. After the grace period another worker hands that trial on and trains it again; the sweep ends
 * finished, with every trial done exactly once (one finished run each), and the killed trial's first run interrupted.
 *
 * Never timed: the test waits on what the store says. The killed worker's training process is held still (SIGSTOP)
 * from the moment it is seen training until the kill, so the kill always comes mid-trial, however fast this machine is.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { POSTGRES_TEST_PASSWORD, postgresServer, postgresUrl, usePostgresDatabase } from '../helpers/stores';
import { assertCliIsBuilt, cliEnv, isAlive, killAll, makeTempDir, removeTempDirs, runCli, startCli, trackPid, waitFor, workerPids, type RunningCli } from './helpers';
import { printedWorkerCommand, queryStore, trialsWithRuns } from './workers';

const server = postgresServer();
const required = process.env.RUNBOARD_REQUIRE_POSTGRES === '1';
if ('reason' in server && !required) console.warn(`Skipping the PostgreSQL worker test: ${server.reason}`);

beforeAll(assertCliIsBuilt);
afterEach(killAll);
afterAll(removeTempDirs);

const TRIALS = 6;
const SWEEP = ['--dataset', 'iris', '--hidden', '8', '--epochs', '3', '--backend', 'wasm', '--strategy', 'grid', '--param', 'lr=[0.2,0.1,0.05,0.02,0.01,0.005]'];

/** The worker (of ours) holding a trial whose run is training, with that trial, or nothing yet. */
async function trainingTrial(db: string, workers: readonly RunningCli[]): Promise<{ worker: RunningCli; trial: number; runId: number } | false> {
  const rows = await queryStore(db, "SELECT t.trial, t.claimed_by, t.run_id FROM sweep_trials t JOIN runs r ON r.id = t.run_id WHERE t.claim_state = 'claimed' AND r.status = 'running' ORDER BY t.trial");
  for (const row of rows) {
    const worker = workers.find((w) => String(row.claimed_by).endsWith(`:${w.pid}`));
    if (worker) return { worker, trial: Number(row.trial), runId: Number(row.run_id) };
  }
  return false;
}

/** Runs the sweep with three workers, kills one mid-trial, and checks how the sweep ended. */
async function sweepSurvivesAKilledWorker(db: string, env: NodeJS.ProcessEnv, checkPrinted: (stdout: string) => void = () => undefined): Promise<void> {
  const created = await runCli(['sweep', '--no-local', ...SWEEP, '--db', db], { env });
  expect(created.code, created.stderr).toBe(0);
  checkPrinted(created.stdout);
  const command = printedWorkerCommand(created.stdout);
  const workers = [1, 2, 3].map(() => startCli([...command, '--parallel', '1', '--grace', '3'], { env }));

  // The victim: a worker seen training a trial, its training process held still, and the store read again to be sure.
  const victim = await waitFor(
    'a worker training a trial, held still',
    async () => {
      const seen = await trainingTrial(db, workers);
      if (!seen) return false;
      const training = workerPids(seen.worker.pid);
      for (const pid of training) {
        trackPid(pid);
        process.kill(pid, 'SIGSTOP');
      }
      const still = await trainingTrial(db, [seen.worker]);
      if (still && still.trial === seen.trial) return { ...seen, training };
      for (const pid of training) process.kill(pid, 'SIGCONT');
      return false;
    },
    180_000,
    100,
  );
  const victimId = (await queryStore(db, 'SELECT claimed_by FROM sweep_trials WHERE trial = ?', [victim.trial]))[0]?.claimed_by as string;
  // kill -9 the worker; its training process goes with it, as when a machine dies.
  process.kill(victim.worker.pid, 'SIGKILL');
  for (const pid of victim.training) process.kill(pid, 'SIGKILL');
  const killed = await victim.worker.exited;
  expect(killed.signal).toBe('SIGKILL');

  const survivors = await Promise.all(workers.filter((w) => w !== victim.worker).map((w) => w.exited));
  for (const result of survivors) expect(result.code, result.stderr).toBe(0);
  expect(victim.training.filter(isAlive)).toEqual([]);

  const [sweep] = JSON.parse((await runCli(['sweeps', '--json', '--db', db], { env })).stdout) as { status: string; counts: Record<string, number> }[];
  expect(sweep).toMatchObject({ status: 'finished', counts: { pending: 0, running: 0, failed: 0 } });
  expect((sweep?.counts.finished ?? 0) + (sweep?.counts.pruned ?? 0)).toBe(TRIALS);
  const trials = await trialsWithRuns(db, 1);
  expect(trials).toHaveLength(TRIALS);
  for (const trial of trials) {
    // Done exactly once: one finished run, the trial's latest.
    const finished = trial.runs.filter((r) => r.status === 'finished' || r.status === 'pruned');
    expect(finished, `trial ${trial.trial}: ${JSON.stringify(trial.runs)}`).toHaveLength(1);
    expect(trial).toMatchObject({ state: 'done', runId: finished[0]?.id });
    if (trial.trial === victim.trial) {
      expect(trial.attempts).toBe(2);
      expect(trial.runs.map((r) => r.status)).toEqual(['interrupted', 'finished']);
      expect(trial.runs[0]).toMatchObject({ id: victim.runId, error: `Its worker ${victimId} was not heard from for ${trial.runs[0]?.error?.match(/for (\d+) s/)?.[1]} s: the trial was handed to another worker.` });
      expect(trial.runs[1]?.pid).not.toBe(victim.worker.pid);
    } else {
      // Run once; or, should a live worker have stalled for longer than the grace period on this busy machine, handed
      // on too, its first run stopped as interrupted: still done exactly once.
      expect(trial.runs.at(-1)?.status).toBe('finished');
      expect(trial.runs.slice(0, -1).every((r) => r.status === 'interrupted')).toBe(true);
    }
  }
  // One survivor said it handed the trial on, and one took it as a second attempt.
  const output = survivors.map((s) => s.stdout).join('');
  expect(output).toContain(`trial ${victim.trial} of sweep 1: its worker ${victimId} was not heard from for the grace period: run ${victim.runId} interrupted; the trial is handed on`);
  expect(output).toMatch(new RegExp(`^trial ${victim.trial} of sweep 1: run \\d+ started on [^ ]+ \\(attempt 2: handed on from a silent worker\\)$`, 'm'));
  expect(output.match(/^sweep 1 finished: every trial ran$/gm)).toHaveLength(1);
}

describe('a sweep on three workers, one killed with kill -9 mid-trial', () => {
  it('on a database file (workers on one machine): ends finished, every trial done once, the killed trial handed on', async () => {
    await sweepSurvivesAKilledWorker(join(makeTempDir(), 'runs.db'), cliEnv());
  }, 420_000);

  describe.skipIf('reason' in server && !required)('on PostgreSQL', () => {
    const database = usePostgresDatabase();
    it('ends finished, every trial done once, the killed trial handed on; the workers ran the printed command, the password from PGPASSWORD', async () => {
      const url = postgresUrl(database(), { tcp: true, password: POSTGRES_TEST_PASSWORD });
      // The printed command leaves the password out: each worker gives it as PGPASSWORD.
      const env = cliEnv({ XDG_DATA_HOME: makeTempDir(), PGPASSWORD: POSTGRES_TEST_PASSWORD });
      await sweepSurvivesAKilledWorker(url, env, (stdout) => {
        expect(stdout).toContain(`runboard worker --db ${url.replace(`:${POSTGRES_TEST_PASSWORD}@`, '@')} --sweep 1\n`);
        expect(stdout).toContain('The password is left out: give it to each worker as PGPASSWORD or in ~/.pgpass.');
        expect(stdout).not.toContain(POSTGRES_TEST_PASSWORD);
      });
    }, 420_000);
  });
});

