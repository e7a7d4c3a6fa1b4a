import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { importRuns } from '../src-main/interop/import';
import { SqliteStore } from '../src-main/store/sqlite-store';
import type { MetricPointInput } from '../src-main/store/run-store';
import { eventFile } from '../test/interop/tfevents';
import { median, round, sideBySide } from './stats';

/**
 * MLflow's own tracking server beside Runboard's `serve`, driven by the same client script (bench/mlflow_client.py) in
 * MLflow's pinned release, installed into the bench's own environment (.venv-bench, from Debian's python3): per-point
 * `log_metric`, per-step `log_metrics`, and `search_runs` over 1,000 runs page by page. And the TensorBoard importer's
 * points per second beside the store's `logBatch`.
 */

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const VENV = join(ROOT, '.venv-bench');
const PYTHON = join(VENV, 'bin', 'python');
const MLFLOW_VERSION = '3.18.0';
const CLIENT = join(ROOT, 'bench', 'mlflow_client.py');
const CLI = join(ROOT, 'bin', 'runboard.js');
const SEARCH_RUNS = 1000;

/** Makes the bench's environment with MLflow when it is missing; the reason it cannot, or null. */
async function ensureMlflow(): Promise<string | null> {
  try {
    if (!existsSync(PYTHON)) await run('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', VENV], { timeout: 120_000 });
    await run(PYTHON, ['-c', `import mlflow, sys; sys.exit(0 if mlflow.__version__ == '${MLFLOW_VERSION}' else 1)`]).catch(async () => {
      process.stderr.write(`installing mlflow ${MLFLOW_VERSION} into ${VENV} (a few minutes, once)...\n`);
      await run(join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `mlflow==${MLFLOW_VERSION}`], { timeout: 20 * 60_000, maxBuffer: 16 << 20 });
    });
    return null;
  } catch (error) {
    return `MLflow could not be installed into ${VENV}: ${(error as Error).message.split('\n')[0]}`;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolvePort(port));
    });
  });
}

interface Tracking {
  name: string;
  env: Record<string, string>;
  process: ChildProcess;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((done) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** `mlflow server` on SQLite, as its docs set it up, on loopback; resolves once it answers /health. */
async function startMlflow(dir: string): Promise<Tracking> {
  const port = await freePort();
  const child = spawn(join(VENV, 'bin', 'mlflow'), ['server', '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`, '--host', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: false,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
    } catch {
      // Not up yet.
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop(child);
      throw new Error(`mlflow server did not start: ${stderr.split('\n').slice(-5).join(' ')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { name: 'mlflow', env: { MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}` }, process: child };
}

/** `runboard serve` on a fresh database; resolves with its URL and token. */
async function startRunboard(dir: string): Promise<Tracking> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', join(dir, 'runboard.db')], { stdio: ['ignore', 'pipe', 'ignore'] });
  const line = await new Promise<string>((resolveLine, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`runboard serve exited with code ${code}`)));
  });
  const url = new URL(line.trim());
  return { name: 'runboard', env: { MLFLOW_TRACKING_URI: url.origin, MLFLOW_TRACKING_TOKEN: url.searchParams.get('token') as string }, process: child };
}

async function client(server: Tracking, ...args: string[]): Promise<{ seconds: number }> {
  const { stdout } = await run(PYTHON, [CLIENT, ...args], { env: { ...process.env, ...server.env }, timeout: 30 * 60_000, maxBuffer: 16 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as { seconds: number };
}

/**
 * `mlflow_log_metric_speedup`, `mlflow_log_batch_speedup`, `mlflow_search_speedup`: MLflow's time ÷ Runboard's for
 * the same client script. Per-point logging through MLflow takes minutes, so it runs once on each side; the others
 * alternate for up to three rounds.
 */
export async function benchMlflowServers(rounds: number): Promise<Record<string, number | string>> {
  const missing = await ensureMlflow();
  if (missing) return { mlflow_server: `not measured: ${missing}` };
  const dir = mkdtempSync(join(tmpdir(), 'runboard-bench-mlflow-'));
  mkdirSync(join(dir, 'mlflow'));
  mkdirSync(join(dir, 'runboard'));
  let mlflow: Tracking | undefined;
  let runboard: Tracking | undefined;
  try {
    mlflow = await startMlflow(join(dir, 'mlflow'));
    runboard = await startRunboard(join(dir, 'runboard'));
    const servers = { mlflow, runboard };
    let experiment = 0;
    const timed = (mode: string) => async (server: Tracking) => (await client(server, mode, `${mode}-${++experiment}`)).seconds;
    const perPoint = await sideBySide(1, () => timed('log_metric')(servers.runboard), () => timed('log_metric')(servers.mlflow));
    const perStep = await sideBySide(Math.min(rounds, 3), () => timed('log_batch')(servers.runboard), () => timed('log_batch')(servers.mlflow));
    await Promise.all([client(servers.runboard, 'seed', 'search', String(SEARCH_RUNS)), client(servers.mlflow, 'seed', 'search', String(SEARCH_RUNS))]);
    const search = await sideBySide(Math.min(rounds, 3), async () => (await client(servers.runboard, 'search', 'search')).seconds, async () => (await client(servers.mlflow, 'search', 'search')).seconds);
    const points = 20 * 50 * 6;
    return {
      mlflow_log_metric_speedup: round(median(perPoint.b) / median(perPoint.a), 2),
      mlflow_log_metric_points_per_s: `${Math.round(points / median(perPoint.a))} runboard, ${Math.round(points / median(perPoint.b))} mlflow ${MLFLOW_VERSION}`,
      mlflow_log_batch_speedup: round(median(perStep.b) / median(perStep.a), 2),
      mlflow_log_batch_points_per_s: `${Math.round(points / median(perStep.a))} runboard, ${Math.round(points / median(perStep.b))} mlflow`,
      mlflow_search_speedup: round(median(search.b) / median(search.a), 2),
      mlflow_search_seconds: `${round(median(search.a), 3)} runboard, ${round(median(search.b), 3)} mlflow (${SEARCH_RUNS} runs, pages of 100)`,
    };
  } catch (error) {
    return { mlflow_server: `not measured: ${(error as Error).message.split('\n')[0]}` };
  } finally {
    if (runboard) await stop(runboard.process);
    if (mlflow) await stop(mlflow.process);
    rmSync(dir, { recursive: true, force: true });
  }
}

const TB_RUNS = 100;
const TB_STEPS = 50;
const TB_KEYS = ['loss/train', 'loss/val', 'accuracy/train', 'accuracy/val', 'lr', 'grad_norm'];

/** A TensorBoard log folder of 100 runs, 50 steps of 6 scalars each. */
function tensorboardFolder(dir: string): string {
  const root = join(dir, 'logs');
  for (let r = 0; r < TB_RUNS; r++) {
    mkdirSync(join(root, `run-${r}`), { recursive: true });
    const events = Array.from({ length: TB_STEPS }, (_, step) => ({ wallTime: 1_700_000_000 + r * 100 + step, step, values: TB_KEYS.map((tag, k) => ({ tag, simple: 1 / (step + k + 1) })) }));
    writeFileSync(join(root, `run-${r}`, `events.out.tfevents.${1_700_000_000 + r}.bench.${r}.0`), eventFile(events));
  }
  return root;
}

/**
 * `import_points_per_s`: points per second of `runboard import` of a TensorBoard folder of 100 runs (reading,
 * checking and decoding every record, one transaction per run), beside the store's own `logBatch` of the same points.
 */
export async function benchImport(rounds: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'runboard-bench-import-'));
  try {
    const folder = tensorboardFolder(dir);
    const points = TB_RUNS * TB_STEPS * TB_KEYS.length;
    let n = 0;
    const fresh = () => SqliteStore.open({ path: join(dir, `store-${++n}.db`), explicit: true });
    const result = await sideBySide(
      rounds,
      async () => {
        const store = fresh();
        const started = performance.now();
        const summary = await importRuns(store, folder);
        const seconds = (performance.now() - started) / 1000;
        store.close();
        if (summary.points !== points) throw new Error(`imported ${summary.points} points, not ${points}`);
        return points / seconds;
      },
      async () => {
        const store = fresh();
        const started = performance.now();
        for (let r = 0; r < TB_RUNS; r++) {
          const created = await store.createExternalRun({ experiment: 'bench', startTime: 1, source: { type: 'tensorboard', location: null, original_id: null, user: null, imported_at: null } });
          const batch: MetricPointInput[] = [];
          for (let step = 0; step < TB_STEPS; step++) TB_KEYS.forEach((key, k) => batch.push({ key, step, value: 1 / (step + k + 1), time: step }));
          await store.logExternal(created.run_id, { metrics: batch }, Date.now());
        }
        const seconds = (performance.now() - started) / 1000;
        store.close();
        return points / seconds;
      },
    );
    return { import_points_per_s: Math.round(median(result.a)), import_logbatch_points_per_s: Math.round(median(result.b)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
