import type { WorkerToHost } from '../worker-protocol';

/** What the channel needs of a Node child process (the real `process`, or a test's stand-in). */
export interface ChildProcessLike {
  send?: (message: unknown, sendHandle: undefined, options: object, callback: (error: Error | null) => void) => boolean;
  readonly connected?: boolean;
  exit(code: number): never | void;
}

/** Electron's utility process port: `postMessage` hands the message over at once. */
export interface ParentPortLike {
  postMessage(message: unknown): void;
}

/** How long an ending worker waits for its last messages to be written before it exits anyway (the host may be gone). */
const FLUSH_LIMIT_MS = 10_000;

/**
 * The training process's side of its channel to the host. A Node child's `process.send` only queues a message, and a
 * process that exits before the queue is written loses it: a run whose last messages (a large evaluation, then
 * `ended`) were still queued ended `failed` though it had finished. So `exit` waits until every message sent has been
 * written (or the channel is gone), then ends the process.
 */
export class HostChannel {
  private pending = 0;
  private flushed: (() => void) | null = null;

  constructor(
    private readonly child: ChildProcessLike,
    private readonly port: ParentPortLike | undefined,
  ) {}

  post(message: WorkerToHost): void {
    if (this.port) {
      this.port.postMessage(message);
      return;
    }
    if (!this.child.send || !this.child.connected) return;
    this.pending++;
    // A write that fails (the host has gone) is settled all the same: there is nobody left to tell.
    this.child.send(message, undefined, {}, () => {
      this.pending--;
      if (this.pending === 0) this.flushed?.();
    });
  }

  /** Ends the process once every message posted so far has been written to the channel (at most FLUSH_LIMIT_MS). */
  exit(code: number): void {
    const end = () => this.child.exit(code);
    if (this.port) {
      // Electron's port gives no word of delivery: leave its queue a moment, as before.
      setTimeout(end, 20);
      return;
    }
    if (this.pending === 0) {
      setImmediate(end);
      return;
    }
    const limit = setTimeout(end, FLUSH_LIMIT_MS);
    this.flushed = () => {
      clearTimeout(limit);
      setImmediate(end);
    };
  }
}
