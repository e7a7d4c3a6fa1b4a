import type { WorkerExit, WorkerHandle, WorkerLauncher } from './worker-launcher';
import type { WorkerToHost } from '../worker-protocol';

/** Who a worker's messages and exit go to: the run it is training now. */
export interface WorkerOwner {
  onMessage(message: WorkerToHost): void;
  onExit(exit: WorkerExit): void;
}

/**
 * A training process that may train several runs one after another (the trials of one sweep). Its messages and its
 * exit go to whichever run owns it now; between runs nobody does, and an exit then just drops it from its pool.
 */
export class PooledWorker {
  private owner: WorkerOwner | null = null;
  private exited = false;

  constructor(readonly handle: WorkerHandle, private readonly onIdleExit: (worker: PooledWorker) => void) {
    handle.onMessage((message) => this.owner?.onMessage(message));
    handle.onExit((exit) => {
      this.exited = true;
      const owner = this.owner;
      this.owner = null;
      if (owner) owner.onExit(exit);
      else this.onIdleExit(this);
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  own(owner: WorkerOwner): void {
    this.owner = owner;
  }

  disown(): void {
    this.owner = null;
  }
}

/**
 * Warm training processes kept between the trials of a sweep, so a trial does not pay a process start (Node, then
 * TensorFlow.js and its backend: about 0.6 s, as long as a small model's epoch). Workers are kept per key (a sweep
 * and a backend) and only while that sweep runs: `drain` ends them. A worker is given back only after a run it
 * ended cleanly with every tensor freed; a crashed, killed or leaking one is never reused.
 */
export class WorkerPool {
  private readonly idle = new Map<string, PooledWorker[]>();

  constructor(private readonly launcher: WorkerLauncher) {}

  /** An idle worker kept under `key`, or a new one. */
  acquire(key: string | null, entry: string): PooledWorker {
    const kept = key === null ? undefined : this.idle.get(key);
    while (kept && kept.length > 0) {
      const worker = kept.pop() as PooledWorker;
      if (worker.alive) return worker;
    }
    return new PooledWorker(this.launcher.launch(entry), (gone) => this.forget(gone));
  }

  /** Keeps a worker whose run ended cleanly for the next run under `key`. */
  release(key: string, worker: PooledWorker): void {
    worker.disown();
    if (!worker.alive) return;
    const kept = this.idle.get(key) ?? [];
    kept.push(worker);
    this.idle.set(key, kept);
  }

  /** Ends the idle workers kept under every key that starts with `prefix` (a sweep that ended). */
  drain(prefix: string): void {
    for (const [key, workers] of this.idle) {
      if (!key.startsWith(prefix)) continue;
      this.idle.delete(key);
      for (const worker of workers) worker.handle.kill();
    }
  }

  /** Ends every idle worker. */
  dispose(): void {
    this.drain('');
  }

  get idleCount(): number {
    let count = 0;
    for (const workers of this.idle.values()) count += workers.length;
    return count;
  }

  private forget(worker: PooledWorker): void {
    for (const [key, workers] of this.idle) {
      const at = workers.indexOf(worker);
      if (at < 0) continue;
      workers.splice(at, 1);
      if (workers.length === 0) this.idle.delete(key);
    }
  }
}
