import { fork } from 'node:child_process';
import type { HostToWorker, WorkerToHost } from './worker-protocol';

export interface WorkerExit {
  code: number | null;
  signal: string | null;
}

/** One training process, seen from the host. */
export interface WorkerHandle {
  readonly pid: number | undefined;
  send(message: HostToWorker): void;
  onMessage(listener: (message: WorkerToHost) => void): void;
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

export class NodeWorkerLauncher implements WorkerLauncher {
  launch(entry: string): WorkerHandle {
    const child = fork(entry, [], {
      // A worker's stdout goes to the host's stderr: the CLI's stdout carries only its own output (`--json`).
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, RUNBOARD_WORKER: '1' },
    });
    child.stdout?.pipe(process.stderr);
    return {
      pid: child.pid,
      send: (message) => {
        if (child.connected) child.send(message);
      },
      onMessage: (listener) => child.on('message', (message) => listener(message as WorkerToHost)),
      onExit: (listener) => child.once('exit', (code, signal) => listener({ code, signal })),
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  }
}
