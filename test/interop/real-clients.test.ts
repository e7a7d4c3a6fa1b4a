import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src-shared/entities/run';
import { CLI, startServe, stopProcess, type Server } from '../e2e/harness';
import { COURSE_LOOP, hasPython, interopTitle, runPython, type PythonResult } from './python-venv';

/**
 * Runboard with the real clients of other trackers, not imitations of them: the course's PyTorch loop logging through
 * `mlflow` into `runboard serve`, writing with `SummaryWriter` and with `mlflow` into an `mlruns/` folder and an
 * `mlflow.db`, then `runboard import`. Each checks that what Runboard holds is exactly what the script logged. Needs the
 * build and `.venv-interop` (made by .ci/run; skipped, saying why, where it is missing).
 */

const exec = promisify(execFile);

interface Logged {
  params: Record<string, string | number>;
  metrics: Record<string, [number, number][]>;
  tags?: Record<string, string>;
  run_id?: string;
}

function checkPython(result: PythonResult): void {
  if (result.code !== 0) throw new Error(`the script failed (exit ${result.code}):\n${result.stderr.slice(-3000)}`);
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Every point of every metric of a run, as [step, value] per key, read from the database through the CLI's export. */
async function pointsOf(db: string, runId: number): Promise<Record<string, [number, number | string][]>> {
  const { stdout } = await cli('export', '--format', 'json', '--db', db, '--filter', `run_id = ${runId}`);
  const [row] = JSON.parse(stdout) as { history: Record<string, { step: number; value: number | string }[]> }[];
  return Object.fromEntries(Object.entries(row?.history ?? {}).map(([key, points]) => [key, points.map((p) => [p.step, p.value] as [number, number | string])]));
}

async function runsOf(db: string, ...args: string[]): Promise<RunSummary[]> {
  const result = await cli('runs', '--json', '--db', db, ...args);
  if (result.code !== 0) throw new Error(`runboard runs failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as RunSummary[];
}

/** What the script logged, exactly: params (typed as Runboard reads their text), every metric point, tags. */
async function expectExactly(db: string, run: RunSummary, logged: Logged): Promise<void> {
  expect(run.params).toEqual(Object.fromEntries(Object.entries(logged.params).map(([key, value]) => [key, typeof value === 'number' ? value : /^-?[\d.]+(e-?\d+)?$/.test(value) ? Number(value) : value])));
  expect(await pointsOf(db, run.run_id)).toEqual(logged.metrics);
  if (logged.tags) expect(run.tags).toMatchObject(logged.tags);
}

describe.skipIf(!hasPython)(interopTitle('the real clients: mlflow and SummaryWriter'), () => {
  let workDir: string;

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'runboard-interop-'));
  });

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  describe('the course loop logging through mlflow into runboard serve', () => {
    let server: Server;
    const db = () => join(workDir, 'serve.db');

    beforeAll(async () => {
      server = await startServe(db());
    });

    afterAll(async () => {
      if (server) await stopProcess(server.process);
    });

    it('shows exactly what the script logged, as an external run with its source; the issue\'s filter finds exactly it', async () => {
      const url = new URL(server.url);
      const env = { MLFLOW_TRACKING_URI: url.origin, MLFLOW_TRACKING_TOKEN: url.searchParams.get('token') as string };
      const record = join(workDir, 'serve-run.json');
      checkPython(await runPython([COURSE_LOOP, 'mlflow', '--record', record, '--epochs', '6'], env));
      const logged = JSON.parse(readFileSync(record, 'utf8')) as Logged;
      // Another script's run that must not match: failed, with another optimizer.
      const other = await fetch(`${url.origin}/api/2.0/mlflow/runs/create`, { method: 'POST', headers: { Authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ experiment_id: '0', run_name: 'adam-run' }) });
      const otherId = ((await other.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
      for (const body of [
        { run_id: otherId, key: 'optimizer', value: 'adam' },
      ]) {
        await fetch(`${url.origin}/api/2.0/mlflow/runs/log-parameter`, { method: 'POST', headers: { Authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      }

      const [run] = await runsOf(db(), '--filter', `run_id = ${logged.run_id}`);
      expect(run).toMatchObject({ name: 'course-mlp', experiment: 'course', kind: 'external', status: 'finished', source: { type: 'mlflow-api', location: COURSE_LOOP } });
      await expectExactly(db(), run!, logged);
      expect(run!.epochs).toBe(6);
      const found = await runsOf(db(), '--filter', "attributes.status = 'FINISHED' AND params.optimizer = 'sgd'");
      expect(found.map((r) => r.run_id)).toEqual([Number(logged.run_id)]);
      expect((await runsOf(db(), '--filter', "params.optimizer = 'adam'")).map((r) => r.name)).toEqual(['adam-run']);
    });
  });

  it('writes with SummaryWriter (scalars and add_hparams), then runboard import brings the run in exactly, once', async () => {
    const logdir = join(workDir, 'tb', 'course-mlp');
    const record = join(workDir, 'tb-run.json');
    checkPython(await runPython([COURSE_LOOP, 'tensorboard', '--logdir', logdir, '--record', record, '--epochs', '6']));
    const logged = JSON.parse(readFileSync(record, 'utf8')) as Logged;
    const db = join(workDir, 'tb.db');
    const first = await cli('import', join(workDir, 'tb'), '--db', db);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Imported 1 run \(25 points\) from TensorBoard event files at .*; 0 skipped, 0 failed\./);
    const [run] = await runsOf(db);
    expect(run).toMatchObject({ name: 'course-mlp', experiment: 'tb', kind: 'external', status: 'finished', source: { type: 'tensorboard', location: logdir } });
    await expectExactly(db, run!, logged);
    const again = await cli('import', join(workDir, 'tb'), '--db', db);
    expect(again.stdout).toMatch(/^Imported 0 runs \(0 points\).*1 skipped, 0 failed\.\n {2}1 run was imported before: an import adds a run once\./);
    expect(await runsOf(db)).toHaveLength(1);
  });

  it('logs with mlflow into a file: store (mlruns/), then runboard import brings the run in exactly, once', async () => {
    const mlruns = join(workDir, 'mlruns');
    const record = join(workDir, 'file-run.json');
    checkPython(await runPython([COURSE_LOOP, 'mlflow', '--record', record, '--epochs', '5'], { MLFLOW_TRACKING_URI: `file:${mlruns}`, MLFLOW_ALLOW_FILE_STORE: 'true' }));
    const logged = JSON.parse(readFileSync(record, 'utf8')) as Logged;
    const db = join(workDir, 'file.db');
    const first = await cli('import', mlruns, '--db', db);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Imported 1 run \(20 points\) from an MLflow file store/);
    const [run] = await runsOf(db);
    expect(run).toMatchObject({ name: 'course-mlp', experiment: 'course', status: 'finished', source: { type: 'mlflow-file-store', original_id: logged.run_id } });
    await expectExactly(db, run!, logged);
    expect((await cli('import', mlruns, '--db', db)).stdout).toMatch(/^Imported 0 runs/);
    expect(await runsOf(db)).toHaveLength(1);
  });

  it('logs with mlflow into an sqlite: database (mlflow.db), then runboard import brings the run in exactly, once', async () => {
    const file = join(workDir, 'mlflow.db');
    const record = join(workDir, 'sqlite-run.json');
    checkPython(await runPython([COURSE_LOOP, 'mlflow', '--record', record, '--epochs', '4'], { MLFLOW_TRACKING_URI: `sqlite:///${file}` }));
    const logged = JSON.parse(readFileSync(record, 'utf8')) as Logged;
    const db = join(workDir, 'sqlite.db');
    const first = await cli('import', file, '--db', db);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Imported 1 run \(16 points\) from an MLflow database/);
    const [run] = await runsOf(db);
    expect(run).toMatchObject({ name: 'course-mlp', experiment: 'course', status: 'finished', source: { type: 'mlflow-sqlite', original_id: logged.run_id } });
    await expectExactly(db, run!, logged);
    expect((await cli('import', file, '--db', db)).stdout).toMatch(/^Imported 0 runs/);
  });
});

