import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The Python environment with the real clients of other trackers (mlflow, tensorboard, Debian's torch), made by
 * `.ci/run` at a fixed place in the checkout from `test/interop/requirements.txt`.
 */
export const ROOT = resolve(import.meta.dirname, '..', '..');
export const VENV = join(ROOT, '.venv-interop');
export const PYTHON = join(VENV, 'bin', 'python');
export const COURSE_LOOP = join(ROOT, 'test', 'interop', 'course_loop.py');
const venvPresent = existsSync(PYTHON);
/**
 * Set to 1 by CI (`.ci/run`): the real-client tests must run there, so a missing environment fails them instead of
 * skipping them. A developer's `npm test` without it skips them, saying why.
 */
export const interopRequired = process.env.RUNBOARD_REQUIRE_INTEROP === '1';
export const hasPython = venvPresent || interopRequired;

/** A suite's title, saying why it is skipped where the environment is missing. */
export function interopTitle(title: string): string {
  return hasPython
    ? title
    : `${title} (skipped: ${PYTHON} not found; make it with /usr/bin/python3 -m venv --system-site-packages .venv-interop && .venv-interop/bin/pip install -r test/interop/requirements.txt, as .ci/run does)`;
}

export interface PythonResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the environment's Python; `done` resolves when it exits (rejects when the environment is missing: CI requires it). */
export function startPython(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 180_000): { child: ChildProcess | null; done: Promise<PythonResult> } {
  if (!venvPresent) {
    return { child: null, done: Promise.reject(new Error(`${PYTHON} not found, and RUNBOARD_REQUIRE_INTEROP=1 (set by .ci/run) requires the real-client tests: see .ci/run`)) };
  }
  const child = spawn(PYTHON, [...args], { cwd: ROOT, env: { ...process.env, PYTHONUNBUFFERED: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<PythonResult>((resolveRun, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
  return { child, done };
}

/** Runs the environment's Python to its end. */
export function runPython(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 180_000): Promise<PythonResult> {
  return startPython(args, env, timeoutMs).done;
}
