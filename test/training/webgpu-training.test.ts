/**
 * Whole runs on the webgpu backend (a training process of its own, on SwiftShader): they finish, record the adapter,
 * and reach the losses the `cpu` backend reaches from the same seed, epoch by epoch, within float32 tolerance.
 */
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src-main/core';
import { fromMetricValue } from '../../src-shared/entities/run';
import { trainConfigSchema, type TrainConfigInput } from '../../src-shared/entities/train-config';
import { requireBuiltWorker, useCore } from '../helpers/core';
import { useSwiftShader, webgpuRuns, webgpuSuiteTitle } from '../helpers/webgpu';

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
});
