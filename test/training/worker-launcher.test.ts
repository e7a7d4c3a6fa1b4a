/**
 * `NodeWorkerLauncher`, the Node hosts' way to start training processes, with real processes: a worker can end at
 * any moment (a crash, a kill, a terminal's Ctrl+C), and a message the host sends it then must be dropped, not crash
 * the host. Before, a `stop` sent to a worker that had just died raised an unhandled EPIPE and the CLI exited 1.
 */
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeWorkerLauncher, type WorkerExit, type WorkerHandle } from '../../src-main/training/host/worker-launcher';
import type { WorkerToHost } from '../../src-main/training/worker-protocol';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();
const handles: WorkerHandle[] = [];
afterEach(() => {
  for (const handle of handles.splice(0)) handle.kill();
});

/** A worker script that says it is ready and then waits for messages. */
function waitingWorker(): string {
  const path = join(tempDir(), 'worker.cjs');
  writeFileSync(path, "process.on('message', () => {});\nprocess.send({ type: 'probed', backend: 'cpu', ok: true, device: null, error: null });\n");
  return path;
}

function launch(entry: string, launcher = new NodeWorkerLauncher()): { handle: WorkerHandle; ready: Promise<void>; exit: Promise<WorkerExit> } {
  const handle = launcher.launch(entry);
  handles.push(handle);
  const ready = new Promise<void>((resolve) => handle.onMessage((message: WorkerToHost) => message.type === 'probed' && resolve()));
  const exit = new Promise<WorkerExit>((resolve) => handle.onExit(resolve));
  return { handle, ready, exit };
}

/** Blocks (no event loop turn, so the host has not noticed yet) until process `pid` has died and not been reaped. */
function waitUntilDead(pid: number): void {
  const deadline = Date.now() + 10_000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < deadline) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name in parentheses: Z is a zombie, dead and waiting for its parent.
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return;
    Atomics.wait(pause, 0, 0, 5);
  }
  throw new Error(`process ${pid} did not die within 10 s`);
}

/** Collects what would crash the process: uncaught exceptions (an 'error' event nobody listens to becomes one). */
function watchUncaught(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  process.on('uncaughtException', onError);
  return { errors, stop: () => process.off('uncaughtException', onError) };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('NodeWorkerLauncher', () => {
  it('drops a message sent to a worker that has just died (EPIPE), and still reports its exit', async () => {
    const { handle, ready, exit } = launch(waitingWorker());
    await ready;
    const pid = handle.pid as number;
    process.kill(pid, 'SIGKILL');
    waitUntilDead(pid);
    const uncaught = watchUncaught();
    try {
      // The host has not seen the death yet (no event loop turn since): it still thinks the channel is open.
      expect(() => handle.send({ type: 'stop', runId: 1 })).not.toThrow();
      await turns(5);
      expect(await exit).toEqual({ code: null, signal: 'SIGKILL' });
      handle.send({ type: 'stop', runId: 1 });
      await turns(5);
      expect(uncaught.errors).toEqual([]);
    } finally {
      uncaught.stop();
    }
  });

  it('reports the exit once, also to a listener added after it', async () => {
    const { handle, ready, exit } = launch(waitingWorker());
    await ready;
    handle.kill();
    expect(await exit).toEqual({ code: null, signal: 'SIGKILL' });
    const late = await new Promise<WorkerExit>((resolve) => handle.onExit(resolve));
    expect(late).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('reports a process that could not be started as an exit with the reason, instead of crashing the host', async () => {
    const uncaught = watchUncaught();
    try {
      const launcher = new NodeWorkerLauncher((entry, args, options) => fork(entry, args, { ...options, execPath: join(tempDir(), 'no-such-node') }));
      const { handle, exit } = launch(waitingWorker(), launcher);
      expect(handle.pid).toBeUndefined();
      handle.send({ type: 'stop', runId: 1 });
      const reported = await exit;
      expect(reported).toMatchObject({ code: null, signal: null, error: expect.stringMatching(/ENOENT/) });
      await turns(5);
      expect(uncaught.errors).toEqual([]);
    } finally {
      uncaught.stop();
    }
  });
});
