import type * as tfType from '@tensorflow/tfjs';
import { drawTransform } from '../../../src-shared/augment-geometry';
import { isAugmenting, isGeometric, type Augmentation } from '../../../src-shared/entities/specs';
import type { Prng } from '../../../src-shared/prng';
import type { ImageShape } from '../../datasets';
import type { Tf } from './model';

/** Transforms a batch of training inputs; called inside a tidy, fresh randomness every call. */
export type Augmenter = (x: tfType.Tensor) => tfType.Tensor;

/**
 * Builds the augmentation of training batches: for images (a batch of [n, height, width, channels]), one random
 * affine transform per sample (rotation, zoom, mirror, shift and crop, see `drawTransform`; bilinear, zero fill),
 * then Gaussian noise of standard deviation `noise` on every input. Returns null when nothing is to be done.
 */
export function buildAugmenter(tf: Tf, augmentation: Augmentation, imageShape: ImageShape | null, rng: Prng): Augmenter | null {
  if (!isAugmenting(augmentation)) return null;
  const geometric = imageShape !== null && isGeometric(augmentation);
  return (x) => {
    let out = x;
    if (geometric && imageShape) {
      const n = x.shape[0] as number;
      const transforms = new Float32Array(n * 8);
      for (let i = 0; i < n; i++) transforms.set(drawTransform(augmentation, imageShape.width, imageShape.height, rng), i * 8);
      out = transformEach(tf, out as tfType.Tensor4D, transforms);
    }
    if (augmentation.noise > 0) out = tf.add(out, tf.randomNormal(out.shape, 0, augmentation.noise, 'float32', rng.nextInt(2 ** 31)));
    return out;
  };
}

/**
 * `tf.image.transform` of each image by its own 8 projective coefficients. The cpu backend's kernel (tfjs-backend-cpu
 * 4.22, `Transform.js`) returns after the batch's first image and leaves the others zero, so there each image is
 * transformed on its own; the other backends take the batch at once.
 */
function transformEach(tf: Tf, images: tfType.Tensor4D, transforms: Float32Array): tfType.Tensor4D {
  const n = images.shape[0];
  if (tf.getBackend() !== 'cpu' || n === 1) return tf.image.transform(images, tf.tensor2d(transforms, [n, 8]), 'bilinear', 'constant', 0);
  const each = tf.split(images, n, 0).map((image, i) => tf.image.transform(image as tfType.Tensor4D, tf.tensor2d(transforms.subarray(i * 8, i * 8 + 8), [1, 8]), 'bilinear', 'constant', 0));
  return tf.concat(each, 0);
}
