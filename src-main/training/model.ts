import type * as tfType from '@tensorflow/tfjs';
import type { Activation, OptimizerName } from '../../src-shared/entities/train-config';

export type Tf = typeof tfType;

/** The network to build: input size from the dataset, hidden layers, and one softmax output per class. */
export interface ModelSpec {
  inputSize: number;
  hidden: number[];
  activation: Activation;
  /** Dropout after each hidden activation; 0 adds no dropout layer. */
  dropout: number;
  classes: number;
}

/**
 * A sequential MLP: [dense(activation) -> dropout] per hidden layer, then dense logits and a softmax layer.
 * Training reads the logits (all layers but the softmax) for a numerically stable cross-entropy.
 */
export function buildModel(tf: Tf, spec: ModelSpec): tfType.Sequential {
  const model = tf.sequential();
  spec.hidden.forEach((units, i) => {
    model.add(tf.layers.dense({ units, activation: spec.activation, ...(i === 0 ? { inputShape: [spec.inputSize] } : {}) }));
    if (spec.dropout > 0) model.add(tf.layers.dropout({ rate: spec.dropout }));
  });
  model.add(tf.layers.dense({ units: spec.classes, ...(spec.hidden.length === 0 ? { inputShape: [spec.inputSize] } : {}) }));
  model.add(tf.layers.activation({ activation: 'softmax' }));
  return model;
}

/** Applies every layer but the final softmax. `training` switches dropout on. */
export function logitsOf(model: tfType.Sequential, x: tfType.Tensor, training: boolean): tfType.Tensor {
  const layers = model.layers;
  let h = x;
  for (let i = 0; i < layers.length - 1; i++) h = (layers[i] as tfType.layers.Layer).apply(h, { training }) as tfType.Tensor;
  return h;
}

export function buildOptimizer(tf: Tf, name: OptimizerName, lr: number, momentum: number): tfType.Optimizer {
  if (name === 'adam') return tf.train.adam(lr);
  return momentum > 0 ? tf.train.momentum(lr, momentum) : tf.train.sgd(lr);
}

/**
 * Disposes an optimiser and everything it holds. tfjs-core 4.22's MomentumOptimizer.dispose() does not call
 * SGDOptimizer.dispose(), so its learning-rate scalar (`c`) would leak one tensor per run.
 */
export function disposeOptimizer(optimizer: tfType.Optimizer): void {
  const learningRateScalar = (optimizer as unknown as { c?: tfType.Tensor }).c;
  optimizer.dispose();
  if (learningRateScalar && !learningRateScalar.isDisposed) learningRateScalar.dispose();
}
