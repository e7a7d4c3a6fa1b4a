/**
 * Image augmentation transforms every sample of a batch on every CPU backend. TensorFlow.js 4.22's cpu kernel for
 * `image.transform` returns after the first image (tfjs-backend-cpu `Transform.js`), which left every other sample
 * of a `--backend cpu` batch blank: Runboard transforms image by image there.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildAugmenter } from '../../src-main/training/worker/augment';
import { loadBackend } from '../../src-main/training/worker/backends';
import type { Tf } from '../../src-main/training/worker/model';
import { NO_AUGMENTATION } from '../../src-shared/entities/specs';
import { Prng } from '../../src-shared/prng';

let tf: Tf;
let baseline = 0;
const image = { channels: 1, height: 4, width: 4 };
const SAMPLES = 6;
/** Six different 4×4 images: sample s holds s*16 + 0..15. */
const batch = () => tf.tensor4d(Float32Array.from({ length: SAMPLES * 16 }, (_, i) => i + 1), [SAMPLES, 4, 4, 1]);

beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

beforeEach(() => {
  baseline = tf.memory().numTensors;
});

afterEach(() => {
  expect(tf.memory().numTensors).toBe(baseline);
});

describe.each(['cpu', 'wasm'])('geometric augmentation on %s', (backend) => {
  beforeEach(async () => {
    await tf.setBackend(backend);
    baseline = tf.memory().numTensors;
  });

  it('mirrors or keeps each sample of the batch, none left blank', () => {
    const augment = buildAugmenter(tf, { ...NO_AUGMENTATION, flip: 'h' }, image, new Prng(3));
    const x = batch();
    const out = tf.tidy(() => augment?.(x) as Tensor);
    expect(out.shape).toEqual([SAMPLES, 4, 4, 1]);
    const samples = (out.arraySync() as number[][][][]).map((sample) => sample.map((row) => row.map((pixel) => pixel[0])));
    samples.forEach((sample, s) => {
      const original = [0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((col) => s * 16 + y * 4 + col + 1));
      const mirrored = original.map((row) => [...row].reverse());
      expect([original, mirrored], `sample ${s}`).toContainEqual(sample);
    });
    tf.dispose([x, out]);
  });

  it('rotates every sample: each keeps most of its own values', () => {
    const augment = buildAugmenter(tf, { ...NO_AUGMENTATION, rotate: 10 }, image, new Prng(5));
    const x = tf.ones([SAMPLES, 4, 4, 1]);
    const out = tf.tidy(() => augment?.(x) as Tensor);
    const sums = tf.tidy(() => tf.sum(out, [1, 2, 3]).arraySync() as number[]);
    for (const [s, sum] of sums.entries()) expect(sum, `sample ${s}`).toBeGreaterThan(8);
    tf.dispose([x, out]);
  });
});
