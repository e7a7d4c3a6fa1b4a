/**
 * Whole runs on the webgpu backend (a training process of its own, on SwiftShader): they finish, record the adapter,
 * and reach the losses the `cpu` backend reaches from the same seed, epoch by epoch, within float32 tolerance.
 */
import { fork } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src-main/core';
import { DatasetCatalogue } from '../../src-main/datasets';
import { workerEntry } from '../../src-main/paths';
import type { TrainJob } from '../../src-main/training/worker-protocol';
import type { WorkerToHost } from '../../src-main/training/worker-protocol';
import { fromMetricValue } from '../../src-shared/entities/run';
import { trainConfigSchema, type TrainConfigInput } from '../../src-shared/entities/train-config';
import { requireBuiltWorker, useCore } from '../helpers/core';
import { swiftShaderEnv, useSwiftShader, webgpuRuns, webgpuSuiteTitle } from '../helpers/webgpu';

requireBuiltWorker();
const newCore = useCore();
const KEYS = ['train_loss', 'val_loss', 'train_accuracy', 'val_accuracy'];

/** Trains one run to its end; its status, device, error and each metric's value per epoch. */
async function trained(core: Core, input: TrainConfigInput) {
  const started = await core.trainer.start(trainConfigSchema.parse(input));
  const status = await core.trainer.wait(started.run_id);
  const run = await core.store.getRun(started.run_id);
  const series = await core.store.getMetrics([started.run_id], KEYS, null);
  const perEpoch = Object.fromEntries(series.map((s) => [s.key, s.points.map((p) => fromMetricValue(p.value))]));
  return { status, device: run?.device ?? null, error: run?.error ?? null, perEpoch };
}

function expectClose(reference: number[] | undefined, actual: number[] | undefined, tolerance: number, what: string): void {
  expect(actual?.length, what).toBe(reference?.length);
  reference?.forEach((r, i) => expect(Math.abs(r - (actual?.[i] as number)), `${what}, epoch ${i + 1}: cpu ${r}, webgpu ${actual?.[i]}`).toBeLessThan(tolerance * Math.max(1, Math.abs(r))));
}

describe.skipIf(!webgpuRuns)(webgpuSuiteTitle('training runs on the webgpu backend'), () => {
  useSwiftShader();

  it('trains the digits MLP (dropout 0) to the losses the cpu backend reaches from the same seed, and records the adapter', async () => {
    const { core } = await newCore();
    const setup: TrainConfigInput = { dataset: 'digits', hidden: [32], dropout: 0, epochs: 2, batch_size: 64, lr: 0.05, seed: 11 };
    const cpu = await trained(core, { ...setup, backend: 'cpu' });
    const gpu = await trained(core, { ...setup, backend: 'webgpu' });
    expect(cpu.status, cpu.error ?? '').toBe('finished');
    expect(gpu.status, gpu.error ?? '').toBe('finished');
    expect(gpu.device).toMatch(/^GPU \(WebGPU, software adapter on the CPU\): SwiftShader driver [\d.]+ \[vendor google, architecture swiftshader\]$/);
    expectClose(cpu.perEpoch.train_loss, gpu.perEpoch.train_loss, 1e-3, 'train_loss');
    expectClose(cpu.perEpoch.val_loss, gpu.perEpoch.val_loss, 1e-3, 'val_loss');
    expect(gpu.perEpoch.val_accuracy).toEqual(cpu.perEpoch.val_accuracy);
  });

  it('trains a convolutional network (convolution, pooling, batch normalisation) to the losses the cpu backend reaches', async () => {
    const { core } = await newCore();
    const setup: TrainConfigInput = { dataset: 'digits:n=400', layers: 'conv2d(4,3,padding=same),batchnorm,relu,maxpool2d(2),flatten,linear(16),relu', epochs: 1, batch_size: 32, lr: 0.05, seed: 5 };
    const cpu = await trained(core, { ...setup, backend: 'cpu' });
    const gpu = await trained(core, { ...setup, backend: 'webgpu' });
    expect(cpu.status, cpu.error ?? '').toBe('finished');
    expect(gpu.status, gpu.error ?? '').toBe('finished');
    expectClose(cpu.perEpoch.train_loss, gpu.perEpoch.train_loss, 1e-3, 'train_loss');
    expectClose(cpu.perEpoch.val_loss, gpu.perEpoch.val_loss, 1e-3, 'val_loss');
  });

  it('keeps a warm worker for the next run (a sweep trial) only with every tensor freed, on the same device, and ends it cleanly', async () => {
    const catalogue = new DatasetCatalogue({ userDir: null });
    const job = (seed: number): TrainJob => ({
      config: { ...trainConfigSchema.parse({ dataset: 'iris', hidden: [8], epochs: 2, batch_size: 32, lr: 0.05, backend: 'webgpu' }), seed },
      dataset: catalogue.source('iris'),
      checkpointDir: null,
      initialWeights: null,
      frozenLayers: [],
    });
    const child = fork(workerEntry(), [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'advanced', env: { ...swiftShaderEnv(), RUNBOARD_WORKER: '1' } });
    const said: WorkerToHost[] = [];
    let wake: () => void = () => {};
    child.on('message', (message) => {
      said.push(message as WorkerToHost);
      wake();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const ended = async (count: number) => {
      while (said.filter((m) => m.type === 'ended').length < count) await new Promise<void>((resolve) => (wake = resolve));
      return said.filter((m): m is Extract<WorkerToHost, { type: 'ended' }> => m.type === 'ended')[count - 1];
    };
    try {
      child.send({ type: 'start', runId: 1, job: job(1), reuse: true });
      expect(await ended(1)).toMatchObject({ status: 'finished', reusable: true });
      child.send({ type: 'start', runId: 2, job: job(2), reuse: false });
      expect(await ended(2)).toMatchObject({ status: 'finished', reusable: false });
      const devices = said.flatMap((m) => (m.type === 'started' ? [m.device] : []));
      expect(devices).toHaveLength(2);
      expect(devices[1]).toBe(devices[0]);
      // The second run was not to be reused: the worker releases Dawn's device and exits by itself.
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
