/**
 * Reliability items 12 and 13: a training CLI killed with kill -9 at any moment, or stopped with SIGTERM / Ctrl+C,
 * leaves a sound database that keeps every committed epoch, marks the run for what happened, and leaves no training
 * process behind.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  LONG,
  assertCliIsBuilt,
  committedEpochs,
  integrityCheck,
  isAlive,
  killAll,
  listRuns,
  makeTempDir,
  removeTempDirs,
  sleep,
  startCli,
  trackPid,
  waitFor,
  withReadonlyDb,
  workerPids,
  type RunningCli,
} from './helpers';

beforeAll(() => assertCliIsBuilt());
afterEach(() => killAll());
afterAll(() => removeTempDirs());

/** Starts a long run and waits until `epochs` epochs are committed; returns the CLI and its training worker's pid. */
async function startLongRun(db: string, runId: number, epochs: number, options: { detached?: boolean; json?: boolean } = {}): Promise<{ cli: RunningCli; worker: number }> {
  const args = ['train', ...LONG, '--seed', String(runId), '--db', db, ...(options.json ? ['--json'] : [])];
  const cli = startCli(args, { detached: options.detached === true });
  await waitFor(
    `run ${runId} to commit ${epochs} epochs (stderr: ${cli.stderr})`,
    () => {
      if (cli.child.exitCode !== null) throw new Error(`the CLI exited early (${cli.child.exitCode}): ${cli.stderr}`);
      return committedEpochs(db, runId) >= epochs;
    },
    90_000,
  );
  const workers = workerPids(cli.pid);
  expect(workers, 'one training worker per run').toHaveLength(1);
  const worker = workers[0] as number;
  trackPid(worker);
  return { cli, worker };
}

/** Every committed epoch is whole: steps 1..n without gaps, each with its five metrics (losses, accuracies and lr), and summaries that agree. */
function assertEpochsWhole(db: string, runId: number): number {
  return withReadonlyDb(db, (d) => {
    const steps = d.prepare('SELECT step, count(*) AS n FROM metrics WHERE run_id = ? GROUP BY step ORDER BY step').all(runId) as { step: number; n: number }[];
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
    for (const s of steps) expect(s.n, `run ${runId} epoch ${s.step} has all five metrics`).toBe(5);
    const summaries = d.prepare('SELECT key, last_step, count FROM metric_summaries WHERE run_id = ?').all(runId) as { key: string; last_step: number; count: number }[];
    for (const s of summaries) {
      expect(s.last_step, `${s.key} summary`).toBe(steps.length);
      expect(s.count, `${s.key} summary`).toBe(steps.length);
    }
    return steps.length;
  });
}

describe('kill -9 during training', () => {
  it('keeps every committed epoch, marks the run interrupted, orphans no worker, and passes integrity_check, at three different moments', async () => {
    const db = join(makeTempDir(), 'x.db');
    // Kill after at least N epochs, then after a further pause, so the kill lands at a different point of an epoch each time.
    const moments = [
      { epochs: 2, pauseMs: 0 },
      { epochs: 3, pauseMs: 170 },
      { epochs: 2, pauseMs: 390 },
    ];
    const seen: number[] = [];
    for (const [index, moment] of moments.entries()) {
      const runId = index + 1;
      const { cli, worker } = await startLongRun(db, runId, moment.epochs);
      if (moment.pauseMs > 0) await sleep(moment.pauseMs);
      seen.push(committedEpochs(db, runId));
      process.kill(cli.pid, 'SIGKILL');
      const exit = await cli.exited;
      expect(exit.signal).toBe('SIGKILL');
      // The worker notices its parent is gone and exits by itself: no orphan keeps training.
      await waitFor(`worker ${worker} of run ${runId} to exit after its parent was killed`, () => !isAlive(worker), 15_000);
      expect(integrityCheck(db)).toBe('ok');
    }

    // The next command to open the database finds the runs' owner gone and marks them interrupted.
    const runs = await listRuns(db);
    expect(runs).toHaveLength(moments.length);
    for (const [index, expectedAtLeast] of seen.entries()) {
      const runId = index + 1;
      const run = runs.find((r) => r.run_id === runId);
      expect(run?.status, `run ${runId}`).toBe('interrupted');
      expect(run?.epochs, `run ${runId}`).toBeGreaterThanOrEqual(expectedAtLeast);
      expect(run?.ended_at, `run ${runId}`).not.toBeNull();
      expect(run?.error, `run ${runId}: says why`).toMatch(/\S/);
      expect(assertEpochsWhole(db, runId)).toBe(run?.epochs);
    }
    expect(integrityCheck(db)).toBe('ok');
  });
});

describe('stopping a run with a signal', () => {
  for (const { signal, json } of [
    { signal: 'SIGTERM', json: false },
    { signal: 'SIGINT', json: true },
  ] as const) {
    it(`${signal} to the CLI${json ? ' (with --json)' : ''} ends the run as stopped with its end time, exits non-zero, and keeps the committed epochs`, async () => {
      const db = join(makeTempDir(), 'x.db');
      const { cli, worker } = await startLongRun(db, 1, 2, { json });
      // Meanwhile another process reading the database sees the run as running: its owner is alive, it is not "interrupted".
      const [live] = await listRuns(db);
      expect(live?.status).toBe('running');
      expect(live?.ended_at).toBeNull();
      const before = committedEpochs(db, 1);
      process.kill(cli.pid, signal);
      const exit = await Promise.race([cli.exited, sleep(45_000).then(() => null)]);
      expect(exit, `the CLI did not exit within 45 s of ${signal}`).not.toBeNull();
      expect(exit?.signal).toBeNull();
      expect(exit?.code).not.toBe(0);
      if (json) {
        const lines = (exit?.stdout ?? '').split('\n').filter((line) => line !== '');
        expect(lines).toHaveLength(1);
        expect(JSON.parse(lines[0] as string)).toMatchObject({ run_id: 1, status: 'stopped' });
      } else {
        expect(exit?.stdout).toMatch(/stopped after \d+ epoch/);
      }
      await waitFor(`worker ${worker} to exit`, () => !isAlive(worker), 15_000);

      const [run] = await listRuns(db);
      expect(run?.status).toBe('stopped');
      expect(run?.error).toBeNull();
      expect(typeof run?.ended_at).toBe('number');
      expect(run?.ended_at).toBeGreaterThanOrEqual(run?.started_at as number);
      expect(run?.epochs).toBeGreaterThanOrEqual(before);
      expect(run?.epochs).toBeLessThan(200);
      assertEpochsWhole(db, 1);
      expect(integrityCheck(db)).toBe('ok');
    });
  }

  it('Ctrl+C in a terminal (SIGINT to the whole process group, worker included) also ends the run as stopped', async () => {
    const db = join(makeTempDir(), 'x.db');
    const { cli, worker } = await startLongRun(db, 1, 2, { detached: true });
    process.kill(-cli.pid, 'SIGINT');
    const exit = await Promise.race([cli.exited, sleep(45_000).then(() => null)]);
    expect(exit, 'the CLI did not exit within 45 s of Ctrl+C').not.toBeNull();
    expect(exit?.code).not.toBe(0);
    await waitFor(`worker ${worker} to exit`, () => !isAlive(worker), 15_000);
    const [run] = await listRuns(db);
    expect(run?.status).toBe('stopped');
    expect(run?.error).toBeNull();
    expect(typeof run?.ended_at).toBe('number');
    assertEpochsWhole(db, 1);
  });

  it('a second signal quits at once; the run is not left running, and no worker is orphaned', async () => {
    const db = join(makeTempDir(), 'x.db');
    const { cli, worker } = await startLongRun(db, 1, 2);
    process.kill(cli.pid, 'SIGTERM');
    // Apart, so the kernel does not merge them into one pending signal.
    await sleep(60);
    try {
      process.kill(cli.pid, 'SIGTERM');
    } catch (error) {
      // The first signal was enough: the run stopped within its batch and the CLI is already gone.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    const exit = await Promise.race([cli.exited, sleep(45_000).then(() => null)]);
    expect(exit, 'the CLI did not exit within 45 s of two signals').not.toBeNull();
    // 130 when the second signal lands while the run is stopping; killed by the signal itself when it lands during
    // the final clean-up (the handlers are gone by then). Never a success.
    expect(exit?.code === 130 || exit?.signal === 'SIGTERM', `exit ${exit?.code} ${exit?.signal}`).toBe(true);
    await waitFor(`worker ${worker} to exit`, () => !isAlive(worker), 15_000);
    const [run] = await listRuns(db);
    expect(['stopped', 'interrupted']).toContain(run?.status);
    expect(typeof run?.ended_at).toBe('number');
    assertEpochsWhole(db, 1);
    expect(integrityCheck(db)).toBe('ok');
  });

  it('a training process that dies (kill -9 of the worker) ends the run as failed with the reason, and the CLI exits 1', async () => {
    const db = join(makeTempDir(), 'x.db');
    const { cli, worker } = await startLongRun(db, 1, 2);
    const before = committedEpochs(db, 1);
    process.kill(worker, 'SIGKILL');
    const exit = await Promise.race([cli.exited, sleep(45_000).then(() => null)]);
    expect(exit, 'the CLI did not exit within 45 s of its worker dying').not.toBeNull();
    expect(exit?.code).toBe(1);
    const [run] = await listRuns(db);
    expect(run?.status).toBe('failed');
    expect(run?.error).toMatch(/killed \(SIGKILL\)/);
    expect(typeof run?.ended_at).toBe('number');
    expect(run?.epochs).toBeGreaterThanOrEqual(before);
    assertEpochsWhole(db, 1);
    expect(integrityCheck(db)).toBe('ok');
  });
});
