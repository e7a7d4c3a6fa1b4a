import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SYNTHETIC_DEFAULTS, type SyntheticName, type SyntheticSpec } from '../../src-shared/entities/specs';
import { generateSynthetic } from '../../src-main/datasets/synthetic';
import type { LabelledTable } from '../../src-main/datasets/csv-dataset';

const spec = (name: SyntheticName, options: Partial<Omit<SyntheticSpec, 'name'>> = {}): SyntheticSpec => ({ name, ...SYNTHETIC_DEFAULTS[name], ...options });

const sha = (table: LabelledTable) =>
  createHash('sha256').update(Buffer.from(table.features.buffer)).update(Buffer.from(table.labels.buffer)).digest('hex').slice(0, 16);

const countsOf = (table: LabelledTable) => table.classes.map((_, c) => [...table.labels].filter((l) => l === c).length);

const point = (table: LabelledTable, row: number): [number, number] => [table.features[2 * row] as number, table.features[2 * row + 1] as number];

describe('synthetic datasets', () => {
  for (const name of ['spirals', 'moons', 'blobs'] as const) {
    it(`${name}: the same spec gives a byte-identical table, another seed a different one`, () => {
      const a = generateSynthetic(spec(name, { seed: 4 }));
      const b = generateSynthetic(spec(name, { seed: 4 }));
      expect(Buffer.compare(Buffer.from(a.features.buffer), Buffer.from(b.features.buffer))).toBe(0);
      expect(b).toEqual(a);
      expect(sha(generateSynthetic(spec(name, { seed: 5 })))).not.toBe(sha(a));
    });

    it(`${name}: n rows of 2 features x0, x1, classes 0..K-1 balanced to within one row`, () => {
      const table = generateSynthetic(spec(name, { n: 301 }));
      expect(table.rows).toBe(301);
      expect(table.features).toHaveLength(602);
      expect(table.featureNames).toEqual(['x0', 'x1']);
      const k = name === 'moons' ? 2 : SYNTHETIC_DEFAULTS[name].classes;
      expect(table.classes).toEqual(Array.from({ length: k }, (_, c) => String(c)));
      const counts = countsOf(table);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(301);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      expect(table.features.every(Number.isFinite)).toBe(true);
    });
  }

  it('keeps generating the same data in every version (the defaults, pinned)', () => {
    // If this fails, every run ever trained on a synthetic dataset can no longer be reproduced: do not update the
    // values unless that is the intent, and say so in the release notes.
    expect({
      spirals: sha(generateSynthetic(spec('spirals'))),
      moons: sha(generateSynthetic(spec('moons'))),
      blobs: sha(generateSynthetic(spec('blobs'))),
    }).toMatchInlineSnapshot(`
      {
        "blobs": "4e105c25a72d1e37",
        "moons": "9c828156d8ddac2a",
        "spirals": "09e16c35c74ffed3",
      }
    `);
  });

  it('spirals: K arms with radius from 0 to 1, so every point lies in the unit disc; the noise turns the angle', () => {
    const table = generateSynthetic(spec('spirals', { n: 900, classes: 5, noise: 0.5 }));
    expect(table.classes).toHaveLength(5);
    expect(countsOf(table)).toEqual([180, 180, 180, 180, 180]);
    for (let row = 0; row < table.rows; row++) expect(Math.hypot(...point(table, row))).toBeLessThanOrEqual(1 + 1e-6);
    // Without noise, the last point of arm 0 is at radius 1 and angle 4 (CS231n: r sin t, r cos t).
    const clean = generateSynthetic(spec('spirals', { n: 300, classes: 3, noise: 0 }));
    const [x, y] = point(clean, 99);
    expect(x).toBeCloseTo(Math.sin(4), 5);
    expect(y).toBeCloseTo(Math.cos(4), 5);
  });

  it('moons: always 2 classes, on two interleaving half circles (exactly on them without noise)', () => {
    const table = generateSynthetic(spec('moons', { n: 200, noise: 0 }));
    expect(table.classes).toEqual(['0', '1']);
    for (let row = 0; row < table.rows; row++) {
      const [x, y] = point(table, row);
      if (table.labels[row] === 0) {
        expect(Math.hypot(x, y)).toBeCloseTo(1, 5);
        expect(y).toBeGreaterThanOrEqual(-1e-6);
      } else {
        expect(Math.hypot(x - 1, y - 0.5)).toBeCloseTo(1, 5);
        expect(y).toBeLessThanOrEqual(0.5 + 1e-6);
      }
    }
  });

  it('blobs: K clusters around centres in [-10, 10]^2, with the standard deviation given as noise', () => {
    const table = generateSynthetic(spec('blobs', { n: 4000, classes: 4, noise: 0.5, seed: 9 }));
    for (let c = 0; c < 4; c++) {
      const rows = [...table.labels.keys()].filter((row) => table.labels[row] === c);
      const xs = rows.map((row) => point(table, row)[0]);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
      expect(Math.abs(mean)).toBeLessThan(10.1);
      expect(std).toBeGreaterThan(0.45);
      expect(std).toBeLessThan(0.55);
    }
  });
});
