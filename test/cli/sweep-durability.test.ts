/**
 * Issue 4, items 1 and 4, at the process level: a sweep survives its CLI being killed (kill -9) or stopped
 * (Ctrl+C) and resumes without repeating finished trials; a trial whose training process dies ends as `failed` and
 * the sweep carries on; no training process outlives its sweep. Also the progress line on a real (pseudo) terminal.
 *
 * Every CLI here is started with an environment variable unique to the test, which its training workers inherit:
 * scanning /proc for it finds every process the sweep started, even after the CLI is gone and they were reparented.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  ROOT,
  assertCliIsBuilt,
  cliEnv,
  integrityCheck,
  isAlive,
  killAll,
  killTree,
  listRuns,
  makeTempDir,
  removeTempDirs,
  runCli,
  sleep,
  startCli,
  trackPid,
  waitFor,
  withReadonlyDb,
  workerPids,
  type CliResult,
  type RunJson,
  type RunningCli,
} from './helpers';

const TAG_VARIABLE = 'RUNBOARD_SWEEP_TEST_TAG';

/** Trials long enough to be caught running: digits, a few epochs of a 32-unit layer (seconds each), 2 at once. */
function longSweep(trials: number, seed: number, epochs: number): string[] {
  return ['sweep', '--dataset', 'digits', '--hidden', '32', '--epochs', String(epochs), '--backend', 'wasm', '--strategy', 'random', '--trials', String(trials), '--param', 'lr=loguniform(1e-3,1e-1)', '--parallel', '2', '--seed', String(seed)];
}

interface SweepJson {
  sweep_id: number;
  status: string;
  best_run_id: number | null;
  best_value: number | string | null;
  trials: { trial: number; run_id: number | null; status: string; params: Record<string, number | string | boolean>; value: number | string | null; epochs: number }[];
}

interface SweepSummaryJson {
  sweep_id: number;
  status: string;
  ended_at: number | null;
  trials_planned: number;
  counts: { pending: number; running: number; finished: number; pruned: number; failed: number };
}

type TrialRunJson = RunJson & { sweep_id: number | null; trial: number | null };

/** A run of the sweep as the database file holds it, read directly (read-only) while the CLI writes. */
interface RunRow {
  id: number;
  trial: number;
  status: string;
  epochs: number;
}

/** The sweep's runs straight from the file; [] while the file or its tables do not exist yet. */
function runsInFile(db: string, sweepId = 1): RunRow[] {
  if (!existsSync(db)) return [];
  try {
    return withReadonlyDb(
      db,
      (d) =>
        d
          .prepare('SELECT r.id, r.trial, r.status, (SELECT count(DISTINCT step) FROM metrics m WHERE m.run_id = r.id) AS epochs FROM runs r WHERE r.sweep_id = ? ORDER BY r.id')
          .all(sweepId) as RunRow[],
    );
  } catch {
    // Created but not yet migrated, or busy for a moment: look again later.
    return [];
  }
}

/** Live processes whose environment carries `tag`: the CLI and every training worker it started. */
function processesTagged(tag: string): number[] {
  const needle = `${TAG_VARIABLE}=${tag}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(needle) && isAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** A tag and the environment that carries it. */
function tagged(): { tag: string; env: NodeJS.ProcessEnv } {
  const tag = randomUUID();
  return { tag, env: cliEnv({ [TAG_VARIABLE]: tag }) };
}

const taggedInThisTest: string[] = [];

function newTag(): { tag: string; env: NodeJS.ProcessEnv } {
  const t = tagged();
  taggedInThisTest.push(t.tag);
  return t;
}

function parseSweepJson(result: CliResult): SweepJson {
  const lines = result.stdout.split('\n').filter((line) => line.trim() !== '');
  expect(lines, `exactly one JSON line on stdout; stderr: ${result.stderr}`).toHaveLength(1);
  return JSON.parse(lines[0] as string) as SweepJson;
}

async function listSweeps(db: string): Promise<SweepSummaryJson[]> {
  const result = await runCli(['sweeps', '--json', '--db', db]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as SweepSummaryJson[];
}

/** Waits until the CLI's sweep has a trial that is training (a committed epoch, still running). */
async function waitForTrainingTrial(cli: RunningCli, db: string): Promise<RunRow[]> {
  return waitFor(
    'a trial of the sweep to be training',
    () => {
      if (cli.child.exitCode !== null) throw new Error(`the sweep ended before a trial was caught training (${cli.child.exitCode}): ${cli.stdout}\n${cli.stderr}`);
      const runs = runsInFile(db);
      return runs.some((r) => r.status === 'running' && r.epochs >= 1) ? runs : false;
    },
    90_000,
  );
}

/** Every tagged process ends within `ms` of its sweep's CLI going away. */
async function expectNoProcessLeft(tag: string, what: string, ms = 15_000): Promise<void> {
  await waitFor(`${what}: every training process of the sweep to exit (left: ${processesTagged(tag).join(', ')})`, () => processesTagged(tag).length === 0, ms, 100);
}

beforeAll(() => assertCliIsBuilt());
afterEach(() => {
  killAll();
  for (const tag of taggedInThisTest.splice(0)) for (const pid of processesTagged(tag)) killTree(pid);
});
afterAll(() => removeTempDirs());

describe('kill -9 of a running sweep, then resume', () => {
  let db: string;
  let resumed: SweepJson | null = null;

  it('its workers exit by themselves, the sweep shows interrupted, and resume finishes it without repeating finished trials', async () => {
    db = join(makeTempDir(), 'x.db');
    const { tag, env } = newTag();
    const cli = startCli([...longSweep(6, 1, 4), '--json', '--db', db], { env });
    await waitFor(
      'a trial to finish',
      () => {
        if (cli.child.exitCode !== null) throw new Error(`the sweep ended early (${cli.child.exitCode}): ${cli.stderr}`);
        return runsInFile(db).some((r) => r.status === 'finished');
      },
      90_000,
    );
    for (const pid of workerPids(cli.pid)) trackPid(pid);
    expect(processesTagged(tag).filter((pid) => pid !== cli.pid).length, 'the training workers carry the tag').toBeGreaterThan(0);
    process.kill(cli.pid, 'SIGKILL');
    const exit = await cli.exited;
    expect(exit.signal).toBe('SIGKILL');

    // What the file holds at the kill: the finished trials must survive as they are.
    const atKill = runsInFile(db);
    const finishedAtKill = atKill.filter((r) => r.status === 'finished');
    expect(finishedAtKill.length).toBeGreaterThanOrEqual(1);
    expect(finishedAtKill.length, 'the kill came before the sweep could finish').toBeLessThan(6);

    // No orphan: every training process notices its parent is gone and exits by itself.
    await expectNoProcessLeft(tag, 'after kill -9 of the CLI');
    expect(integrityCheck(db)).toBe('ok');

    // The next command to open the database finds the sweep's owner gone: the sweep and its unfinished runs are interrupted.
    const [sweep] = await listSweeps(db);
    expect(sweep).toMatchObject({ sweep_id: 1, status: 'interrupted', trials_planned: 6 });
    expect(sweep?.ended_at).toEqual(expect.any(Number));
    expect(sweep?.counts).toMatchObject({ finished: finishedAtKill.length, running: 0, failed: 0, pruned: 0 });
    const runsBefore = (await listRuns(db)) as TrialRunJson[];
    for (const run of runsBefore) expect(['finished', 'interrupted'], `run ${run.run_id}`).toContain(run.status);

    // Resume: the remaining trials run; the finished ones keep their runs.
    const result = await runCli(['sweep', 'resume', '1', '--json', '--db', db], { timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    resumed = parseSweepJson(result);
    expect(resumed.status).toBe('finished');
    expect(resumed.trials).toHaveLength(6);
    expect(resumed.trials.map((t) => t.status)).toEqual(Array(6).fill('finished'));
    for (const done of finishedAtKill) {
      expect(resumed.trials.find((t) => t.trial === done.trial)?.run_id, `trial ${done.trial} keeps its run`).toBe(done.id);
    }

    const runsAfter = (await listRuns(db)) as TrialRunJson[];
    for (const trial of resumed.trials) {
      const runsOfTrial = runsAfter.filter((r) => r.sweep_id === 1 && r.trial === trial.trial);
      expect(runsOfTrial.filter((r) => r.status === 'finished').map((r) => r.run_id), `trial ${trial.trial}: one finished run, the trial's`).toEqual([trial.run_id]);
      if (finishedAtKill.some((r) => r.trial === trial.trial)) {
        expect(runsOfTrial, `trial ${trial.trial} finished before the kill: not run again`).toHaveLength(1);
      } else {
        // Run again exactly as planned: the same sampled values and the same training seed as the interrupted attempt.
        const run = runsOfTrial.find((r) => r.run_id === trial.run_id);
        expect(run?.params.lr).toBe(trial.params.lr);
        for (const earlier of runsOfTrial.filter((r) => r.run_id !== trial.run_id)) {
          expect(earlier.status).toBe('interrupted');
          expect(earlier.seed).toBe(run?.seed);
        }
      }
    }
    const [after] = await listSweeps(db);
    expect(after).toMatchObject({ status: 'finished', counts: { pending: 0, running: 0, finished: 6, pruned: 0, failed: 0 } });
    expect(integrityCheck(db)).toBe('ok');
    expect(processesTagged(tag)).toEqual([]);
  }, 240_000);

  it('after the resume, export --sweep still has one row per trial: the trial\'s run, not its interrupted attempt', async () => {
    expect(resumed, 'needs the resumed sweep of the test above').not.toBeNull();
    const result = await runCli(['export', '--sweep', '1', '--format', 'csv', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    const rows = (parse(result.stdout, { columns: true, relax_quotes: false, relax_column_count: false }) as Record<string, string>[]).map((r) => ({
      run_id: Number(r.run_id),
      trial: Number(r.trial),
      status: r.status,
    }));
    rows.sort((a, b) => a.trial - b.trial);
    expect(rows.map((r) => r.trial)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows.map((r) => r.run_id)).toEqual(resumed?.trials.map((t) => t.run_id));
    expect(rows.every((r) => r.status === 'finished')).toBe(true);
  });
});

describe('Ctrl+C on a running sweep, then resume', () => {
  it('another process sees it running and cannot resume it; Ctrl+C stops it (exit 130, says how to resume); resume finishes it', async () => {
    const db = join(makeTempDir(), 'x.db');
    const { tag, env } = newTag();
    // In a process group of its own, as a terminal runs it: Ctrl+C signals the CLI and its workers together.
    const cli = startCli([...longSweep(6, 2, 6), '--db', db], { env, detached: true });
    await waitForTrainingTrial(cli, db);
    // Its training processes are held still (SIGSTOP) while the other process looks, so the sweep is mid-trial when
    // Ctrl+C comes however fast this machine trains (on an idle one the whole sweep takes about 10 s, less than the
    // look). Only the workers: the CLI, the one writer, stays free to finish what it writes and to answer.
    const workers = processesTagged(tag).filter((pid) => pid !== cli.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('training-worker'));
    expect(workers.length, 'training processes of the sweep').toBeGreaterThan(0);
    for (const pid of workers) process.kill(pid, 'SIGSTOP');

    // While it runs: listed as running (its owner is alive), and a resume from another process is refused.
    const [live] = await listSweeps(db);
    expect(live).toMatchObject({ sweep_id: 1, status: 'running', ended_at: null });
    const second = await runCli(['sweep', 'resume', '1', '--db', db]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/Sweep 1 is running/);

    // Ctrl+C while the trials are still training; then the held processes go on, and meet the CLI's stop.
    process.kill(-cli.pid, 'SIGINT');
    for (const pid of workers) process.kill(pid, 'SIGCONT');
    const exit = await Promise.race([cli.exited, sleep(45_000).then(() => null)]);
    expect(exit, 'the CLI did not exit within 45 s of Ctrl+C').not.toBeNull();
    expect(exit?.code, `stderr: ${exit?.stderr}`).toBe(130);
    expect(exit?.stderr).toMatch(/Stopping the running trials/);
    expect(exit?.stdout).toMatch(/^Sweep 1 stopped\. Resume it with: runboard sweep resume 1$/m);
    await expectNoProcessLeft(tag, 'after Ctrl+C');

    // Stopped, not failed: the trials that were running end as stopped, with no error, and will run again.
    const [stopped] = await listSweeps(db);
    expect(stopped).toMatchObject({ status: 'stopped', counts: { running: 0, failed: 0 } });
    expect(stopped?.ended_at).toEqual(expect.any(Number));
    const atStop = runsInFile(db);
    for (const run of atStop) expect(['finished', 'stopped'], `run ${run.id} (trial ${run.trial})`).toContain(run.status);
    expect(atStop.some((r) => r.status === 'stopped')).toBe(true);
    for (const run of (await listRuns(db)).filter((r) => r.status === 'stopped')) expect(run.error, `run ${run.run_id}`).toBeNull();
    expect(new Set(atStop.map((r) => r.trial)).size, 'one run per trial so far: the refused resume started none').toBe(atStop.length);
    const finishedAtStop = atStop.filter((r) => r.status === 'finished');

    const result = await runCli(['sweep', 'resume', '1', '--json', '--db', db], { timeoutMs: 150_000 });
    expect(result.code, result.stderr).toBe(0);
    const resumed = parseSweepJson(result);
    expect(resumed.status).toBe('finished');
    expect(resumed.trials.map((t) => t.status)).toEqual(Array(6).fill('finished'));
    for (const done of finishedAtStop) expect(resumed.trials.find((t) => t.trial === done.trial)?.run_id, `trial ${done.trial} keeps its run`).toBe(done.id);
    const finishedRuns = runsInFile(db).filter((r) => r.status === 'finished');
    expect(finishedRuns.map((r) => r.trial).sort((a, b) => a - b), 'each trial finished once').toEqual([1, 2, 3, 4, 5, 6]);
    expect(integrityCheck(db)).toBe('ok');
  }, 300_000);
});

describe('a trial whose training process dies', () => {
  it('ends as failed, says why, and the sweep carries on to finish the other trials', async () => {
    const db = join(makeTempDir(), 'x.db');
    const { tag, env } = newTag();
    const cli = startCli([...longSweep(3, 3, 6), '--json', '--db', db], { env });
    await waitForTrainingTrial(cli, db);
    const workers = workerPids(cli.pid);
    expect(workers.length).toBeGreaterThanOrEqual(1);
    const victim = workers[0] as number;
    trackPid(victim);
    process.kill(victim, 'SIGKILL');

    const exit = await Promise.race([cli.exited, sleep(120_000).then(() => null)]);
    expect(exit, 'the sweep did not end within 120 s').not.toBeNull();
    expect(exit?.code, `stderr: ${exit?.stderr}`).toBe(0);
    const sweep = parseSweepJson(exit as CliResult);
    expect(sweep.status).toBe('finished');
    expect(sweep.trials.map((t) => t.status).sort()).toEqual(['failed', 'finished', 'finished']);

    const failed = sweep.trials.find((t) => t.status === 'failed');
    const runs = (await listRuns(db)) as TrialRunJson[];
    const failedRun = runs.find((r) => r.run_id === failed?.run_id);
    expect(failedRun?.status).toBe('failed');
    expect(failedRun?.error).toMatch(/killed \(SIGKILL\)/);
    expect(failedRun?.ended_at).toEqual(expect.any(Number));
    expect(runs.filter((r) => r.trial === failed?.trial), 'a failed trial is not retried').toHaveLength(1);

    const [listed] = await listSweeps(db);
    expect(listed).toMatchObject({ status: 'finished', counts: { pending: 0, running: 0, finished: 2, pruned: 0, failed: 1 } });
    // The best is among the trials that finished.
    expect(sweep.trials.find((t) => t.run_id === sweep.best_run_id)?.status).toBe('finished');
    expect(integrityCheck(db)).toBe('ok');
    await expectNoProcessLeft(tag, 'after the sweep ended');
  }, 180_000);
});

/** Quotes an argument for `sh -c`. */
const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** Runs `runboard <args>` under `script`, which gives it a pseudo-terminal; returns what the terminal showed. */
async function runInTerminal(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const timer = setTimeout(() => {
    if (child.pid !== undefined) killTree(child.pid);
  }, timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    return { code, output };
  } finally {
    clearTimeout(timer);
  }
}

const hasScript = ['/usr/bin/script', '/bin/script'].some((path) => existsSync(path));

describe('on a terminal', () => {
  beforeAll(() => {
    if (!hasScript) throw new Error('`script` (util-linux; Debian package bsdutils) is missing: these tests need it to give the CLI a terminal. apt-get install -y bsdutils');
  });
  let shown: { code: number | null; output: string } | null = null;
  const PROGRESS = /^trials (\d+)\/4 done, (\d+) running, (\d+) pruned, (\d+) failed \| best val_accuracy (-|[\d.]+ \(run \d+\)) \| ETA (-|\d+:\d\d)$/;
  /** The progress lines the terminal showed, each rewrite of the line in place. */
  const progressLines = () => (shown?.output ?? '').split(/\r\n|\r|\n/).map((s) => s.replace(/\x1b\[K/g, '')).filter((s) => s.startsWith('trials '));

  it('the sweep shows a progress line rewritten in place: trials done, running, pruned, failed, best so far, time left', async () => {
    const db = join(makeTempDir(), 'x.db');
    const { env } = newTag();
    shown = await runInTerminal(
      ['sweep', '--dataset', 'iris', '--hidden', '8', '--epochs', '2', '--backend', 'wasm', '--strategy', 'grid', '--param', 'lr=[0.1,0.01]', '--param', 'batch_size=[16,32]', '--parallel', '2', '--db', db],
      env,
      120_000,
    );
    expect(shown.code, shown.output).toBe(0);
    // Rewritten in place: a carriage return before it, the rest of the line cleared after it.
    expect(shown.output).toMatch(/\rtrials \d\/4 done[^\r\n]*\x1b\[K/);
    const lines = progressLines();
    expect(lines.length, shown.output).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(PROGRESS);
    const done = lines.map((line) => Number(PROGRESS.exec(line)?.[1]));
    expect(done, 'trials done never goes down').toEqual([...done].sort((a, b) => a - b));
    expect(lines.at(-1)).toMatch(/^trials 4\/4 done, 0 running, 0 pruned, 0 failed \| best val_accuracy [\d.]+ \(run \d\) \| ETA 0:00$/);
    expect(shown.output).toMatch(/Sweep 1 finished\./);
  }, 150_000);

  it('the progress line counts the trials that are running (2 at once here)', () => {
    expect(shown, 'needs the terminal output of the test above').not.toBeNull();
    const running = progressLines().map((line) => Number(PROGRESS.exec(line)?.[2]));
    expect(running.length).toBeGreaterThan(0);
    expect(Math.max(...running), `running counts shown: ${running.join(', ')}`).toBe(2);
  });
});
