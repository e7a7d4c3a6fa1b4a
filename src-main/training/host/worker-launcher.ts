import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import type { HostToWorker, WorkerToHost } from '../worker-protocol';

export interface WorkerExit {
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started at all (then code and signal are null). */
  error?: string;
}

/** One training process, seen from the host. */
export interface WorkerHandle {
  readonly pid: number | undefined;
  /**
   * Sends a message. A worker may end at any moment (a crash, a kill, the end of its run): a message sent to one that
   * has ended, or is ending, is dropped, never an error; its end comes through `onExit`.
   */
  send(message: HostToWorker): void;
  onMessage(listener: (message: WorkerToHost) => void): void;
  /** Called once when the process has ended (at once for a listener added after that). */
  onExit(listener: (exit: WorkerExit) => void): void;
  /** Ends the process at once (SIGKILL where there are signals). */
  kill(): void;
}

/**
 * Starts training processes. Node hosts (CLI, `serve`) use `child_process.fork`; the desktop app uses
 * Electron's `utilityProcess` (src-main/electron), behind this same interface.
 */
export interface WorkerLauncher {
  launch(entry: string): WorkerHandle;
}

/** `child_process.fork`, injectable for tests. */
export type NodeFork = (modulePath: string, args: string[], options: ForkOptions) => ChildProcess;

export interface NodeLaunchOptions {
  /**
   * Receives the workers' stderr instead of the host's terminal: what native libraries print there (Dawn says there
   * why it found no GPU adapter), for `runboard doctor` to read.
   */
  onStderr?: (text: string) => void;
}

export class NodeWorkerLauncher implements WorkerLauncher {
  constructor(
    private readonly forkProcess: NodeFork = fork,
    private readonly options: NodeLaunchOptions = {},
  ) {}

  launch(entry: string): WorkerHandle {
    const { onStderr } = this.options;
    const child = this.forkProcess(entry, [], {
      // A worker's stdout goes to the host's stderr: the CLI's stdout carries only its own output (`--json`).
      stdio: ['ignore', 'pipe', onStderr ? 'pipe' : 'inherit', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, RUNBOARD_WORKER: '1' },
    });
    child.stdout?.pipe(process.stderr);
    if (onStderr) child.stderr?.on('data', (chunk: Buffer) => onStderr(chunk.toString('utf8')));

    let exitInfo: WorkerExit | null = null;
    const exitListeners: Array<(exit: WorkerExit) => void> = [];
    const reportExit = (exit: WorkerExit): void => {
      if (exitInfo) return;
      exitInfo = exit;
      for (const listener of exitListeners.splice(0)) listener(exit);
    };
    child.once('exit', (code, signal) => reportExit({ code, signal }));
    // Without a listener, an 'error' event would crash the host. Failed sends are handled where they are made.
    child.on('error', (error) => {
      if (child.pid === undefined) {
        // Never started: no 'exit' will come, so this is the end to report.
        reportExit({ code: null, signal: null, error: error.message });
      } else {
        console.error(`runboard: training process ${child.pid}: ${error.message}`);
      }
    });

    return {
      pid: child.pid,
      send: (message) => {
        if (!child.connected) return;
        // The worker can die between the check and the write (a terminal's Ctrl+C, a crash): the write then fails
        // with EPIPE. That message had no one to read it; the worker's exit is reported through onExit.
        child.send(message, (error: Error | null) => {
          if (error && !isClosedChannel(error)) console.error(`runboard: could not send to training process ${child.pid}: ${error.message}`);
        });
      },
      onMessage: (listener) => child.on('message', (message) => listener(message as WorkerToHost)),
      onExit: (listener) => {
        if (exitInfo) listener(exitInfo);
        else exitListeners.push(listener);
      },
      kill: () => {
        if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill('SIGKILL');
      },
    };
  }
}

/** The error of a write to a channel whose other end is gone (the worker has ended, or is ending). */
function isClosedChannel(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EPIPE' || code === 'ECONNRESET' || code === 'ERR_IPC_CHANNEL_CLOSED';
}
