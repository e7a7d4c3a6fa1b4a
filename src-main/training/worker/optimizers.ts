import type * as tfType from '@tensorflow/tfjs';
import type { OptimizerName } from '../../../src-shared/entities/train-config';
import type { Tf } from './model';

export interface OptimizerSetup {
  optimizer: tfType.Optimizer;
  /** Weight decay applied as L2 in the gradient (PyTorch's `weight_decay` for SGD, Adam, RMSprop). */
  coupledDecay: number;
  /** Weight decay applied to the weights directly, scaled by the learning rate (AdamW). */
  decoupledDecay: number;
}

/**
 * The optimiser of a run. `sgd` (momentum, optional Nesterov), `adam`, `adamw` (Adam with decoupled weight decay,
 * Loshchilov & Hutter), `rmsprop` (PyTorch's default alpha 0.99, with the run's momentum).
 */
export function buildOptimizer(tf: Tf, name: OptimizerName, options: { lr: number; momentum: number; nesterov: boolean; weightDecay: number }): OptimizerSetup {
  const { lr, momentum, nesterov, weightDecay } = options;
  switch (name) {
    case 'adam':
      return { optimizer: tf.train.adam(lr), coupledDecay: weightDecay, decoupledDecay: 0 };
    case 'adamw':
      return { optimizer: tf.train.adam(lr), coupledDecay: 0, decoupledDecay: weightDecay };
    case 'rmsprop':
      return { optimizer: tf.train.rmsprop(lr, 0.99, momentum, 1e-8), coupledDecay: weightDecay, decoupledDecay: 0 };
    case 'sgd':
      return { optimizer: momentum > 0 ? tf.train.momentum(lr, momentum, nesterov) : tf.train.sgd(lr), coupledDecay: weightDecay, decoupledDecay: 0 };
  }
}

/** Changes the learning rate for the next steps (SGD keeps it in a tensor; the others read a number each step). */
export function setLearningRate(optimizer: tfType.Optimizer, lr: number): void {
  const withSetter = optimizer as unknown as { setLearningRate?: (value: number) => void; learningRate: number };
  if (typeof withSetter.setLearningRate === 'function') withSetter.setLearningRate(lr);
  else withSetter.learningRate = lr;
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
