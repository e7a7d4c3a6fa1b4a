/**
 * Issue 14, item 2, through the built CLI on a database file: `runboard sweep --no-local` creates a sweep (planned and
 * checked as always) and runs nothing, printing the worker command; `runboard worker` takes its flags (sweep,
 * parallel, backend, grace) and refuses bad ones; `runboard sweep stop ID` reaches a worker, and Ctrl+C on a worker
 * gives its trial back. Several workers on one machine share a sweep through SQLite as machines do through PostgreSQL
 * (sweep-workers-kill.test.ts kills one).
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { promotable } from '../../src-main/search/asha';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { assertCliIsBuilt, killAll, listRuns, makeTempDir, removeTempDirs, runCli, startCli, waitFor, workerPids } from './helpers';
import { printedWorkerCommand, queryStore, trialsWithRuns } from './workers';

const TINY_TRIALS = ['--dataset', 'iris', '--hidden', '8', '--epochs', '3', '--backend', 'wasm', '--strategy', 'grid'];
/** Trials that take long enough to be caught running (digits, 60 epochs: tens of seconds each). */
const LONG_TRIALS = ['--dataset', 'digits', '--hidden', '32', '--epochs', '60', '--backend', 'wasm', '--strategy', 'grid'];

beforeAll(assertCliIsBuilt);
afterEach(killAll);
afterAll(removeTempDirs);

/** `sweep --no-local` on a new database; returns the database and the sweep's output. */
async function sweepOnWorkers(extra: readonly string[], db = join(makeTempDir(), 'runs.db')) {
  const created = await runCli(['sweep', '--no-local', ...extra, '--db', db]);
  expect(created.code, created.stderr).toBe(0);
  return { db, created };
}

describe('runboard sweep --no-local', () => {
  it('creates the sweep, runs nothing, and prints the exact worker command, which runs it', async () => {
    const { db, created } = await sweepOnWorkers([...TINY_TRIALS, '--param', 'lr=[0.1,0.05,0.02]']);
    expect(created.stdout).toContain('Sweep 1 (sweep-1): grid search, 3 trials, objective val_accuracy:max');
    expect(created.stdout).toContain(`runboard worker --db ${db} --sweep 1\n`);
    // Nothing ran: no run, every trial pending for workers, the sweep open to them.
    expect(await listRuns(db)).toEqual([]);
    expect((await trialsWithRuns(db, 1)).map((t) => [t.trial, t.state, t.runs.length])).toEqual([
      [1, 'pending', 0],
      [2, 'pending', 0],
      [3, 'pending', 0],
    ]);
    const sweeps = JSON.parse((await runCli(['sweeps', '--json', '--db', db])).stdout) as { status: string; workers: boolean }[];
    expect(sweeps).toMatchObject([{ status: 'running', workers: true }]);

    const worker = await runCli([...printedWorkerCommand(created.stdout), '--parallel', '1'], { timeoutMs: 240_000 });
    expect(worker.code, worker.stderr).toBe(0);
    for (const trial of [1, 2, 3]) expect(worker.stdout).toMatch(new RegExp(`^trial ${trial} of sweep 1: run \\d+ started on ${hostname()}$`, 'm'));
    expect(worker.stdout.match(/^trial \d of sweep 1: run \d+ finished, val_accuracy [\d.]+$/gm)).toHaveLength(3);
    expect(worker.stdout).toContain('sweep 1 finished: every trial ran');
    const json = await runCli(['sweeps', '--json', '--db', db]);
    expect(JSON.parse(json.stdout)).toMatchObject([{ status: 'finished', counts: { finished: 3, pending: 0, running: 0 } }]);
  });

  it('checks the sweep as always: a bad one is refused and nothing is created; --json gives the worker command', async () => {
    const db = join(makeTempDir(), 'runs.db');
    const bad = await runCli(['sweep', '--no-local', ...TINY_TRIALS, '--param', 'lr=[0.1,-1]', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--param: .*lr/);
    expect(JSON.parse((await runCli(['sweeps', '--json', '--db', db])).stdout)).toEqual([]);
    const json = await runCli(['sweep', '--no-local', '--json', ...TINY_TRIALS, '--param', 'lr=[0.1]', '--db', db]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ sweep_id: 1, status: 'running', workers: true, worker_command: `runboard worker --db ${db} --sweep 1`, trials: [{ trial: 1, run_id: null, status: 'pending', host: null }] });
  });
});

describe('runboard worker', () => {
  it('takes its flags: only the sweep it is given, that many trials at once, with that backend; without --sweep, any', async () => {
    const db = join(makeTempDir(), 'runs.db');
    await sweepOnWorkers([...TINY_TRIALS, '--param', 'lr=[0.1,0.05]'], db);
    await sweepOnWorkers([...TINY_TRIALS, '--param', 'lr=[0.2,0.02]'], db);
    const worker = await runCli(['worker', '--db', db, '--sweep', '2', '--parallel', '2', '--backend', 'cpu', '--grace', '7'], { timeoutMs: 240_000 });
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.stdout).toMatch(new RegExp(`^Worker ${hostname()}:${worker.stdout.match(/^Worker [^:]+:(\d+)/)?.[1]} on ${db}: sweep 2, 2 trials at once, backend cpu, grace 7 s$`, 'm'));
    const second = await trialsWithRuns(db, 2);
    expect(second.map((t) => [t.trial, t.state, t.runs.map((r) => [r.status, r.backend])])).toEqual([
      [1, 'done', [['finished', 'cpu']]],
      [2, 'done', [['finished', 'cpu']]],
    ]);
    // Two at once: the worker took both trials (their runs exist) before either run ended. Not whether their training
    // overlapped: a tiny run may end before the other's process has started on a busy machine.
    const [a, b] = second.map((t) => t.runs[0] as { createdAt: number; endedAt: number });
    expect(Math.max(a!.createdAt, b!.createdAt), `runs ${JSON.stringify([a, b])} both taken before either ended`).toBeLessThan(Math.min(a!.endedAt, b!.endedAt));
    // The other sweep was left alone, until a worker without --sweep came.
    expect((await trialsWithRuns(db, 1)).map((t) => [t.state, t.runs.length])).toEqual([
      ['pending', 0],
      ['pending', 0],
    ]);
    const any = await runCli(['worker', '--db', db, '--parallel', '1'], { timeoutMs: 240_000 });
    expect(any.code, any.stderr).toBe(0);
    expect(any.stdout).toContain('every sweep made with --no-local, 1 trial at once');
    expect((await trialsWithRuns(db, 1)).map((t) => [t.state, t.runs.map((r) => [r.status, r.backend])])).toEqual([
      ['done', [['finished', 'wasm']]],
      ['done', [['finished', 'wasm']]],
    ]);
  });

  it('successive halving on two workers: each trial stops at the rung where the store judged it, against every report before it', async () => {
    const { db, created } = await sweepOnWorkers(['--dataset', 'iris', '--hidden', '8', '--epochs', '4', '--backend', 'wasm', '--strategy', 'asha', '--trials', '8', '--min-epochs', '1', '--reduction-factor', '2', '--param', 'lr=loguniform(1e-3,0.5)', '--seed', '11']);
    const command = printedWorkerCommand(created.stdout);
    const workers = await Promise.all([1, 2].map(() => runCli([...command, '--parallel', '1'], { timeoutMs: 240_000 })));
    for (const worker of workers) expect(worker.code, worker.stderr).toBe(0);
    const [summary] = JSON.parse((await runCli(['sweeps', '--json', '--db', db])).stdout) as { status: string; counts: Record<string, number> }[];
    expect(summary).toMatchObject({ status: 'finished', counts: { pending: 0, running: 0, failed: 0 } });
    expect(summary?.counts.pruned).toBeGreaterThan(0);
    const epochs = new Map((await listRuns(db)).map((r) => [r.name, r.epochs]));
    const reports = (await queryStore(db, 'SELECT epoch, trial, value FROM sweep_rungs WHERE sweep_id = 1 ORDER BY id')).map((r) => ({ epoch: Number(r.epoch), trial: Number(r.trial), value: r.value === null ? Number.NaN : Number(r.value) }));
    for (const [index, report] of reports.entries()) {
      const before = reports.slice(0, index + 1).filter((r) => r.epoch === report.epoch).map((r) => r.value);
      const trained = epochs.get(`sweep1-trial${report.trial}`) as number;
      if (promotable(report.value, before, 'max', 2)) expect(trained, `trial ${report.trial} went on at epoch ${report.epoch}`).toBeGreaterThan(report.epoch);
      else expect(trained, `trial ${report.trial} was pruned at epoch ${report.epoch}`).toBe(report.epoch);
    }
    // Every trial reported at the first rung.
    expect(new Set(reports.filter((r) => r.epoch === 1).map((r) => r.trial)).size).toBe(8);
  });

  it('refuses bad flags and sweeps it cannot run, naming the flag, before anything runs', async () => {
    const db = join(makeTempDir(), 'runs.db');
    const store = SqliteStore.open({ path: db, explicit: true });
    const local = await store.sweeps.create({ name: 'here', experiment: 'default', strategy: 'grid', space: [], fixed: { dataset: 'iris' }, objective: { metric: 'val_loss', direction: 'min' }, trials: [{}], seed: 1, parallel: 1, asha: null });
    store.close();
    const cases: [string[], RegExp][] = [
      [['--parallel', '0'], /--parallel: must be a whole number from 1 to 256, not "0"/],
      [['--parallel', 'two'], /--parallel: must be a whole number/],
      [['--grace', '-5'], /--grace: must be a number of seconds from 0.5 to 86400, not "-5"/],
      [['--backend', 'gpu'], /--backend: must be one of auto, tensorflow-cuda, webgpu, tensorflow, wasm, cpu, not "gpu"/],
      [['--sweep', '1.5'], /--sweep: must be a whole number from 1, not "1.5"/],
      [['--sweep', '99'], /Sweep 99 does not exist/],
      [['--sweep', String(local)], new RegExp(`--sweep: sweep ${local} is run by the process that started it, not by workers`)],
    ];
    for (const [flags, message] of cases) {
      const result = await runCli(['worker', '--db', db, ...flags]);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
    expect(await listRuns(db)).toEqual([]);
  });

  it('stops the trials of a sweep stopped with `runboard sweep stop`, gives them back, and ends; resume opens it to workers again', async () => {
    const { db } = await sweepOnWorkers([...LONG_TRIALS, '--param', 'lr=[0.1,0.05]']);
    const worker = startCli(['worker', '--db', db, '--parallel', '1', '--grace', '30']);
    await waitFor('a trial training', async () => (await queryStore(db, "SELECT id FROM runs WHERE status = 'running'")).length === 1, 120_000, 200);
    const stop = await runCli(['sweep', 'stop', '1', '--db', db]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain('Sweep 1 stopped: its workers stop its running trials at their next epoch');
    const ended = await worker.exited;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toMatch(/^trial 1 of sweep 1: run 1 stopping: the sweep was stopped$/m);
    expect(ended.stdout).toMatch(/^trial 1 of sweep 1: run 1 stopped; the trial went back to the sweep$/m);
    expect((await trialsWithRuns(db, 1)).map((t) => [t.state, t.attempts, t.runs.map((r) => r.status)])).toEqual([
      ['pending', 0, ['stopped']],
      ['pending', 0, []],
    ]);
    expect((await runCli(['sweep', 'stop', '1', '--db', db])).stdout).toContain('Sweep 1 is not running (stopped): nothing to stop.');
    const resumed = await runCli(['sweep', 'resume', '1', '--db', db]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`runboard worker --db ${db} --sweep 1\n`);
    expect(JSON.parse((await runCli(['sweeps', '--json', '--db', db])).stdout)).toMatchObject([{ status: 'running' }]);
  });

  it('on Ctrl+C, ends its trial interrupted, gives it back to the sweep, and exits 130', async () => {
    const { db } = await sweepOnWorkers([...LONG_TRIALS, '--param', 'lr=[0.1]']);
    // In a process group of its own, as a terminal runs it: Ctrl+C signals the worker and its training process together.
    const worker = startCli(['worker', '--db', db, '--parallel', '1'], { detached: true });
    await waitFor('the trial training', async () => (await queryStore(db, "SELECT id FROM runs WHERE status = 'running'")).length === 1, 120_000, 200);
    expect(workerPids(worker.pid).length).toBeGreaterThan(0);
    process.kill(-worker.pid, 'SIGINT');
    const ended = await worker.exited;
    expect(ended.code).toBe(130);
    expect(ended.stdout).toMatch(/^trial 1 of sweep 1: run 1 interrupted; the trial went back to the sweep$/m);
    const [trial] = await trialsWithRuns(db, 1);
    expect(trial).toMatchObject({ state: 'pending', attempts: 0, claimedBy: null });
    expect(trial?.runs).toMatchObject([{ status: 'interrupted', error: expect.stringMatching(/^Its worker [^ ]+:\d+ was stopped: the trial went back to its sweep\.$/) }]);
    expect(JSON.parse((await runCli(['sweeps', '--json', '--db', db])).stdout)).toMatchObject([{ status: 'running', counts: { pending: 1 } }]);
  });
});

