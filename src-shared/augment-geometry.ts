/**
 * The geometry of image augmentation, shared by the training worker (which warps batches with TensorFlow.js's
 * `tf.image.transform`) and the New run page (which previews augmented samples in the browser): the same draws from
 * the same generator give the same transforms, so the preview shows what training will see.
 */
import type { Augmentation } from './entities/specs';
import type { Prng } from './prng';

/**
 * One sample's transform in `tf.image.transform`'s form: the output pixel (x, y) reads the input at
 * (a0 x + a1 y + a2, b0 x + b1 y + b2); the last two numbers (projective terms) are 0.
 */
export type Transform = [number, number, number, number, number, number, number, number];

/**
 * Draws one sample's transform: a rotation in [-rotate, rotate] degrees and a zoom in [1 - scale, 1 + scale] about the
 * image's centre, a mirror (each axis `flip` names, with probability 1/2), then a whole-pixel shift in [-shift, shift]
 * plus, for `crop`, another in [-crop, crop] (padding with zeros and cropping back at random is such a shift).
 * Draws only for what is on, rotation and shift first, so the seeds of runs made before scale, flip and crop existed
 * give the same augmentation as they did.
 */
export function drawTransform(a: Augmentation, width: number, height: number, rng: Prng): Transform {
  const theta = ((rng.next() * 2 - 1) * a.rotate * Math.PI) / 180;
  let tx = a.shift > 0 ? rng.nextInt(2 * a.shift + 1) - a.shift : 0;
  let ty = a.shift > 0 ? rng.nextInt(2 * a.shift + 1) - a.shift : 0;
  const zoom = a.scale > 0 ? 1 + (rng.next() * 2 - 1) * a.scale : 1;
  const fx = a.flip.includes('h') && rng.next() < 0.5 ? -1 : 1;
  const fy = a.flip.includes('v') && rng.next() < 0.5 ? -1 : 1;
  if (a.crop > 0) {
    tx += rng.nextInt(2 * a.crop + 1) - a.crop;
    ty += rng.nextInt(2 * a.crop + 1) - a.crop;
  }
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // Forward: out = centre + shift + zoom * R * F * (in - centre); this is its inverse, out -> in.
  const a0 = (fx * cos) / zoom;
  const a1 = (fx * sin) / zoom;
  const b0 = (-fy * sin) / zoom;
  const b1 = (fy * cos) / zoom;
  const a2 = cx - a0 * (cx + tx) - a1 * (cy + ty);
  const b2 = cy - b0 * (cx + tx) - b1 * (cy + ty);
  return [a0, a1, a2, b0, b1, b2, 0, 0];
}

/**
 * Applies a transform to one image (channels last), bilinear, reading zeros outside the image: the same sampling as
 * `tf.image.transform(images, transforms, 'bilinear', 'constant', 0)`.
 */
export function warpImage(pixels: ArrayLike<number>, width: number, height: number, channels: number, t: Transform): Float32Array {
  const out = new Float32Array(width * height * channels);
  const at = (x: number, y: number, c: number): number => (x < 0 || y < 0 || x >= width || y >= height ? 0 : (pixels[(y * width + x) * channels + c] as number));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = t[0] * x + t[1] * y + t[2];
      const sy = t[3] * x + t[4] * y + t[5];
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < channels; c++) {
        const top = at(x0, y0, c) * (1 - fx) + at(x0 + 1, y0, c) * fx;
        const bottom = at(x0, y0 + 1, c) * (1 - fx) + at(x0 + 1, y0 + 1, c) * fx;
        out[(y * width + x) * channels + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}
