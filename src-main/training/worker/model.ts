import type * as tfType from '@tensorflow/tfjs';
import type { InitSpec } from '../../../src-shared/entities/specs';
import type { LayerSpec } from '../../../src-shared/model/layers';
import type { ModelPlan, SampleShape } from '../../../src-shared/model/shapes';
import { initializerFor } from './initializers';

export type Tf = typeof tfType;

/** The network to build: a planned layer list (the output layer included, see `planModel`) and its initialisers. */
export interface ModelSpec {
  input: SampleShape;
  plan: ModelPlan;
  /** Initialiser of every kernel (convolutions and linear layers); biases take `biasInit`. */
  init: InitSpec;
  biasInit: InitSpec;
}

/** The tensor shape of one sample as the model takes it: [height, width, channels] for images, [features] else. */
export function inputShapeOf(shape: SampleShape): number[] {
  return shape.kind === 'image' ? [shape.height, shape.width, shape.channels] : [shape.size];
}

function layerFor(tf: Tf, layer: LayerSpec, spec: ModelSpec, first: boolean, activation?: FusedActivation): tfType.layers.Layer {
  const input = first ? { inputShape: inputShapeOf(spec.input) } : {};
  const weights = { kernelInitializer: initializerFor(tf, spec.init), biasInitializer: initializerFor(tf, spec.biasInit), ...(activation ? { activation } : {}) };
  switch (layer.kind) {
    case 'conv2d':
      return tf.layers.conv2d({ ...input, ...weights, filters: layer.filters, kernelSize: layer.kernel, strides: layer.stride, padding: layer.padding });
    case 'maxpool2d':
      return tf.layers.maxPooling2d({ ...input, poolSize: layer.kernel, strides: layer.stride, padding: 'valid' });
    case 'avgpool2d':
      return tf.layers.averagePooling2d({ ...input, poolSize: layer.kernel, strides: layer.stride, padding: 'valid' });
    case 'global_avg_pool':
      return tf.layers.globalAveragePooling2d({ ...input });
    case 'batchnorm':
      // PyTorch's defaults: running statistics move by 0.1 per batch (Keras's momentum 0.9), epsilon 1e-5.
      return tf.layers.batchNormalization({ ...input, axis: -1, momentum: 0.9, epsilon: 1e-5 });
    case 'flatten':
      return tf.layers.flatten({ ...input });
    case 'linear':
      return tf.layers.dense({ ...input, ...weights, units: layer.units });
    case 'dropout':
      return tf.layers.dropout({ ...input, rate: layer.rate });
    case 'activation':
      if (layer.name === 'leaky_relu') return tf.layers.leakyReLU({ ...input, alpha: layer.alpha ?? 0.01 });
      return tf.layers.activation({ ...input, activation: layer.name });
  }
}

/** Activations TensorFlow.js can fuse into the convolution or linear layer before them (one kernel instead of two). */
const FUSABLE = new Set(['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'gelu']);
type FusedActivation = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'gelu';

/**
 * A sequential model of the planned layers (the output layer last), then a softmax layer. An activation right after
 * a convolution or a linear layer is built into that layer, as Keras writes `Dense(128, activation='relu')`: the
 * same function, computed in one fused kernel. Training reads the logits (all layers but the softmax) for a
 * numerically stable cross-entropy.
 */
export function buildModel(tf: Tf, spec: ModelSpec): tfType.Sequential {
  const model = tf.sequential();
  const layers = spec.plan.layers.map((p) => p.layer);
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i] as LayerSpec;
    const next = layers[i + 1];
    if ((layer.kind === 'conv2d' || layer.kind === 'linear') && next?.kind === 'activation' && FUSABLE.has(next.name)) {
      const built = layerFor(tf, layer, spec, i === 0, next.name as FusedActivation);
      model.add(built);
      i++;
    } else {
      model.add(layerFor(tf, layer, spec, i === 0));
    }
  }
  model.add(tf.layers.activation({ activation: 'softmax', ...(layers.length === 0 ? { inputShape: inputShapeOf(spec.input) } : {}) }));
  return model;
}

const WEIGHTED = new Set(['Conv2D', 'Dense', 'BatchNormalization']);

/**
 * The model's layers with weights (convolutions, linear layers, batch normalisations), input side first, the output
 * layer last: the layers `--freeze` indices and checkpoints count.
 */
export function weightLayers(model: tfType.Sequential): tfType.layers.Layer[] {
  return model.layers.filter((layer) => WEIGHTED.has(layer.getClassName()));
}

/** The model's convolutional layers, input side first. */
export function convLayers(model: tfType.Sequential): tfType.layers.Layer[] {
  return model.layers.filter((layer) => layer.getClassName() === 'Conv2D');
}

/** Makes the given weight layers untrainable; a frozen batch normalisation also keeps its running statistics. */
export function freezeLayers(model: tfType.Sequential, indices: readonly number[]): void {
  weightLayers(model).forEach((layer, i) => {
    if (indices.includes(i)) layer.trainable = false;
  });
}

/** The variables the optimiser updates: trainable weights of layers that are not frozen. */
export function trainableVariables(model: tfType.Sequential): tfType.Variable[] {
  return weightLayers(model)
    .filter((layer) => layer.trainable)
    .flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tfType.Variable));
}

/**
 * Applies every layer but the final softmax. `training` switches dropout on and makes batch normalisation use (and
 * update) batch statistics, except in frozen layers, which stay in evaluation mode so their weights stay exactly as
 * they were.
 */
export function logitsOf(model: tfType.Sequential, x: tfType.Tensor, training: boolean): tfType.Tensor {
  const layers = model.layers;
  let h = x;
  for (let i = 0; i < layers.length - 1; i++) {
    const layer = layers[i] as tfType.layers.Layer;
    h = layer.apply(h, { training: training && layer.trainable }) as tfType.Tensor;
  }
  return h;
}
