import type { WorkerExit, WorkerHandle } from '../../src-main/training/host/worker-launcher';
import type { HostToWorker, WorkerToHost } from '../../src-main/training/worker-protocol';

/** The training process, played by the test: records what it is sent; says what the test makes it say. */
export class FakeWorker implements WorkerHandle {
  readonly pid = 1;
  sent: HostToWorker[] = [];
  killed = false;
  private exitListeners: ((exit: WorkerExit) => void)[] = [];
  private messageListeners: ((message: WorkerToHost) => void)[] = [];
  send(message: HostToWorker): void {
    this.sent.push(message);
  }
  onMessage(listener: (message: WorkerToHost) => void): void {
    this.messageListeners.push(listener);
  }
  onExit(listener: (exit: WorkerExit) => void): void {
    this.exitListeners.push(listener);
  }
  kill(): void {
    this.killed = true;
    this.exit({ code: null, signal: 'SIGKILL' });
  }
  exit(exit: WorkerExit): void {
    for (const listener of this.exitListeners) listener(exit);
  }
  say(message: WorkerToHost): void {
    for (const listener of this.messageListeners) listener(message);
  }
}

