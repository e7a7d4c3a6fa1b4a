/**
 * What the full-disk, two-writer and corrupt-file cases share: the built CLI run as a user runs it (`node
 * bin/runboard.js ...` in a process group of its own, so a timeout ends its training processes too), `serve` with its
 * HTTP API, a look for stack traces in what a user would read, and file hashes to prove nothing was overwritten.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The package's folder: found upward from this file, which runs from test/torture/cases or, built, from out/torture. */
function packageRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bin', 'runboard.js'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no Runboard package folder above ${import.meta.dirname}`);
    dir = parent;
  }
  return dir;
}

export const ROOT = packageRoot();
export const BIN = join(ROOT, 'bin', 'runboard.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the command outlived its time limit and was killed. */
  timedOut: boolean;
}

/** The environment for a CLI process: ours, with no RUNBOARD_DB and no default database in the real home folder. */
export function cliEnv(scratch: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: join(scratch, 'xdg-data'), ...extra };
  if (!('RUNBOARD_DB' in extra)) delete env.RUNBOARD_DB;
  return env;
}

/** Ends a process started with `detached: true` and everything it started (its training processes). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs `runboard <args>` to its end (or `timeoutMs`, then kills its process group) and returns what a user saw. */
export function runCli(args: readonly string[], options: { env: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string }): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, options.timeoutMs ?? 120_000);
  return new Promise((resolveRun) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      // Training processes left behind by a CLI that was killed go with it.
      killGroup(child);
      resolveRun({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** A JavaScript stack frame (`    at fn (file.js:10:5)`, `    at file.js:10:5`) in text a user reads. */
const STACK_FRAME = /^\s+at (?:.+ \()?(?:file:\/\/|node:|\/)[^\s)]*:\d+(?::\d+)?\)?$/m;

export function stackTraceIn(text: string): string | null {
  const match = STACK_FRAME.exec(text);
  return match ? match[0].trim() : null;
}

/** Everything a command printed, for failure lines: short, on one line. */
export function shown(result: CliResult, max = 400): string {
  const text = `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}${result.timedOut ? ' (timed out)' : ''}; stdout: ${result.stdout.trim()}; stderr: ${result.stderr.trim()}`.replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** SHA-256 of every file under `path` (or of the file), by path: compared before and after to prove nothing changed. */
export function hashTree(path: string): Map<string, string> {
  const hashes = new Map<string, string>();
  const visit = (at: string) => {
    if (statSync(at).isDirectory()) {
      for (const name of readdirSync(at).sort()) visit(join(at, name));
    } else {
      hashes.set(at, createHash('sha256').update(readFileSync(at)).digest('hex'));
    }
  };
  visit(resolve(path));
  return hashes;
}

/** The files whose bytes differ between two `hashTree`s, or that appeared or went. */
export function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [path, hash] of before) if (after.get(path) !== hash) changed.push(after.has(path) ? `${path} changed` : `${path} went`);
  for (const path of after.keys()) if (!before.has(path)) changed.push(`${path} appeared`);
  return changed;
}

export interface Serve {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  token: string;
  /** Everything it printed on stderr so far. */
  readonly stderr: string;
  /** `POST /api/<method>`: the parsed answer and its HTTP status. */
  call(method: string, input: unknown): Promise<{ status: number; body: { ok: boolean; value?: unknown; error?: { code: string; message: string } } }>;
  /** SIGTERM (its runs end as stopped), then SIGKILL after 20 s; resolves once it is gone. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `runboard serve --port 0 --db DB` and resolves once it printed its URL. */
export function startServe(db: string, env: NodeJS.ProcessEnv): Promise<Serve> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`serve printed no URL within 60 s; stderr: ${stderr}`));
    }, 60_000);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before printing its URL; stderr: ${stderr}`));
    });
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const url = new URL(line.trim());
      const token = url.searchParams.get('token') ?? '';
      const serve: Serve = {
        child,
        origin: url.origin,
        token,
        get stderr() {
          return stderr;
        },
        async call(method, input) {
          const response = await fetch(`${url.origin}/api/${method}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(input),
          });
          return { status: response.status, body: (await response.json()) as { ok: boolean; value?: unknown; error?: { code: string; message: string } } };
        },
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const kill = setTimeout(() => killGroup(child), 20_000);
            const result = await exited;
            clearTimeout(kill);
            killGroup(child);
            return result;
          }
          return exited;
        },
      };
      resolveStart(serve);
    });
  });
}
