import type * as tfType from '@tensorflow/tfjs';
import { isAugmenting, type Augmentation } from '../../src-shared/entities/specs';
import type { Tf } from './model';
import type { Prng } from '../../src-shared/prng';

/** Transforms a batch of training inputs; called inside a tidy, fresh randomness every call. */
export type Augmenter = (x: tfType.Tensor2D) => tfType.Tensor2D;

/**
 * Builds the augmentation of training batches: for images (`imageShape` set, one channel), a random rotation in
 * [-rotate, rotate] degrees and a random whole-pixel shift in [-shift, shift] per sample (bilinear, zero fill), then
 * Gaussian noise of standard deviation `noise` on every input. Returns null when nothing is to be done.
 */
export function buildAugmenter(tf: Tf, augmentation: Augmentation, imageShape: [number, number] | null, rng: Prng): Augmenter | null {
  if (!isAugmenting(augmentation)) return null;
  const geometric = imageShape !== null && (augmentation.shift > 0 || augmentation.rotate > 0);
  return (x) => {
    let out: tfType.Tensor2D = x;
    if (geometric && imageShape) {
      const [h, w] = imageShape;
      const n = x.shape[0];
      const transforms = new Float32Array(n * 8);
      const cx = (w - 1) / 2;
      const cy = (h - 1) / 2;
      for (let i = 0; i < n; i++) {
        const theta = ((rng.next() * 2 - 1) * augmentation.rotate * Math.PI) / 180;
        const tx = augmentation.shift > 0 ? rng.nextInt(2 * augmentation.shift + 1) - augmentation.shift : 0;
        const ty = augmentation.shift > 0 ? rng.nextInt(2 * augmentation.shift + 1) - augmentation.shift : 0;
        const cos = Math.cos(theta);
        const sin = Math.sin(theta);
        // tf.image.transform maps each output pixel to the input pixel it reads: the inverse of rotate-then-shift.
        transforms.set([cos, sin, cx - cos * (cx + tx) - sin * (cy + ty), -sin, cos, cy + sin * (cx + tx) - cos * (cy + ty), 0, 0], i * 8);
      }
      const images = tf.reshape(out, [n, h, w, 1]) as tfType.Tensor4D;
      const moved = tf.image.transform(images, tf.tensor2d(transforms, [n, 8]), 'bilinear', 'constant', 0);
      out = tf.reshape(moved, [n, h * w]) as tfType.Tensor2D;
    }
    if (augmentation.noise > 0) {
      out = tf.add(out, tf.randomNormal(out.shape, 0, augmentation.noise, 'float32', rng.nextInt(2 ** 31))) as tfType.Tensor2D;
    }
    return out;
  };
}
