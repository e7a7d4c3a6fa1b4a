/**
 * Helpers for the CLI suite: every test runs the built CLI (`node bin/runboard.js ...`) as a real subprocess, on a
 * database in its own temporary folder, with an environment that has no RUNBOARD_DB. Every process a test starts is
 * tracked, and `killAll` (called from afterEach) ends it and its training workers, so nothing outlives a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = join(ROOT, 'bin', 'runboard.js');
export const BUILT_CLI = join(ROOT, 'out', 'main', 'cli.js');
export const BUILT_WORKER = join(ROOT, 'out', 'main', 'training-worker.js');

/** Fails with a message that says what to do when the CLI has not been built (`npm test` builds first). */
export function assertCliIsBuilt(): void {
  for (const file of [BUILT_CLI, BUILT_WORKER]) {
    if (!existsSync(file)) {
      throw new Error(`${file} is missing: the CLI suite runs the built CLI. Run \`npx electron-vite build\` (or \`npm test\`, which builds first).`);
    }
  }
}

/** The tiny, fast training every test uses unless it needs more epochs. */
export const TINY = ['--dataset', 'iris', '--hidden', '8', '--epochs', '3', '--backend', 'wasm'] as const;

/** A run long enough to be interrupted: about half a second per epoch on wasm, 200 epochs. */
export const LONG = ['--dataset', 'digits', '--hidden', '32', '--epochs', '200', '--backend', 'wasm'] as const;

/** The environment for a CLI process: ours, without RUNBOARD_DB (so the user's database is never touched). */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('RUNBOARD_DB' in extra)) delete env.RUNBOARD_DB;
  delete env.RUNBOARD_SERVE_NOTICE;
  // Keep the default database (used only when a test forgets --db) out of the real home folder.
  if (!('XDG_DATA_HOME' in extra)) env.XDG_DATA_HOME = join(tmpdir(), 'runboard-cli-test-no-default-db');
  return env;
}

const started = new Set<ChildProcess>();
const tempDirs: string[] = [];

/** A fresh temporary folder, removed by `cleanUp`. */
export function makeTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runboard-cli-'));
  tempDirs.push(dir);
  return dir;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Start in a process group of its own, so a test can signal the group as a terminal's Ctrl+C does. */
  detached?: boolean;
}

/** A CLI process that is still running, with its output so far. */
export interface RunningCli {
  child: ChildProcess;
  pid: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the CLI process itself has exited and been reaped (its workers may still be running). */
  exited: Promise<CliResult>;
}

/** Starts `runboard <args>` and returns at once. */
export function startCli(args: readonly string[], options: StartOptions = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: options.env ?? cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached === true,
  });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'exit', not 'close': after a kill -9 the training worker still holds the inherited stderr open for a while.
  const exited = new Promise<CliResult>((resolveExit, rejectExit) => {
    child.once('error', rejectExit);
    child.once('exit', (code, signal) => {
      started.delete(child);
      // Give the pipes a moment to deliver what was written just before the exit.
      setTimeout(() => resolveExit({ code, signal, stdout, stderr }), 50);
    });
  });
  if (child.pid === undefined) throw new Error('could not start the CLI');
  return {
    child,
    pid: child.pid,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
  };
}

/** Runs `runboard <args>` to completion; kills it (and fails) after `timeoutMs`. */
export async function runCli(args: readonly string[], options: StartOptions & { timeoutMs?: number } = {}): Promise<CliResult> {
  const cli = startCli(args, options);
  const timeoutMs = options.timeoutMs ?? 90_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rejectTimeout) => {
    timer = setTimeout(() => {
      killTree(cli.pid);
      rejectTimeout(new Error(`runboard ${args.join(' ')} did not end within ${timeoutMs} ms.\nstdout: ${cli.stdout}\nstderr: ${cli.stderr}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([cli.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `runs --json` on a database, parsed; fails the test with the CLI's stderr when it does not succeed. */
export async function listRuns(db: string, extra: readonly string[] = []): Promise<RunJson[]> {
  const result = await runCli(['runs', '--json', '--db', db, ...extra]);
  if (result.code !== 0) throw new Error(`runs --json exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as RunJson[];
}

export type MetricJson = number | 'NaN' | 'Infinity' | '-Infinity';

export interface RunJson {
  run_id: number;
  name: string;
  experiment: string;
  status: string;
  backend: string | null;
  device: string | null;
  parent_run_id: number | null;
  seed: number | null;
  started_at: number | null;
  ended_at: number | null;
  duration_s: number | null;
  error: string | null;
  params: Record<string, string | number | boolean | null>;
  metrics: Record<string, MetricJson>;
  best: Record<string, MetricJson>;
  epochs: number;
}

/** Pids of the direct children of `pid`, read from /proc. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces and parentheses): state, ppid, ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Whether `pid` is a live process (a zombie, dead but not yet reaped, counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The command line of `pid`, or '' when it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The training worker(s) a CLI process forked. */
export function workerPids(cliPid: number): number[] {
  return childPids(cliPid).filter((pid) => commandLine(pid).includes('training-worker'));
}

/** SIGKILLs `pid` and every descendant (collected first, so reparenting cannot hide them). */
export function killTree(pid: number): void {
  const all: number[] = [];
  const visit = (p: number) => {
    all.push(p);
    for (const c of childPids(p)) visit(c);
  };
  visit(pid);
  for (const p of all) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Descendants of the processes we started, collected while their parents lived (a killed parent's children are reparented). */
let descendantsSeen = new Set<number>();

/** Remembers the current descendants of our running CLI processes, so `killAll` can find them after reparenting. */
export function rememberDescendants(): void {
  for (const child of started) {
    if (child.pid === undefined) continue;
    const visit = (p: number) => {
      for (const c of childPids(p)) {
        descendantsSeen.add(c);
        visit(c);
      }
    };
    visit(child.pid);
  }
}

/** Makes `killAll` end this pid too (a worker found before its parent was killed, and so reparented). */
export function trackPid(pid: number): void {
  descendantsSeen.add(pid);
}

/** Ends every process the test started that is still running, and their workers. For afterEach. */
export function killAll(): void {
  rememberDescendants();
  for (const child of started) {
    if (child.pid !== undefined) killTree(child.pid);
  }
  for (const pid of descendantsSeen) {
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  descendantsSeen = new Set();
  started.clear();
}

/** Removes the temporary folders made by `makeTempDir`. For afterEach / afterAll. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Polls `probe` until it returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Opens a database read-only, runs `body`, and closes it. */
export function withReadonlyDb<T>(path: string, body: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return body(db);
  } finally {
    db.close();
  }
}

/** Distinct epochs committed for a run, read straight from the file (0 while the database or run does not exist). */
export function committedEpochs(path: string, runId = 1): number {
  if (!existsSync(path)) return 0;
  try {
    return withReadonlyDb(path, (db) => {
      const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'metrics'").get();
      if (!hasTable) return 0;
      return (db.prepare('SELECT count(DISTINCT step) AS n FROM metrics WHERE run_id = ?').get(runId) as { n: number }).n;
    });
  } catch {
    // Created but not yet migrated, or locked for a moment: try again later.
    return 0;
  }
}

/** `PRAGMA integrity_check` result, 'ok' when the file is sound. */
export function integrityCheck(path: string): string {
  return withReadonlyDb(path, (db) => (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; '));
}

/** Counts `^epoch N:` lines in the CLI's text output. */
export function epochLines(text: string): number {
  return (text.match(/^epoch \d+:/gm) ?? []).length;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
