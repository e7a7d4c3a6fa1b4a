/**
 * `full-disk`: the database, a run's checkpoint and an import on a tiny filesystem (a 3 MB tmpfs) that fills while
 * they write. Each iteration mounts a fresh one, trains a first run on it, then fills the disk to a random few hundred
 * kilobytes of free space and: trains until the database cannot grow (the run must end `failed`, saying the disk is
 * full and naming the folder, exit status not 0, no stack trace); trains a wide model whose checkpoint does not fit
 * (the same, and no half-written checkpoint left); imports an MLflow store that does not fit (a clear error; each run
 * imported whole or not at all; importing again once there is space completes it). After each, with space freed, the
 * database must pass `integrity_check` and read every earlier run as it was.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { outcome, type TortureCase, type TortureOptions } from '../case';
import { changedFiles, cliEnv, hashTree, runCli, shown, stackTraceIn, type CliResult } from './runboard-cli';

const DISK_BYTES = 3 * 1024 * 1024;
/** The MLflow store imported into a full disk: enough points that it cannot fit in the space left. */
const IMPORT_RUNS = 30;
const IMPORT_STEPS = 150;
const IMPORT_KEYS = ['loss', 'accuracy', 'lr'];

interface Summary {
  run_id: number;
  status: string;
  epochs: number;
  error: string | null;
  recorded?: boolean;
}

/** Mounts a size-limited tmpfs at `dir`; the reason it could not, or null. */
function mountTmpfs(dir: string): string | null {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES}`, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    return null;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    const who = typeof process.getuid === 'function' ? ` (running as uid ${process.getuid()}; mounting a tmpfs needs root or CAP_SYS_ADMIN)` : '';
    return `cannot mount a ${DISK_BYTES / 1024 / 1024} MB tmpfs at ${dir}: ${stderr || (error as Error).message}${who}`;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // Busy for a moment after a process on it ends: try once more, lazily.
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    } catch {
      // Nothing more to do; the runner removes the folder.
    }
  }
}

/** Fills the disk at `dir` until `leaveBytes` are free (a file named `filler`). */
function fill(dir: string, leaveBytes: number): void {
  const free = () => {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  };
  const bytes = Math.max(0, free() - leaveBytes);
  writeFileSync(join(dir, 'filler'), Buffer.alloc(bytes));
}

function freeSpace(dir: string): void {
  rmSync(join(dir, 'filler'), { force: true });
}

function lastJson<T>(stdout: string): T | null {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    return null;
  }
}

/** What a user must read when the disk filled: the words, the code, the folder; and no stack trace. */
function saysDiskFull(text: string, folder: string): string | null {
  if (!/disk is full/i.test(text)) return 'it does not say the disk is full';
  if (!/SQLITE_FULL|ENOSPC|EDQUOT/.test(text)) return 'it does not give the code (SQLITE_FULL or ENOSPC)';
  if (!text.includes(folder)) return `it does not name the folder ${folder}`;
  return null;
}

function noStack(result: CliResult): string | null {
  const trace = stackTraceIn(result.stdout + result.stderr);
  return trace ? `a stack trace reached the user (${trace})` : null;
}

function mlflowStore(root: string): string {
  mkdirSync(join(root, '0'), { recursive: true });
  writeFileSync(join(root, '0', 'meta.yaml'), "artifact_location: file:///x/0\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n");
  for (let r = 0; r < IMPORT_RUNS; r++) {
    const run = join(root, '0', `run${String(r).padStart(3, '0')}id`);
    mkdirSync(join(run, 'metrics'), { recursive: true });
    mkdirSync(join(run, 'params'), { recursive: true });
    writeFileSync(join(run, 'meta.yaml'), `run_id: run${String(r).padStart(3, '0')}id\nrun_name: imported-${r}\nexperiment_id: '0'\nstatus: 3\nstart_time: 1000\nend_time: 9000\nlifecycle_stage: active\n`);
    writeFileSync(join(run, 'params', 'lr'), String(0.001 * (r + 1)));
    for (const key of IMPORT_KEYS) {
      writeFileSync(join(run, 'metrics', key), Array.from({ length: IMPORT_STEPS }, (_, step) => `${1000 + step} ${Math.sin(r + step / 7).toFixed(8)} ${step}`).join('\n') + '\n');
    }
  }
  return root;
}

/** Opens the database read-only: `integrity_check`, and the metric rows of each run. */
function inspect(db: string): { integrity: string; /** Imported runs' metric rows. */ points: Map<number, number>; statuses: Map<number, string> } {
  const connection = new BetterSqlite3(db, { readonly: true });
  try {
    const integrity = (connection.pragma('integrity_check', { simple: true }) as string) ?? '';
    // Imported runs (kind external) with their metric rows, none counted as 0: a run must have all or not be there.
    const points = new Map(
      (connection.prepare("SELECT r.id AS run_id, count(m.run_id) AS n FROM runs r LEFT JOIN metrics m ON m.run_id = r.id WHERE r.kind = 'external' GROUP BY r.id").all() as { run_id: number; n: number }[]).map((r) => [r.run_id, r.n]),
    );
    const statuses = new Map((connection.prepare('SELECT id, status FROM runs').all() as { id: number; status: string }[]).map((r) => [r.id, r.status]));
    return { integrity, points, statuses };
  } finally {
    connection.close();
  }
}

interface Figures {
  databaseFull: number;
  checkpointFull: number;
  endsNotRecorded: number;
  importStopped: number;
}

async function iteration(n: number, disk: string, scratch: string, options: TortureOptions, figures: Figures): Promise<string[]> {
  const failures: string[] = [];
  const fail = (what: string, problem: string, result?: CliResult) => failures.push(`iteration ${n}, ${what}: ${problem}${result ? `: ${shown(result)}` : ''}`);
  const db = join(disk, 'runboard.db');
  const env = cliEnv(scratch);
  const cli = (args: string[], timeoutMs = 180_000) => runCli([...args, '--db', db], { env, timeoutMs });
  const random = () => Math.random();

  // A first run, on an empty disk: what every later check must find as it was.
  const first = await cli(['train', '--dataset', 'iris', '--hidden', '8', '--epochs', '3', '--backend', 'wasm', '--json']);
  const firstRun = lastJson<Summary>(first.stdout);
  if (first.code !== 0 || firstRun?.status !== 'finished') {
    fail('the first run', 'it did not finish on an empty disk', first);
    return failures;
  }
  const firstCheckpoint = join(disk, 'checkpoints', String(firstRun.run_id));
  const checkpointBefore = hashTree(firstCheckpoint);

  const afterwards = async (what: string) => {
    freeSpace(disk);
    const listed = await cli(['runs', '--json']);
    const trace = noStack(listed);
    if (trace) fail(`${what}, reading afterwards`, trace, listed);
    if (listed.code !== 0) {
      fail(`${what}, reading afterwards`, 'the database does not open once space is freed', listed);
      return;
    }
    const runs = JSON.parse(listed.stdout) as Summary[];
    const again = runs.find((run) => run.run_id === firstRun.run_id);
    if (again?.status !== 'finished' || again.epochs !== 3) fail(`${what}, reading afterwards`, `the first run reads ${JSON.stringify(again)}, not finished after 3 epochs`);
    const { integrity } = inspect(db);
    if (integrity !== 'ok') fail(`${what}, reading afterwards`, `integrity_check says ${integrity}`);
    const changed = changedFiles(checkpointBefore, hashTree(firstCheckpoint));
    if (changed.length > 0) fail(`${what}, reading afterwards`, `the first run's checkpoint changed: ${changed.join(', ')}`);
  };

  // 1. The database fills mid-run.
  {
    const leave = 60_000 + Math.floor(random() * 200_000);
    fill(disk, leave);
    const result = await cli(['train', '--dataset', 'digits', '--hidden', '32', '--epochs', '400', '--backend', 'wasm', '--json']);
    const run = lastJson<Summary>(result.stdout);
    const what = `the database filling mid-run (${Math.round(leave / 1024)} kB left)`;
    const trace = noStack(result);
    if (trace) fail(what, trace, result);
    if (result.code === 0) fail(what, 'it exited 0', result);
    if (run === null) {
      const said = saysDiskFull(result.stderr, disk);
      if (said) fail(what, `no run summary, and the error ${said}`, result);
    } else {
      if (run.status !== 'failed') fail(what, `the run ends ${run.status}, not failed`, result);
      const said = saysDiskFull(run.error ?? '', disk);
      if (said) fail(what, `its reason ${said}`, result);
      if (run.recorded === false) figures.endsNotRecorded++;
      figures.databaseFull++;
    }
    await afterwards(what);
    const stored = inspect(db).statuses.get(run?.run_id ?? -1);
    if (run && stored !== 'failed' && !(run.recorded === false && stored === 'interrupted')) fail(what, `once space is freed the run reads ${stored}, not failed`);
  }

  // 2. A checkpoint does not fit (a wide model's weights: 1.3 MB).
  {
    const leave = 250_000 + Math.floor(random() * 300_000);
    fill(disk, leave);
    const result = await cli(['train', '--dataset', 'digits', '--hidden', '512,512', '--epochs', '1', '--backend', 'wasm', '--json']);
    const run = lastJson<Summary>(result.stdout);
    const what = `a checkpoint that does not fit (${Math.round(leave / 1024)} kB left)`;
    const trace = noStack(result);
    if (trace) fail(what, trace, result);
    if (result.code === 0) fail(what, 'it exited 0', result);
    if (run === null) fail(what, 'no run summary', result);
    else {
      if (run.status !== 'failed') fail(what, `the run ends ${run.status}, not failed`, result);
      const said = saysDiskFull(run.error ?? '', disk);
      if (said) fail(what, `its reason ${said}`, result);
      if (/checkpoint/.test(run.error ?? '')) figures.checkpointFull++;
      else figures.databaseFull++;
      const folder = join(disk, 'checkpoints', String(run.run_id));
      const leftovers = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.tmp')) : [];
      if (leftovers.length > 0) fail(what, `half-written files were left behind: ${leftovers.join(', ')}`);
    }
    await afterwards(what);
  }

  // 3. An import that does not fit.
  {
    const source = mlflowStore(join(scratch, `mlruns-${n}`));
    const sourceBefore = hashTree(source);
    const leave = 100_000 + Math.floor(random() * 200_000);
    fill(disk, leave);
    const result = await cli(['import', source, '--json']);
    const what = `an import that does not fit (${Math.round(leave / 1024)} kB left)`;
    const trace = noStack(result);
    if (trace) fail(what, trace, result);
    if (result.code === 0) fail(what, 'it exited 0 (did the whole store fit?)', result);
    else {
      const said = saysDiskFull(result.stderr, disk);
      if (said) fail(what, `the error ${said}`, result);
      else figures.importStopped++;
    }
    const whole = IMPORT_STEPS * IMPORT_KEYS.length;
    freeSpace(disk);
    const half = [...inspect(db).points.entries()].filter(([, points]) => points !== whole);
    if (half.length > 0) fail(what, `runs half-imported: ${half.map(([runId, points]) => `run ${runId} has ${points} of ${whole} points`).join(', ')}`);
    const again = await cli(['import', source, '--json']);
    if (again.code !== 0) fail(`${what}, importing again with space`, 'it failed', again);
    const imported = [...inspect(db).points.entries()];
    if (imported.length !== IMPORT_RUNS || imported.some(([, points]) => points !== whole)) {
      fail(`${what}, importing again with space`, `${imported.length} runs are there, not ${IMPORT_RUNS} of ${whole} points each`);
    }
    const changed = changedFiles(sourceBefore, hashTree(source));
    if (changed.length > 0) fail(what, `the MLflow store changed: ${changed.join(', ')}`);
    await afterwards(what);
  }
  options.log(`iteration ${n}: ${failures.length} failures`);
  return failures;
}

export const fullDisk: TortureCase = {
  name: 'full-disk',
  description: 'the database, a checkpoint and an import fill a 3 MB tmpfs: the run ends failed saying the disk is full (no stack trace, exit not 0), the import stops with nothing half-imported, and the database reads every earlier run afterwards',
  async run(options) {
    const iterations = options.iterations ?? (options.quick ? 1 : 3);
    const failures: string[] = [];
    const figures: Figures = { databaseFull: 0, checkpointFull: 0, endsNotRecorded: 0, importStopped: 0 };
    for (let n = 1; n <= iterations; n++) {
      const disk = join(options.workDir, `disk-${n}`);
      const cannot = mountTmpfs(disk);
      if (cannot) return { status: 'cannot-run', iterations: n - 1, failures, reason: cannot };
      try {
        failures.push(...(await iteration(n, disk, join(options.workDir, `scratch-${n}`), options, figures)));
      } finally {
        unmount(disk);
      }
    }
    return outcome(iterations, failures, {
      'database full': figures.databaseFull,
      'checkpoint full': figures.checkpointFull,
      'ends not recorded': figures.endsNotRecorded,
      'imports stopped': figures.importStopped,
    });
  },
};
