/**
 * The augmentation preview of the New run page: training samples as the dataset stores them, and the same samples
 * augmented as the worker augments a batch (the shared `drawTransform` and `warpImage`, then Gaussian noise), drawn
 * in the browser so that a change of the augmentation shows at once.
 */
import { drawTransform, warpImage } from '../../src-shared/augment-geometry';
import type { Augmentation } from '../../src-shared/entities/specs';
import { isGeometric } from '../../src-shared/entities/specs';
import { Prng } from '../../src-shared/prng';

export interface StoredSample {
  label: string;
  /** Channels last, as stored (bytes 0-255, or 0-16 for digits). */
  values: readonly number[];
}

export interface PreviewSample {
  label: string;
  original: readonly number[];
  /** One image per draw, the same size as the original. */
  augmented: Float32Array[];
}

/** A standard normal draw (Box-Muller) from the preview's generator. */
function gaussian(rng: Prng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * `draws` augmentations of each sample, seeded. Noise is in the units of the scaled inputs, as in training (the
 * worker divides by `valueMax`), so it is scaled back to stored units here.
 * @param shape Channels, height and width.
 */
export function augmentSamples(
  samples: readonly StoredSample[],
  shape: readonly [number, number, number],
  augmentation: Augmentation,
  valueMax: number,
  draws: number,
  seed: number,
): PreviewSample[] {
  const [channels, height, width] = shape;
  const rng = new Prng(seed);
  return samples.map((sample) => ({
    label: sample.label,
    original: sample.values,
    augmented: Array.from({ length: draws }, () => {
      const image = isGeometric(augmentation) ? warpImage(sample.values, width, height, channels, drawTransform(augmentation, width, height, rng)) : Float32Array.from(sample.values);
      if (augmentation.noise > 0) for (let i = 0; i < image.length; i++) image[i] = (image[i] as number) + augmentation.noise * valueMax * gaussian(rng);
      return image;
    }),
  }));
}
