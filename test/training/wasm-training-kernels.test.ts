import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../src-main/training/worker/backends';
import type { Tf } from '../../src-main/training/worker/model';
import { registerWasmTrainingKernels } from '../../src-main/training/worker/wasm-training-kernels';

let tf: Tf;

beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
  registerWasmTrainingKernels(tf);
});

/** Deterministic values in [-1, 1] that are not symmetric, so a flipped or shifted kernel cannot match by chance. */
function values(n: number, salt: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + salt * 78.233) * Math.cos(i * 0.37 + salt));
}

/** Gradients of sum(conv2d(x, w)^2) with respect to x and w, on one backend. */
async function gradients(backend: string, xShape: [number, number, number, number], wShape: [number, number, number, number], stride: number, pad: 'valid' | 'same'): Promise<[Float32Array, Float32Array]> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(values(xShape.reduce((a, b) => a * b), 1), xShape);
  const w = tf.tensor4d(values(wShape.reduce((a, b) => a * b), 2), wShape);
  const [dx, dw] = tf.grads((a: Tensor, b: Tensor) => tf.square(tf.conv2d(a as Tensor4D, b as Tensor4D, stride, pad)).sum())([x, w]) as [Tensor, Tensor];
  const result: [Float32Array, Float32Array] = [(await dx.data()) as Float32Array, (await dw.data()) as Float32Array];
  tf.dispose([x, w, dx, dw]);
  return result;
}

/** Largest difference relative to the largest magnitude of the reference. */
function relativeError(reference: Float32Array, actual: Float32Array): number {
  let difference = 0;
  let scale = 0;
  reference.forEach((r, i) => {
    difference = Math.max(difference, Math.abs(r - (actual[i] as number)));
    scale = Math.max(scale, Math.abs(r));
  });
  return difference / scale;
}

describe('convolution gradients on the wasm backend', () => {
  it.each([
    [1, 'valid', 9, 3],
    [1, 'same', 9, 3],
    [2, 'valid', 9, 3],
    [2, 'same', 9, 3],
    [2, 'same', 8, 3],
    [2, 'valid', 10, 3],
    [3, 'valid', 10, 3],
    [1, 'same', 8, 4],
    [2, 'same', 11, 5],
    [1, 'valid', 5, 5],
  ] as const)('match the cpu backend to 1e-5 (stride $0, $1 padding, input side $2, kernel side $3)', async (stride, pad, size, kernel) => {
    const xShape: [number, number, number, number] = [2, size, size, 3];
    const wShape: [number, number, number, number] = [kernel, kernel, 3, 4];
    const [cpuDx, cpuDw] = await gradients('cpu', xShape, wShape, stride, pad);
    const [wasmDx, wasmDw] = await gradients('wasm', xShape, wShape, stride, pad);
    expect(wasmDx).toHaveLength(cpuDx.length);
    expect(wasmDw).toHaveLength(cpuDw.length);
    expect(relativeError(cpuDx, wasmDx)).toBeLessThan(1e-5);
    expect(relativeError(cpuDw, wasmDw)).toBeLessThan(1e-5);
  });

  it('leave no tensor and no byte behind, call after call', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values(2 * 9 * 9 * 3, 3), [2, 9, 9, 3]);
    const w = tf.tensor4d(values(3 * 3 * 3 * 4, 4), [3, 3, 3, 4]);
    const step = () => {
      const [dx, dw] = tf.grads((a: Tensor, b: Tensor) => tf.conv2d(a as Tensor4D, b as Tensor4D, 2, 'same').sum())([x, w]) as [Tensor, Tensor];
      tf.dispose([dx, dw]);
    };
    step();
    const before = tf.memory();
    for (let i = 0; i < 5; i++) step();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    tf.dispose([x, w]);
  });
});

/** Gradient of sum(maxPool(x)^2) with respect to x, on one backend. */
async function poolGradient(backend: string, shape: [number, number, number, number], size: number, stride: number, pad: 'valid' | 'same'): Promise<Float32Array> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(values(shape.reduce((a, b) => a * b), 5), shape);
  const dx = tf.grad((a: Tensor) => tf.square(tf.maxPool(a as Tensor4D, size, stride, pad)).sum())(x);
  const result = (await dx.data()) as Float32Array;
  tf.dispose([x, dx]);
  return result;
}

describe('max pooling gradient on the wasm backend', () => {
  it.each([
    [2, 2, 'valid', 8],
    [2, 2, 'valid', 9],
    [3, 2, 'valid', 9],
    [3, 1, 'valid', 7],
    [2, 2, 'same', 7],
    [3, 2, 'same', 8],
  ] as const)('matches the cpu backend exactly (window $0, stride $1, $2 padding, input side $3)', async (size, stride, pad, side) => {
    const shape: [number, number, number, number] = [2, side, side, 3];
    const cpu = await poolGradient('cpu', shape, size, stride, pad);
    const wasm = await poolGradient('wasm', shape, size, stride, pad);
    expect(relativeError(cpu, wasm)).toBeLessThan(1e-6);
  });
});

/** Gradients of a batch normalisation with batch statistics, through tf.batchNorm or written out op by op. */
async function batchNormGradients(backend: string, fused: boolean): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(values(4 * 5 * 5 * 3, 6), [4, 5, 5, 3]);
  const gamma = tf.tensor1d([0.5, 1.5, -2]);
  const beta = tf.tensor1d([0.1, -0.2, 0.3]);
  const weights = tf.tensor4d(values(4 * 5 * 5 * 3, 7), [4, 5, 5, 3]);
  const f = (a: Tensor, g: Tensor, b: Tensor) => {
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    const normalised = fused ? tf.batchNorm(a, mean, variance, b, g, 1e-3) : tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-3))), g), b);
    return tf.sum(tf.mul(normalised, weights));
  };
  const grads = tf.grads(f as (...args: Tensor[]) => Tensor)([x, gamma, beta]);
  const result = await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array));
  tf.dispose([x, gamma, beta, weights, ...grads]);
  return result;
}

describe('batch normalisation gradient', () => {
  it('is the gradient of the normalisation written out op by op (input, scale and offset), on cpu and wasm', async () => {
    for (const backend of ['cpu', 'wasm']) {
      const reference = await batchNormGradients('cpu', false);
      const fused = await batchNormGradients(backend, true);
      reference.forEach((expected, i) => expect(relativeError(expected, fused[i] as Float32Array)).toBeLessThan(1e-5));
    }
  });
});
