/**
 * Every layer kind of a layer list trains on the webgpu backend as on the reference `cpu` backend: the same forward
 * pass and the same weights after one optimiser step, within float32 tolerance, with no tensor left behind. Dawn runs
 * in this test process on SwiftShader (a software Vulkan driver: correctness here, not speed). Also: `auto` does not
 * take SwiftShader, and the device is released and reopened cleanly.
 */
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseInit } from '../../src-shared/entities/specs';
import { planFor } from '../../src-shared/model/resolve';
import type { SampleShape } from '../../src-shared/model/shapes';
import { loadBackend } from '../../src-main/training/worker/backends';
import { buildModel, inputShapeOf, logitsOf, trainableVariables, type Tf } from '../../src-main/training/worker/model';
import { buildOptimizer, disposeOptimizer } from '../../src-main/training/worker/optimizers';
import { seedMathRandom } from '../../src-main/training/worker/run-training';
import { releaseWebGpu, webGpuDeviceOpen } from '../../src-main/training/worker/webgpu-backend';
import { useSwiftShader, webgpuRuns, webgpuSuiteTitle } from '../helpers/webgpu';

const IMAGE: SampleShape = { kind: 'image', channels: 2, height: 8, width: 8 };
const TABLE: SampleShape = { kind: 'flat', size: 6 };
const CLASSES = 3;
const BATCH = 4;

/** Deterministic values in [-1, 1], not symmetric, so a transposed or shifted result cannot match by chance. */
function values(n: number, salt: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + salt * 78.233) * Math.cos(i * 0.37 + salt));
}

/** Largest difference relative to the largest magnitude of the reference (or absolute below 1). */
function relativeError(reference: Float32Array, actual: Float32Array): number {
  let difference = 0;
  let scale = 1e-3;
  reference.forEach((r, i) => {
    difference = Math.max(difference, Math.abs(r - (actual[i] as number)));
    scale = Math.max(scale, Math.abs(r));
  });
  return difference / Math.max(1, scale);
}

interface Outcome {
  logits: Float32Array;
  /** Every weight after one step (non-trainable ones too: a batch normalisation's running statistics). */
  weights: Float32Array[];
}

/**
 * Builds the layer list on `backend`, starting from `initial` weights (or seeded fresh ones), runs a forward pass in
 * evaluation mode and one SGD step (training mode unless `evalStep`), and reads everything back.
 */
async function forwardAndStep(tf: Tf, backend: string, layers: string, input: SampleShape, initial: Float32Array[] | null, evalStep: boolean): Promise<{ outcome: Outcome; initial: Float32Array[] }> {
  await tf.setBackend(backend);
  seedMathRandom(1);
  const plan = planFor({ layers, hidden: [], activation: 'relu', dropout: [] }, input, CLASSES);
  if (!plan.ok) throw new Error(plan.message);
  const init = parseInit('glorot-uniform');
  const biasInit = parseInit('uniform:-0.1,0.1');
  if (!init.ok || !biasInit.ok) throw new Error('initialisers');
  const model = buildModel(tf, { input, plan: plan.value, init: init.value, biasInit: biasInit.value });
  const setup = buildOptimizer(tf, 'sgd', { lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0 });
  try {
    if (initial) {
      const given = model.getWeights().map((w, i) => tf.tensor(initial[i] as Float32Array, w.shape));
      model.setWeights(given);
      tf.dispose(given);
    }
    const start: Float32Array[] = [];
    for (const w of model.getWeights()) start.push((await w.data()) as Float32Array);
    const shape = inputShapeOf(input);
    const size = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(values(BATCH * size, 3), [BATCH, ...shape]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), CLASSES));
    const logits = tf.tidy(() => logitsOf(model, x, false));
    const logitValues = (await logits.data()) as Float32Array;
    const loss = setup.optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, logitsOf(model, x, !evalStep)) as Scalar, true, trainableVariables(model));
    await loss?.data();
    const weights: Float32Array[] = [];
    for (const w of model.getWeights()) weights.push((await w.data()) as Float32Array);
    tf.dispose([x, y, logits, loss as Tensor]);
    return { outcome: { logits: logitValues, weights }, initial: start };
  } finally {
    disposeOptimizer(setup.optimizer);
    model.dispose();
  }
}

const CASES: { name: string; layers: string; input: SampleShape; evalStep?: boolean }[] = [
  { name: 'conv2d, valid padding', layers: 'conv2d(3,3)', input: IMAGE },
  { name: 'conv2d, same padding', layers: 'conv2d(3,3,padding=same)', input: IMAGE },
  { name: 'conv2d, stride 2', layers: 'conv2d(3,3,stride=2)', input: IMAGE },
  { name: 'conv2d, stride 2, same padding', layers: 'conv2d(3,3,stride=2,padding=same)', input: IMAGE },
  { name: 'maxpool2d', layers: 'conv2d(3,3,padding=same),maxpool2d(2)', input: IMAGE },
  { name: 'avgpool2d', layers: 'conv2d(3,3,padding=same),avgpool2d(2)', input: IMAGE },
  { name: 'global_avg_pool', layers: 'conv2d(3,3,padding=same),global_avg_pool', input: IMAGE },
  { name: 'batchnorm after a convolution', layers: 'conv2d(3,3,padding=same),batchnorm', input: IMAGE },
  { name: 'batchnorm after a linear layer', layers: 'linear(5),batchnorm', input: TABLE },
  { name: 'flatten', layers: 'flatten,linear(5)', input: IMAGE },
  { name: 'linear', layers: 'linear(5)', input: TABLE },
  { name: 'dropout (evaluation mode)', layers: 'linear(5),dropout(0.5)', input: TABLE, evalStep: true },
  { name: 'relu (fused into the linear layer)', layers: 'linear(5),relu', input: TABLE },
  { name: 'relu after a convolution (fused)', layers: 'conv2d(3,3),relu', input: IMAGE },
  { name: 'relu on its own', layers: 'linear(5),batchnorm,relu', input: TABLE },
  { name: 'tanh', layers: 'linear(5),tanh', input: TABLE },
  { name: 'sigmoid', layers: 'linear(5),sigmoid', input: TABLE },
  { name: 'elu', layers: 'linear(5),elu', input: TABLE },
  { name: 'selu', layers: 'linear(5),selu', input: TABLE },
  { name: 'gelu', layers: 'linear(5),gelu', input: TABLE },
  { name: 'leaky_relu', layers: 'linear(5),leaky_relu(0.2)', input: TABLE },
];

describe.skipIf(!webgpuRuns)(webgpuSuiteTitle('layers on the webgpu backend'), () => {
  useSwiftShader();
  let tf: Tf;

  it('loads on SwiftShader by name, recording it as a software adapter, and auto passes it over', async () => {
    const auto = await loadBackend('auto');
    expect(auto.backend).not.toBe('webgpu');
    expect(auto.skipped.find((s) => s.backend === 'webgpu')?.reason).toMatch(/only a software adapter was found \(SwiftShader/);
    expect(webGpuDeviceOpen()).toBe(false);
    const named = await loadBackend('webgpu');
    tf = named.tf;
    expect(named.backend).toBe('webgpu');
    expect(named.device).toMatch(/^GPU \(WebGPU, software adapter on the CPU\): SwiftShader driver [\d.]+ \[vendor google, architecture swiftshader\]$/);
    expect(webGpuDeviceOpen()).toBe(true);
  });

  it.each(CASES)('$name: the same forward pass and the same weights after one SGD step as the cpu backend, leaving no tensor behind', async ({ layers, input, evalStep }) => {
    const reference = await forwardAndStep(tf, 'cpu', layers, input, null, evalStep ?? false);
    await tf.setBackend('webgpu');
    const baseline = tf.memory().numTensors;
    const gpu = await forwardAndStep(tf, 'webgpu', layers, input, reference.initial, evalStep ?? false);
    expect(tf.memory().numTensors).toBe(baseline);
    expect(gpu.outcome.logits).toHaveLength(BATCH * CLASSES);
    expect(relativeError(reference.outcome.logits, gpu.outcome.logits)).toBeLessThan(1e-4);
    expect(gpu.outcome.weights.map((w) => w.length)).toEqual(reference.outcome.weights.map((w) => w.length));
    reference.outcome.weights.forEach((w, i) => {
      // The step moved the weights (a layer whose gradient did not flow would keep them, and still "agree").
      if (i === 0 && !layers.startsWith('flatten')) expect(relativeError(reference.initial[0] as Float32Array, w)).toBeGreaterThan(1e-4);
      expect(relativeError(w, gpu.outcome.weights[i] as Float32Array), `weight ${i}`).toBeLessThan(1e-4);
    });
  });

  it('releases the device, and opens a new one when asked again', async () => {
    await loadBackend('webgpu');
    expect(webGpuDeviceOpen()).toBe(true);
    releaseWebGpu(tf);
    expect(webGpuDeviceOpen()).toBe(false);
    expect(tf.findBackend('webgpu')).toBeNull();
    const again = await loadBackend('webgpu');
    expect(again.backend).toBe('webgpu');
    const t = again.tf.tidy(() => again.tf.square(again.tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]).matMul(again.tf.ones([4, 2]))));
    expect(Array.from(await t.data())).toEqual([100, 100, 676, 676]);
    again.tf.dispose(t);
    releaseWebGpu(again.tf);
    expect(webGpuDeviceOpen()).toBe(false);
  });
});
