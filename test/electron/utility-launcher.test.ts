import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ForkOptions, UtilityProcess } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { UtilityWorkerLauncher } from '../../src-main/electron/utility-launcher';
import type { WorkerExit } from '../../src-main/training/host/worker-launcher';

/** A stand-in for Electron's UtilityProcess: an emitter with pid, streams, postMessage and kill. */
class FakeUtilityProcess extends EventEmitter {
  pid: number | undefined = undefined;
  stdout = new PassThrough();
  stderr = new PassThrough();
  posted: unknown[] = [];
  killed = 0;
  postMessage(message: unknown): void {
    this.posted.push(structuredClone(message));
  }
  kill(): boolean {
    this.killed++;
    return true;
  }
  spawn(pid: number): void {
    this.pid = pid;
    this.emit('spawn');
  }
}

function setup() {
  const child = new FakeUtilityProcess();
  const calls: Array<{ entry: string; args: string[]; options: ForkOptions }> = [];
  const killProcess = vi.fn();
  const launcher = new UtilityWorkerLauncher((entry, args, options) => {
    calls.push({ entry, args, options });
    return child as unknown as UtilityProcess;
  }, killProcess);
  return { child, calls, killProcess, launcher };
}

describe('UtilityWorkerLauncher', () => {
  it('forks the entry as a named utility process with piped output and RUNBOARD_WORKER=1', () => {
    const { calls, launcher } = setup();
    launcher.launch('/app/out/main/training-worker.js');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.entry).toBe('/app/out/main/training-worker.js');
    expect(calls[0]!.args).toEqual([]);
    expect(calls[0]!.options).toMatchObject({ serviceName: 'Runboard training', stdio: 'pipe' });
    expect((calls[0]!.options.env as Record<string, string | undefined> | undefined)?.RUNBOARD_WORKER).toBe('1');
  });

  it('posts host messages (structured clone keeps NaN) and hands worker messages to listeners', () => {
    const { child, launcher } = setup();
    const handle = launcher.launch('w.js');
    handle.send({ type: 'stop', runId: 1 });
    expect(child.posted).toEqual([{ type: 'stop', runId: 1 }]);
    const received: unknown[] = [];
    handle.onMessage((message) => received.push(message));
    child.emit('message', { type: 'epoch', epoch: 1, time: 1, metrics: { loss: Number.NaN } });
    expect(received).toEqual([{ type: 'epoch', epoch: 1, time: 1, metrics: { loss: Number.NaN } }]);
  });

  it('reports the pid once spawned', () => {
    const { child, launcher } = setup();
    const handle = launcher.launch('w.js');
    expect(handle.pid).toBeUndefined();
    child.spawn(4242);
    expect(handle.pid).toBe(4242);
  });

  it('reports the exit code once, also to listeners added after the exit, and stops sending', () => {
    const { child, launcher } = setup();
    const handle = launcher.launch('w.js');
    const exits: WorkerExit[] = [];
    handle.onExit((exit) => exits.push(exit));
    child.emit('exit', 0);
    child.emit('exit', 0); // Electron 32+ may emit exit twice when the script fails to load
    handle.onExit((exit) => exits.push(exit));
    expect(exits).toEqual([{ code: 0, signal: null }, { code: 0, signal: null }]);
    handle.send({ type: 'stop', runId: 1 });
    expect(child.posted).toEqual([]);
  });

  it('kill() sends SIGKILL to the pid and the exit is reported as killed', () => {
    const { child, killProcess, launcher } = setup();
    const handle = launcher.launch('w.js');
    child.spawn(777);
    const exits: WorkerExit[] = [];
    handle.onExit((exit) => exits.push(exit));
    handle.kill();
    handle.kill();
    expect(killProcess).toHaveBeenCalledTimes(1);
    expect(killProcess).toHaveBeenCalledWith(777, 'SIGKILL');
    child.emit('exit', 9);
    expect(exits).toEqual([{ code: null, signal: 'SIGKILL' }]);
    handle.kill();
    expect(killProcess).toHaveBeenCalledTimes(1);
  });

  it('kill() before the process has spawned kills it as soon as it does', () => {
    const { child, killProcess, launcher } = setup();
    const handle = launcher.launch('w.js');
    handle.kill();
    expect(killProcess).not.toHaveBeenCalled();
    child.spawn(99);
    expect(killProcess).toHaveBeenCalledWith(99, 'SIGKILL');
  });

  it('falls back to utilityProcess.kill() where a signal cannot be sent', () => {
    const { child, killProcess, launcher } = setup();
    killProcess.mockImplementation(() => {
      throw new Error('ESRCH');
    });
    const handle = launcher.launch('w.js');
    child.spawn(5);
    handle.kill();
    expect(child.killed).toBe(1);
  });

  it('drains both output streams to stderr, so a chatty worker never blocks', () => {
    const { child, launcher } = setup();
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    launcher.launch('w.js');
    child.stdout.write('hello from stdout\n');
    child.stderr.write('hello from stderr\n');
    const written = write.mock.calls.map((call) => String(call[0]));
    write.mockRestore();
    expect(written.join('')).toContain('hello from stdout');
    expect(written.join('')).toContain('hello from stderr');
  });
});
