import type { ForkOptions, UtilityProcess } from 'electron';
import type { WorkerExit, WorkerHandle, WorkerLauncher } from '../training/host/worker-launcher';
import type { HostToWorker, WorkerToHost } from '../training/worker-protocol';

/** `utilityProcess.fork`, passed in so this module never imports `electron` at run time and is tested with a fake. */
export type UtilityFork = (modulePath: string, args: string[], options: ForkOptions) => UtilityProcess;

/** Kills a process by id (`process.kill`); injectable for tests. */
export type KillProcess = (pid: number, signal: NodeJS.Signals) => void;

/** Keeps the end of a worker's stderr, so a crash can be reported with its last words. */
const STDERR_TAIL_CHARS = 4000;

/**
 * Training workers as Electron utility processes (the desktop app's `WorkerLauncher`; Node hosts use
 * `NodeWorkerLauncher`). A utility process is a Node.js child managed by Chromium: no `ELECTRON_RUN_AS_NODE`
 * (so the RunAsNode fuse can be off), structured-clone messages (NaN and Infinity metrics survive), and it appears
 * as "Runboard training" in `app.getAppMetrics()`.
 *
 * The worker talks through `process.parentPort` instead of `process.send` / `process.on('message')`; see the
 * worker-side contract in training-worker.ts. `launch` may only be called after the app's `ready` event.
 */
export class UtilityWorkerLauncher implements WorkerLauncher {
  constructor(
    private readonly fork: UtilityFork,
    private readonly killProcess: KillProcess = (pid, signal) => process.kill(pid, signal),
  ) {}

  launch(entry: string): WorkerHandle {
    const child = this.fork(entry, [], {
      serviceName: 'Runboard training',
      // Both streams piped and always drained (a full pipe would block the worker); they go to the host's stderr,
      // like NodeWorkerLauncher, so the main process's stdout stays clean.
      stdio: 'pipe',
      env: { ...process.env, RUNBOARD_WORKER: '1' },
    });
    let stderrTail = '';
    child.stdout?.on('data', (chunk: Buffer | string) => process.stderr.write(chunk));
    child.stderr?.on('data', (chunk: Buffer | string) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_CHARS);
    });

    let exited = false;
    let killRequested = false;
    let exitInfo: WorkerExit | undefined;
    const exitListeners: Array<(exit: WorkerExit) => void> = [];
    child.on('error', (type, location) => console.error(`Runboard training process hit a fatal ${type} at ${location}`));
    child.once('exit', (code) => {
      exited = true;
      // A utility process reports an exit code only. When we killed it, say so the way child_process would.
      exitInfo = killRequested ? { code: null, signal: 'SIGKILL' } : { code, signal: null };
      if (!killRequested && code !== 0) console.error(`Runboard training process exited with code ${code}${stderrTail ? `; its last output:\n${stderrTail}` : ''}`);
      for (const listener of exitListeners.splice(0)) listener(exitInfo);
    });

    return {
      get pid() {
        return child.pid;
      },
      send: (message: HostToWorker) => {
        // As with NodeWorkerLauncher, a message to a worker that has ended is dropped, never an error: after 'exit'
        // here, and before it in Electron itself (postMessage returns without sending once the process is gone).
        if (!exited) child.postMessage(message);
      },
      onMessage: (listener: (message: WorkerToHost) => void) => {
        child.on('message', (message: unknown) => listener(message as WorkerToHost));
      },
      onExit: (listener: (exit: WorkerExit) => void) => {
        if (exitInfo) listener(exitInfo);
        else exitListeners.push(listener);
      },
      kill: () => {
        if (exited || killRequested) return;
        killRequested = true;
        // utilityProcess.kill() sends SIGTERM; the interface promises "at once", so SIGKILL where there are signals.
        const killNow = (): void => {
          const pid = child.pid;
          try {
            if (pid === undefined) throw new Error('no pid');
            this.killProcess(pid, 'SIGKILL');
          } catch {
            child.kill();
          }
        };
        if (child.pid === undefined) child.once('spawn', killNow);
        else killNow();
      },
    };
  }
}
