/**
 * `NodeWorkerLauncher` with a stand-in for `child_process.fork`: how a training process is started (its stdio, the
 * serialisation of messages, the variable that tells it it is a worker), where its output goes, and how the handle
 * behaves when the process is gone, never started, or its channel fails. The real processes are in
 * worker-launcher.test.ts.
 */
import type { ChildProcess, ForkOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeWorkerLauncher, type WorkerExit } from '../../src-main/training/host/worker-launcher';
import type { WorkerToHost } from '../../src-main/training/worker-protocol';

/** What a forked child offers the launcher, and what the test needs to play it. */
class FakeChild extends EventEmitter {
  pid: number | undefined = 4242;
  connected = true;
  exitCode: number | null = null;
  signalCode: string | null = null;
  stdout = new PassThrough();
  stderr = new PassThrough();
  sent: unknown[] = [];
  kills: string[] = [];
  /** The error the next send reports through its callback, or null. */
  sendError: Error | null = null;
  send(message: unknown, callback: (error: Error | null) => void): boolean {
    this.sent.push(message);
    callback(this.sendError);
    return true;
  }
  kill(signal: string): boolean {
    this.kills.push(signal);
    return true;
  }
}

interface Forked {
  path: string;
  args: string[];
  options: ForkOptions;
  child: FakeChild;
}

function launcherWith(onStderr?: (text: string) => void) {
  const forked: Forked[] = [];
  const launcher = new NodeWorkerLauncher(
    (path, args, options) => {
      const child = new FakeChild();
      forked.push({ path, args, options, child });
      return child as unknown as ChildProcess;
    },
    onStderr ? { onStderr } : {},
  );
  return { launcher, forked };
}

const errors: string[] = [];
const log = console.error;
afterEach(() => {
  console.error = log;
  errors.length = 0;
});
function captureErrors(): void {
  console.error = (...parts: unknown[]) => void errors.push(parts.map(String).join(' '));
}

describe('starting a training process', () => {
  it('forks the entry with an IPC channel, advanced serialisation and RUNBOARD_WORKER=1, its output piped', () => {
    const { launcher, forked } = launcherWith();
    const handle = launcher.launch('/built/training-worker.js');
    expect(handle.pid).toBe(4242);
    const [{ path, args, options }] = forked as [Forked];
    expect(path).toBe('/built/training-worker.js');
    expect(args).toEqual([]);
    expect(options.stdio).toEqual(['ignore', 'pipe', 'inherit', 'ipc']);
    expect(options.serialization).toBe('advanced');
    expect(options.env?.RUNBOARD_WORKER).toBe('1');
    expect(options.env?.PATH).toBe(process.env.PATH);
  });

  it('hands the process’s stderr to onStderr as text when asked, instead of the terminal', async () => {
    const received: string[] = [];
    const { launcher, forked } = launcherWith((text) => received.push(text));
    launcher.launch('w.js');
    const { child, options } = forked[0] as Forked;
    expect(options.stdio).toEqual(['ignore', 'pipe', 'pipe', 'ipc']);
    child.stderr.write(Buffer.from('Dawn: no adapter\n'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual(['Dawn: no adapter\n']);
  });

  it('passes the process’s messages to every listener', () => {
    const { launcher, forked } = launcherWith();
    const handle = launcher.launch('w.js');
    const got: WorkerToHost[] = [];
    handle.onMessage((message) => got.push(message));
    const message: WorkerToHost = { type: 'metrics', step: 1, time: 2, metrics: { a: 1 } };
    forked[0]?.child.emit('message', message);
    expect(got).toEqual([message]);
  });
});

describe('its end', () => {
  it('is reported once, with code and signal, also to a listener added later', () => {
    const { launcher, forked } = launcherWith();
    const handle = launcher.launch('w.js');
    const exits: WorkerExit[] = [];
    handle.onExit((exit) => exits.push(exit));
    const child = (forked[0] as Forked).child;
    child.emit('exit', null, 'SIGKILL');
    child.emit('exit', 1, null);
    expect(exits).toEqual([{ code: null, signal: 'SIGKILL' }]);
    handle.onExit((exit) => exits.push(exit));
    expect(exits).toEqual([
      { code: null, signal: 'SIGKILL' },
      { code: null, signal: 'SIGKILL' },
    ]);
  });

  it('of a process that never started is reported with the reason, as its exit', () => {
    const { launcher, forked } = launcherWith();
    const handle = launcher.launch('w.js');
    const exits: WorkerExit[] = [];
    handle.onExit((exit) => exits.push(exit));
    const child = (forked[0] as Forked).child;
    child.pid = undefined;
    child.emit('error', new Error('spawn node ENOENT'));
    expect(exits).toEqual([{ code: null, signal: null, error: 'spawn node ENOENT' }]);
  });

  it('is not what an error of a running process means: that is logged, and the process goes on', () => {
    captureErrors();
    const { launcher, forked } = launcherWith();
    const handle = launcher.launch('w.js');
    const exits: WorkerExit[] = [];
    handle.onExit((exit) => exits.push(exit));
    forked[0]?.child.emit('error', new Error('channel trouble'));
    expect(exits).toEqual([]);
    expect(errors).toEqual(['runboard: training process 4242: channel trouble']);
  });
});

describe('sending and killing', () => {
  it('sends while connected; drops a message once the channel is closed', () => {
    const { launcher, forked } = launcherWith();
    const handle = launcher.launch('w.js');
    const child = (forked[0] as Forked).child;
    handle.send({ type: 'stop', runId: 1 });
    child.connected = false;
    handle.send({ type: 'stop', runId: 2 });
    expect(child.sent).toEqual([{ type: 'stop', runId: 1 }]);
  });

  it('stays silent when a write meets a channel closed at the other end, and logs any other failure', () => {
    captureErrors();
    const { launcher, forked } = launcherWith();
    const handle = launcher.launch('w.js');
    const child = (forked[0] as Forked).child;
    for (const code of ['EPIPE', 'ECONNRESET', 'ERR_IPC_CHANNEL_CLOSED']) {
      child.sendError = Object.assign(new Error(code), { code });
      handle.send({ type: 'stop', runId: 1 });
    }
    expect(errors).toEqual([]);
    child.sendError = Object.assign(new Error('message too large'), { code: 'ERR_OTHER' });
    handle.send({ type: 'stop', runId: 1 });
    child.sendError = null;
    handle.send({ type: 'stop', runId: 1 });
    expect(errors).toEqual(['runboard: could not send to training process 4242: message too large']);
  });

  it('kills a running process with SIGKILL, and leaves one that has ended or never started alone', () => {
    const { launcher, forked } = launcherWith();
    const running = launcher.launch('a.js');
    running.kill();
    expect(forked[0]?.child.kills).toEqual(['SIGKILL']);

    const exited = launcher.launch('b.js');
    (forked[1] as Forked).child.exitCode = 0;
    exited.kill();
    const signalled = launcher.launch('c.js');
    (forked[2] as Forked).child.signalCode = 'SIGTERM';
    signalled.kill();
    const never = launcher.launch('d.js');
    (forked[3] as Forked).child.pid = undefined;
    never.kill();
    expect(forked.slice(1).map((f) => f.child.kills)).toEqual([[], [], []]);
  });
});
