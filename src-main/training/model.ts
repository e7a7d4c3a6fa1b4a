import type * as tfType from '@tensorflow/tfjs';
import type { Activation } from '../../src-shared/entities/train-config';
import type { InitSpec } from '../../src-shared/entities/specs';
import { initializerFor } from './initializers';

export type Tf = typeof tfType;

/** The network to build: input size from the dataset, hidden layers, and one softmax output per class. */
export interface ModelSpec {
  inputSize: number;
  hidden: number[];
  activation: Activation;
  /** Dropout after each hidden activation, one rate per hidden layer; 0 adds no dropout layer. */
  dropout: number[];
  classes: number;
  init: InitSpec;
  biasInit: InitSpec;
}

/**
 * A sequential MLP: [dense(activation) -> dropout] per hidden layer, then dense logits and a softmax layer.
 * Training reads the logits (all layers but the softmax) for a numerically stable cross-entropy.
 */
export function buildModel(tf: Tf, spec: ModelSpec): tfType.Sequential {
  const model = tf.sequential();
  const dense = (units: number, activation: Activation | undefined, first: boolean) =>
    tf.layers.dense({
      units,
      ...(activation ? { activation } : {}),
      ...(first ? { inputShape: [spec.inputSize] } : {}),
      kernelInitializer: initializerFor(tf, spec.init),
      biasInitializer: initializerFor(tf, spec.biasInit),
    });
  spec.hidden.forEach((units, i) => {
    model.add(dense(units, spec.activation, i === 0));
    const rate = spec.dropout[i] ?? 0;
    if (rate > 0) model.add(tf.layers.dropout({ rate }));
  });
  model.add(dense(spec.classes, undefined, spec.hidden.length === 0));
  model.add(tf.layers.activation({ activation: 'softmax' }));
  return model;
}

/** The model's dense layers, input side first: hidden layers 0..H-1, then the output layer H. */
export function denseLayers(model: tfType.Sequential): tfType.layers.Layer[] {
  return model.layers.filter((layer) => layer.getClassName() === 'Dense');
}

/** Makes the given dense layers untrainable. */
export function freezeLayers(model: tfType.Sequential, indices: readonly number[]): void {
  denseLayers(model).forEach((layer, i) => {
    if (indices.includes(i)) layer.trainable = false;
  });
}

/** The variables the optimiser updates: weights of dense layers that are not frozen. */
export function trainableVariables(model: tfType.Sequential): tfType.Variable[] {
  return denseLayers(model)
    .filter((layer) => layer.trainable)
    .flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tfType.Variable));
}

/** Applies every layer but the final softmax. `training` switches dropout on. */
export function logitsOf(model: tfType.Sequential, x: tfType.Tensor, training: boolean): tfType.Tensor {
  const layers = model.layers;
  let h = x;
  for (let i = 0; i < layers.length - 1; i++) h = (layers[i] as tfType.layers.Layer).apply(h, { training }) as tfType.Tensor;
  return h;
}
