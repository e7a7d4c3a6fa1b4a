import { describe, expect, it, vi } from 'vitest';
import { HostChannel, type ChildProcessLike } from '../../src-main/training/worker/host-channel';
import type { WorkerToHost } from '../../src-main/training/worker-protocol';

/** A child process whose sends are written only when the test says so, as a busy IPC pipe does. */
function slowChild() {
  const writes: (() => void)[] = [];
  const sent: unknown[] = [];
  const exits: number[] = [];
  const child: ChildProcessLike = {
    connected: true,
    send: (message, _handle, _options, callback) => {
      sent.push(message);
      writes.push(() => callback(null));
      return false;
    },
    exit: (code) => void exits.push(code),
  };
  return { child, sent, exits, writeAll: () => writes.splice(0).forEach((write) => write()) };
}

const ended: WorkerToHost = { type: 'ended', status: 'finished', time: 1, error: null, outcome: null, reusable: false };
const artifact: WorkerToHost = { type: 'artifact', name: 'evaluation-test', data: { big: true } };

describe('the worker side of the channel to its host', () => {
  it("does not end the process while a message (the run's end) is still waiting to be written", async () => {
    vi.useFakeTimers();
    try {
      const { child, exits, writeAll } = slowChild();
      const channel = new HostChannel(child, undefined);
      channel.post(artifact);
      channel.post(ended);
      channel.exit(0);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(exits, 'exited with messages unwritten').toEqual([]);
      writeAll();
      await vi.advanceTimersByTimeAsync(1);
      expect(exits).toEqual([0]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends at once when everything is written, and after 10 s when the host never reads (it has gone)', async () => {
    vi.useFakeTimers();
    try {
      const written = slowChild();
      const channel = new HostChannel(written.child, undefined);
      channel.post(ended);
      written.writeAll();
      channel.exit(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(written.exits).toEqual([1]);

      const stuck = slowChild();
      const stuckChannel = new HostChannel(stuck.child, undefined);
      stuckChannel.post(ended);
      stuckChannel.exit(0);
      await vi.advanceTimersByTimeAsync(9_999);
      expect(stuck.exits).toEqual([]);
      await vi.advanceTimersByTimeAsync(2);
      expect(stuck.exits).toEqual([0]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("sends nothing once the host has disconnected, and posts through Electron's port when there is one", () => {
    const gone = slowChild();
    const disconnected = { ...gone.child, connected: false };
    new HostChannel(disconnected, undefined).post(ended);
    expect(gone.sent).toEqual([]);
    const port = { postMessage: vi.fn() };
    new HostChannel(gone.child, port).post(ended);
    expect(port.postMessage).toHaveBeenCalledWith(ended);
    expect(gone.sent).toEqual([]);
  });
});
