import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../src-main/training/backends';
import type { Tf } from '../../src-main/training/model';
import { registerWasmConvKernels } from '../../src-main/training/wasm-conv-kernels';

let tf: Tf;

beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
  registerWasmConvKernels(tf);
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
  ] as const)('match the cpu backend to 1e-5 (stride %i, %s padding, %i×%i input, %i×%i kernel)', async (stride, pad, size, kernel) => {
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
