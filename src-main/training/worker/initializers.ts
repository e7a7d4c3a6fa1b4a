import type { InitSpec } from '../../../src-shared/entities/specs';
import type { Tf } from './model';

/**
 * The TensorFlow.js initialiser for a spec. Glorot and He follow Keras (fan-in/fan-out scaling; the normal
 * variants draw from a truncated normal); `uniform` draws from [low, high), as PyTorch's `nn.init.uniform_`.
 */
export function initializerFor(tf: Tf, spec: InitSpec) {
  switch (spec.name) {
    case 'glorot-uniform':
      return tf.initializers.glorotUniform({});
    case 'glorot-normal':
      return tf.initializers.glorotNormal({});
    case 'he-uniform':
      return tf.initializers.heUniform({});
    case 'he-normal':
      return tf.initializers.heNormal({});
    case 'uniform': {
      // tfjs-layers 4.22 reads `args.minval || -0.05`, so a lower bound of 0 (the course's default) would become
      // -0.05: set the bounds on the initialiser itself after construction.
      const uniform = tf.initializers.randomUniform({ minval: spec.low, maxval: spec.high });
      Object.assign(uniform, { minval: spec.low, maxval: spec.high });
      return uniform;
    }
    case 'normal':
      return tf.initializers.randomNormal({ mean: spec.mean, stddev: spec.std });
    case 'zeros':
      return tf.initializers.zeros();
    case 'constant':
      return tf.initializers.constant({ value: spec.value });
  }
}
