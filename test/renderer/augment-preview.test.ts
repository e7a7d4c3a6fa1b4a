import { describe, expect, it } from 'vitest';
import { NO_AUGMENTATION } from '../../src-shared/entities/specs';
import { augmentSamples } from '../../src-renderer/lib/augment-preview';
import { pixelScale } from '../../src-renderer/lib/pixel-scale';

/** A 1 x 4 x 4 image with one lit pixel at (x, y). */
function dot(x: number, y: number, value = 200): number[] {
  const pixels = new Array<number>(16).fill(0);
  pixels[y * 4 + x] = value;
  return pixels;
}

describe('the augmentation preview', () => {
  it('a horizontal flip shows each sample either as stored or mirrored, as training draws it', () => {
    const [sample] = augmentSamples([{ label: 'a', values: dot(0, 1) }], [1, 4, 4], { ...NO_AUGMENTATION, flip: 'h' }, 255, 16, 3);
    const seen = new Set(sample?.augmented.map((image) => Array.from(image).indexOf(200)));
    expect(seen).toEqual(new Set([1 * 4 + 0, 1 * 4 + 3]));
    expect(sample?.original).toEqual(dot(0, 1));
  });

  it('a shift moves the whole image by whole pixels within the range', () => {
    const [sample] = augmentSamples([{ label: 'a', values: dot(1, 1) }], [1, 4, 4], { ...NO_AUGMENTATION, shift: 1 }, 255, 30, 5);
    for (const image of sample?.augmented ?? []) {
      const at = Array.from(image).indexOf(200);
      expect(Math.abs((at % 4) - 1)).toBeLessThanOrEqual(1);
      expect(Math.abs(Math.floor(at / 4) - 1)).toBeLessThanOrEqual(1);
    }
  });

  it('noise is in the units of the scaled inputs: its spread in stored units is noise × the largest value', () => {
    const [sample] = augmentSamples([{ label: 'a', values: new Array<number>(16).fill(0) }], [1, 4, 4], { ...NO_AUGMENTATION, noise: 0.1 }, 255, 400, 1);
    const values = (sample?.augmented ?? []).flatMap((image) => Array.from(image));
    const std = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length);
    expect(std).toBeGreaterThan(25.5 * 0.95);
    expect(std).toBeLessThan(25.5 * 1.05);
  });

  it('the same seed draws the same augmentations; images are scaled to about the same width on screen', () => {
    const draw = (seed: number) => augmentSamples([{ label: 'a', values: dot(2, 2) }], [1, 4, 4], { ...NO_AUGMENTATION, rotate: 30, scale: 0.2 }, 255, 2, seed);
    expect(draw(9)).toEqual(draw(9));
    expect(draw(9)).not.toEqual(draw(10));
    expect([pixelScale(8, 56), pixelScale(28, 56), pixelScale(28, 64), pixelScale(100, 56)]).toEqual([7, 2, 3, 1]);
  });
});
