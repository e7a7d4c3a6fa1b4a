/**
 * What the worker builds from a run's configuration, in this process on the cpu backend: the layers of a model (each
 * with the settings its spec names), which layers count as having weights, freezing, the forward pass in training
 * and evaluation mode, the initialisers and the optimisers.
 */
import type { Tensor, Variable } from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadBackend } from '../../src-main/training/worker/backends';
import { initializerFor } from '../../src-main/training/worker/initializers';
import { buildModel, convLayers, freezeLayers, inputShapeOf, logitsOf, trainableVariables, weightLayers, type Tf } from '../../src-main/training/worker/model';
import { buildOptimizer, disposeOptimizer, setLearningRate } from '../../src-main/training/worker/optimizers';
import { seedMathRandom } from '../../src-main/training/worker/run-training';
import { parseInit, type InitSpec } from '../../src-shared/entities/specs';
import { planFor } from '../../src-shared/model/resolve';
import type { SampleShape } from '../../src-shared/model/shapes';

let tf: Tf;
let baseline = 0;

beforeAll(async () => {
  ({ tf } = await loadBackend('cpu'));
});

beforeEach(() => {
  baseline = tf.memory().numTensors;
  seedMathRandom(5);
});

afterEach(() => {
  expect(tf.memory().numTensors).toBe(baseline);
});

const IMAGE: SampleShape = { kind: 'image', channels: 2, height: 6, width: 6 };
const TABLE: SampleShape = { kind: 'flat', size: 4 };

function init(text: string): InitSpec {
  const parsed = parseInit(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

function build(layers: string, input: SampleShape = TABLE, classes = 3, kernel = 'glorot-uniform', bias = 'zeros') {
  const plan = planFor({ layers, hidden: [], activation: 'relu', dropout: [] }, input, classes);
  if (!plan.ok) throw new Error(plan.message);
  return buildModel(tf, { input, plan: plan.value, init: init(kernel), biasInit: init(bias) });
}

/** Each layer's class and the settings that matter, as TensorFlow.js reports them. */
function describeLayers(model: ReturnType<typeof build>): ({ class: string } & Record<string, unknown>)[] {
  return model.layers.map((layer) => {
    const config = layer.getConfig() as Record<string, unknown>;
    const pick = (...keys: string[]) => Object.fromEntries(keys.filter((k) => k in config).map((k) => [k, config[k]]));
    return { class: layer.getClassName(), ...pick('filters', 'kernelSize', 'strides', 'padding', 'poolSize', 'units', 'rate', 'activation', 'alpha', 'momentum', 'epsilon', 'axis') };
  });
}

describe('the model a layer list builds', () => {
  it('builds every layer kind with the settings its spec names, the softmax last', () => {
    const model = build('conv2d(4,3,stride=1,padding=same), batchnorm, maxpool2d(2), conv2d(3,2,stride=2), avgpool2d(1,stride=1), flatten, dropout(0.25), linear(5), leaky_relu', IMAGE);
    try {
      expect(model.inputs[0]?.shape).toEqual([null, 6, 6, 2]);
      expect(describeLayers(model)).toEqual([
        { class: 'Conv2D', filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'same', activation: 'linear' },
        { class: 'BatchNormalization', momentum: 0.9, epsilon: 1e-5, axis: -1 },
        { class: 'MaxPooling2D', poolSize: [2, 2], strides: [2, 2], padding: 'valid' },
        { class: 'Conv2D', filters: 3, kernelSize: [2, 2], strides: [2, 2], padding: 'valid', activation: 'linear' },
        { class: 'AveragePooling2D', poolSize: [1, 1], strides: [1, 1], padding: 'valid' },
        { class: 'Flatten' },
        { class: 'Dropout', rate: 0.25 },
        { class: 'Dense', units: 5, activation: 'linear' },
        { class: 'LeakyReLU', alpha: 0.01 },
        { class: 'Dense', units: 3, activation: 'linear' },
        { class: 'Activation', activation: 'softmax' },
      ]);
    } finally {
      model.dispose();
    }
  });

  it('builds a global average pooling, and a leaky_relu with its own slope', () => {
    const model = build('conv2d(2,3), global_avg_pool, linear(4), leaky_relu(0.2)', IMAGE);
    try {
      expect(describeLayers(model).map((l) => l.class)).toEqual(['Conv2D', 'GlobalAveragePooling2D', 'Dense', 'LeakyReLU', 'Dense', 'Activation']);
      expect(describeLayers(model)[3]).toMatchObject({ alpha: 0.2 });
      expect(model.outputs[0]?.shape).toEqual([null, 3]);
    } finally {
      model.dispose();
    }
  });

  it('fuses an activation into the convolution or linear layer before it, as Keras writes Dense(units, activation)', () => {
    const model = build('conv2d(2,3), relu, flatten, linear(6), tanh, linear(5), sigmoid, linear(4), gelu', IMAGE);
    try {
      expect(describeLayers(model).map((l) => `${l.class}${l.activation ? `:${String(l.activation)}` : ''}`)).toEqual([
        'Conv2D:relu',
        'Flatten',
        'Dense:tanh',
        'Dense:sigmoid',
        'Dense:gelu',
        'Dense:linear',
        'Activation:softmax',
      ]);
    } finally {
      model.dispose();
    }
  });

  it('keeps an activation that follows anything else as a layer of its own', () => {
    const model = build('linear(4), dropout(0.1), relu', TABLE);
    try {
      expect(describeLayers(model).map((l) => `${l.class}:${String(l.activation ?? '')}`)).toEqual(['Dense:linear', 'Dropout:', 'Activation:relu', 'Dense:linear', 'Activation:softmax']);
    } finally {
      model.dispose();
    }
  });

  it('gives a table model its input size, and an image model height × width × channels', () => {
    expect(inputShapeOf(TABLE)).toEqual([4]);
    expect(inputShapeOf(IMAGE)).toEqual([6, 6, 2]);
    const model = build('linear(3)', TABLE);
    try {
      expect(model.inputs[0]?.shape).toEqual([null, 4]);
    } finally {
      model.dispose();
    }
  });

  it('counts convolutions, linear layers and batch normalisations as the layers with weights, input side first', () => {
    const model = build('conv2d(2,3), batchnorm, relu, conv2d(2,1), flatten, dropout(0.5), linear(4)', IMAGE);
    try {
      expect(weightLayers(model).map((l) => l.getClassName())).toEqual(['Conv2D', 'BatchNormalization', 'Conv2D', 'Dense', 'Dense']);
      expect(convLayers(model).map((l) => (l.getConfig() as { filters: number }).filters)).toEqual([2, 2]);
      expect(convLayers(model)[0]).toBe(model.layers[0]);
    } finally {
      model.dispose();
    }
  });
});

describe('frozen layers', () => {
  it('leaves the frozen layers out of the trained variables, the others all in', () => {
    const model = build('linear(5), relu, linear(4)', TABLE);
    try {
      expect(trainableVariables(model)).toHaveLength(6);
      freezeLayers(model, [0, 2]);
      expect(weightLayers(model).map((l) => l.trainable)).toEqual([false, true, false]);
      const names = trainableVariables(model).map((v) => v.name);
      expect(names).toHaveLength(2);
      expect(names).toEqual(weightLayers(model)[1]?.trainableWeights.map((w) => (w.read() as Variable).name));
    } finally {
      model.dispose();
    }
  });
});

describe('the forward pass', () => {
  it('gives logits (no softmax); dropout acts only in training', () => {
    const model = build('linear(32), dropout(0.5)', TABLE, 3, 'glorot-uniform', 'constant:0.1');
    const x = tf.ones([2, 4]);
    try {
      // logitsOf runs inside the caller's tidy (its layers' intermediate tensors are the caller's to free).
      const [evaluation, again, training] = tf.tidy(() => [logitsOf(model, x, false), logitsOf(model, x, false), logitsOf(model, x, true)]) as [Tensor, Tensor, Tensor];
      const probabilities = model.predict(x) as Tensor;
      const evalValues = Array.from(evaluation.dataSync());
      expect(Array.from(again.dataSync())).toEqual(evalValues);
      expect(Array.from(training.dataSync())).not.toEqual(evalValues);
      // The logits are the model's output before its softmax.
      const softmax = tf.softmax(evaluation);
      expect(Array.from(probabilities.dataSync()).map((v) => v.toFixed(5))).toEqual(Array.from(softmax.dataSync()).map((v) => v.toFixed(5)));
      tf.dispose([evaluation, again, training, probabilities, softmax]);
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it('a frozen batch normalisation stays in evaluation mode while training: its running statistics do not move', () => {
    const frozen = build('linear(4), batchnorm', TABLE);
    const free = build('linear(4), batchnorm', TABLE);
    const x = tf.tensor2d([1, 2, 3, 4, -4, -3, -2, -1, 0.5, 0, 2, 1], [3, 4]);
    try {
      freezeLayers(frozen, [1]);
      const stats = (model: ReturnType<typeof build>) => (weightLayers(model)[1]?.getWeights() ?? []).slice(2).map((w) => Array.from(w.dataSync()));
      const before = stats(frozen);
      const freeBefore = stats(free);
      tf.tidy(() => void [logitsOf(frozen, x, true), logitsOf(free, x, true)]);
      expect(stats(frozen)).toEqual(before);
      expect(stats(free)).not.toEqual(freeBefore);
    } finally {
      x.dispose();
      frozen.dispose();
      free.dispose();
    }
  });
});

describe('initialisers', () => {
  /** Values an initialiser draws for a 40 × 50 kernel. */
  function draw(text: string): Float32Array {
    const tensor = initializerFor(tf, init(text)).apply([40, 50], 'float32');
    const values = tensor.dataSync() as Float32Array;
    tensor.dispose();
    return values;
  }
  const stats = (values: Float32Array) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    return { mean, std, min: Math.min(...values), max: Math.max(...values) };
  };

  it('uniform draws from [low, high), a low of 0 included (not TensorFlow.js’s -0.05 default)', () => {
    const unit = stats(draw('uniform:0,1'));
    expect(unit.min).toBeGreaterThanOrEqual(0);
    expect(unit.min).toBeLessThan(0.01);
    expect(unit.max).toBeLessThan(1);
    expect(unit.max).toBeGreaterThan(0.99);
    const shifted = stats(draw('uniform:2,3'));
    expect(shifted.min).toBeGreaterThanOrEqual(2);
    expect(shifted.max).toBeLessThan(3);
  });

  it('normal draws with its mean and standard deviation', () => {
    const s = stats(draw('normal:3,0.5'));
    expect(s.mean).toBeCloseTo(3, 1);
    expect(s.std).toBeCloseTo(0.5, 1);
  });

  it('zeros and constant fill every value', () => {
    expect(new Set(draw('zeros'))).toEqual(new Set([0]));
    expect(new Set(draw('constant:0.25'))).toEqual(new Set([0.25]));
  });

  it('Glorot and He scale by the fans as Keras does: uniform bounds √(6/(in+out)) and √(6/in), normal ones truncated', () => {
    const glorot = Math.sqrt(6 / 90);
    const he = Math.sqrt(6 / 40);
    const gu = stats(draw('glorot-uniform'));
    expect(gu.max).toBeLessThanOrEqual(glorot);
    expect(gu.max).toBeGreaterThan(glorot * 0.95);
    const hu = stats(draw('he-uniform'));
    expect(hu.max).toBeLessThanOrEqual(he);
    expect(hu.max).toBeGreaterThan(he * 0.95);
    // Truncated normals: standard deviation √(1/45) and √(2/40) before truncation at two of them (about 0.88 after).
    const gn = stats(draw('glorot-normal'));
    expect(gn.std).toBeGreaterThan(Math.sqrt(2 / 90) * 0.8);
    expect(gn.std).toBeLessThan(Math.sqrt(2 / 90) * 0.95);
    expect(gn.max).toBeLessThanOrEqual(2 * Math.sqrt(2 / 90) * 1.2);
    const hn = stats(draw('he-normal'));
    expect(hn.std).toBeGreaterThan(Math.sqrt(2 / 40) * 0.8);
    expect(hn.std).toBeLessThan(Math.sqrt(2 / 40) * 0.95);
  });
});

describe('optimisers', () => {
  type Setup = ReturnType<typeof buildOptimizer>;
  const options = { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 };
  const config = (setup: Setup) => ({ class: setup.optimizer.getClassName(), ...(setup.optimizer.getConfig() as Record<string, unknown>) });
  const settings = (name: Parameters<typeof buildOptimizer>[1], overrides: Partial<typeof options> = {}) => {
    const setup = buildOptimizer(tf, name, { ...options, ...overrides });
    try {
      return { config: config(setup), coupledDecay: setup.coupledDecay, decoupledDecay: setup.decoupledDecay };
    } finally {
      disposeOptimizer(setup.optimizer);
    }
  };

  it('sgd takes the momentum and Nesterov flag, plain SGD without momentum; weight decay coupled', () => {
    expect(settings('sgd')).toEqual({ config: { class: 'Momentum', learningRate: 0.1, momentum: 0.9, useNesterov: true }, coupledDecay: 0.01, decoupledDecay: 0 });
    expect(settings('sgd', { nesterov: false })).toMatchObject({ config: { class: 'Momentum', useNesterov: false } });
    expect(settings('sgd', { momentum: 0 })).toEqual({ config: { class: 'SGD', learningRate: 0.1 }, coupledDecay: 0.01, decoupledDecay: 0 });
  });

  it('adam couples weight decay; adamw is Adam with decoupled decay', () => {
    expect(settings('adam')).toMatchObject({ config: { class: 'Adam', learningRate: 0.1 }, coupledDecay: 0.01, decoupledDecay: 0 });
    expect(settings('adamw')).toMatchObject({ config: { class: 'Adam', learningRate: 0.1 }, coupledDecay: 0, decoupledDecay: 0.01 });
  });

  it('rmsprop has PyTorch’s alpha 0.99 and epsilon 1e-8, with the run’s momentum; weight decay coupled', () => {
    expect(settings('rmsprop')).toMatchObject({ config: { class: 'RMSProp', learningRate: 0.1, decay: 0.99, momentum: 0.9, epsilon: 1e-8 }, coupledDecay: 0.01, decoupledDecay: 0 });
  });

  it('changes the learning rate of every optimiser for the next steps', () => {
    for (const name of ['sgd', 'adam', 'adamw', 'rmsprop'] as const) {
      for (const momentum of [0, 0.9]) {
        const setup = buildOptimizer(tf, name, { ...options, momentum });
        try {
          setLearningRate(setup.optimizer, 0.025);
          expect((setup.optimizer.getConfig() as { learningRate: number }).learningRate, `${name}, momentum ${momentum}`).toBe(0.025);
        } finally {
          disposeOptimizer(setup.optimizer);
        }
      }
    }
  });

  it('an SGD step after a rate change moves a weight by the new rate', () => {
    const setup = buildOptimizer(tf, 'sgd', { ...options, momentum: 0 });
    const weight = tf.tidy(() => tf.variable(tf.scalar(1)));
    try {
      setLearningRate(setup.optimizer, 0.25);
      setup.optimizer.minimize(() => weight.mul(2).asScalar(), false, [weight]);
      expect(weight.dataSync()[0]).toBeCloseTo(0.5, 6);
    } finally {
      weight.dispose();
      disposeOptimizer(setup.optimizer);
    }
  });

  it('disposing a momentum optimiser frees its learning-rate tensor too (tfjs 4.22 leaks it otherwise)', () => {
    const setup = buildOptimizer(tf, 'sgd', options);
    const weight = tf.tidy(() => tf.variable(tf.scalar(1)));
    setup.optimizer.minimize(() => weight.square().asScalar(), false, [weight]);
    weight.dispose();
    disposeOptimizer(setup.optimizer);
    // afterEach checks that nothing is left.
  });
});
