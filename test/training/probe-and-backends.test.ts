/**
 * Backends, in this process: what a probe reports (played by a fake training process), what is said about each
 * backend without loading it, and what loading a backend here records (its device text) or refuses (saying why).
 */
import { describe, expect, it } from 'vitest';
import { backendStatuses } from '../../src-main/training/host/backend-status';
import { probeBackend, type ProbeResult } from '../../src-main/training/host/probe-backend';
import type { WorkerExit, WorkerHandle, WorkerLauncher } from '../../src-main/training/host/worker-launcher';
import { loadBackend } from '../../src-main/training/worker/backends';
import type { HostToWorker, WorkerToHost } from '../../src-main/training/worker-protocol';

/** A training process that answers a probe as `answer` says, once it is asked. */
class ProbeWorker implements WorkerHandle {
  readonly pid = 1;
  sent: HostToWorker[] = [];
  killed = false;
  private exitListener: ((exit: WorkerExit) => void) | null = null;
  private messageListener: ((message: WorkerToHost) => void) | null = null;
  constructor(private readonly answer: (worker: ProbeWorker) => void) {}
  send(message: HostToWorker): void {
    this.sent.push(message);
    this.answer(this);
  }
  onMessage(listener: (message: WorkerToHost) => void): void {
    this.messageListener = listener;
  }
  onExit(listener: (exit: WorkerExit) => void): void {
    this.exitListener = listener;
  }
  kill(): void {
    this.killed = true;
  }
  say(message: WorkerToHost): void {
    this.messageListener?.(message);
  }
  exit(exit: WorkerExit): void {
    this.exitListener?.(exit);
  }
}

function launcherOf(answer: (worker: ProbeWorker) => void): { launcher: WorkerLauncher; workers: ProbeWorker[]; entries: string[] } {
  const workers: ProbeWorker[] = [];
  const entries: string[] = [];
  return {
    workers,
    entries,
    launcher: {
      launch: (entry) => {
        entries.push(entry);
        const worker = new ProbeWorker(answer);
        workers.push(worker);
        return worker;
      },
    },
  };
}

const PROBED: ProbeResult = { backend: 'auto', chosen: 'wasm', ok: true, device: 'CPU (WebAssembly SIMD, 1 thread)', error: null, skipped: [{ backend: 'webgpu', reason: 'software' }], adapters: null };

describe('a probe in a throwaway training process', () => {
  it('asks the process to load the backend, reports what it found, and ends the process', async () => {
    const { launcher, workers, entries } = launcherOf((worker) => {
      worker.say({ type: 'progress', epoch: 1, epochs: 1, batch: 1, batches: 1, loss: 0, etaMs: null });
      worker.say({ type: 'probed', ...PROBED });
    });
    const result = await probeBackend('auto', launcher, { entry: '/built/worker.js', listAdapters: true });
    expect(result).toEqual(PROBED);
    expect(entries).toEqual(['/built/worker.js']);
    expect(workers[0]?.sent).toEqual([{ type: 'probe', backend: 'auto', listAdapters: true }]);
    expect(workers[0]?.killed).toBe(true);
  });

  it('does not list adapters unless asked', async () => {
    const { launcher, workers } = launcherOf((worker) => worker.say({ type: 'probed', ...PROBED }));
    await probeBackend('wasm', launcher, { entry: 'x' });
    expect(workers[0]?.sent).toEqual([{ type: 'probe', backend: 'wasm', listAdapters: false }]);
  });

  it('reports a process that ended before answering, with its signal or exit code', async () => {
    const signalled = launcherOf((worker) => worker.exit({ code: null, signal: 'SIGSEGV' }));
    expect(await probeBackend('tensorflow', signalled.launcher, { entry: 'x' })).toEqual({
      backend: 'tensorflow',
      chosen: null,
      ok: false,
      device: null,
      error: 'the probe process ended (SIGSEGV) while loading the backend',
      skipped: [],
      adapters: null,
    });
    const exited = launcherOf((worker) => worker.exit({ code: 3, signal: null }));
    expect((await probeBackend('cpu', exited.launcher, { entry: 'x' })).error).toBe('the probe process ended (code 3) while loading the backend');
  });

  it('gives up on a process that does not answer in time, ending it', async () => {
    const { launcher, workers } = launcherOf(() => undefined);
    const result = await probeBackend('webgpu', launcher, { entry: 'x', timeoutMs: 30 });
    expect(result).toMatchObject({ backend: 'webgpu', ok: false, error: 'did not load within 0.03 s' });
    expect(workers[0]?.killed).toBe(true);
  });

  it('keeps the first answer: a later exit or message changes nothing', async () => {
    const { launcher } = launcherOf((worker) => {
      worker.say({ type: 'probed', ...PROBED });
      worker.exit({ code: 1, signal: null });
      worker.say({ type: 'probed', ...PROBED, device: 'other' });
    });
    expect(await probeBackend('auto', launcher, { entry: 'x' })).toEqual(PROBED);
  });
});

describe('backends without loading them', () => {
  it('says which are installed, in the order auto tries them, and how to install the missing ones', () => {
    expect(backendStatuses(() => false)).toEqual([
      { name: 'tensorflow-cuda', installed: false, loads: null, reason: expect.stringContaining('npm install @tensorflow/tfjs-node-gpu@4.22.0') },
      { name: 'webgpu', installed: false, loads: null, reason: expect.stringContaining('package webgpu and @tensorflow/tfjs-backend-webgpu are not installed') },
      { name: 'tensorflow', installed: false, loads: null, reason: expect.stringContaining('npm install @tensorflow/tfjs-node@4.22.0') },
      { name: 'wasm', installed: true, loads: null, reason: null },
      { name: 'cpu', installed: true, loads: null, reason: null },
    ]);
    expect(backendStatuses(() => true).map((s) => [s.name, s.installed, s.reason])).toEqual([
      ['tensorflow-cuda', true, null],
      ['webgpu', true, null],
      ['tensorflow', true, null],
      ['wasm', true, null],
      ['cpu', true, null],
    ]);
    expect(backendStatuses((pkg) => pkg === '@tensorflow/tfjs-node').map((s) => s.installed)).toEqual([false, false, true, true, true]);
  });
});

describe('loading a backend in this process', () => {
  it('records the pure-JS cpu backend and the wasm backend with their device texts', async () => {
    const cpu = await loadBackend('cpu');
    expect(cpu).toMatchObject({ backend: 'cpu', device: 'CPU (JavaScript)', skipped: [] });
    expect(cpu.tf.getBackend()).toBe('cpu');
    expect(() => cpu.checkDevice()).not.toThrow();
    expect(cpu.explainFailure('out of memory')).toBe('out of memory');
    const wasm = await loadBackend('wasm');
    expect(wasm.tf.getBackend()).toBe('wasm');
    expect(wasm.device).toBe(`CPU (WebAssembly${wasm.tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ' SIMD' : ''}, 1 thread)`);
    expect(wasm.device).toMatch(/^CPU \(WebAssembly( SIMD)?, 1 thread\)$/);
  });

  it.each(['tensorflow', 'tensorflow-cuda'] as const)('refuses %s by name where its package is not installed, saying how to install it', async (backend) => {
    const pkg = backend === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
    await expect(loadBackend(backend)).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringMatching(new RegExp(`^No usable backend for "${backend}": ${backend}: package ${pkg.replace('/', '\\/')} is not installed`)),
    });
  });
});
