import type { SyntheticName, SyntheticSpec } from '../../src-shared/entities/specs';
import type { LabelledTable } from './csv-dataset';

/**
 * The generator behind synthetic datasets (mulberry32, as src-main/training/prng.ts). Kept apart on purpose:
 * `spirals:seed=3` must be the same data in every version of Runboard, whatever the training code's generator becomes.
 */
class SeededRandom {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A standard normal draw (Box-Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    const u = 1 - this.uniform(); // (0, 1]: log(0) would be -Infinity
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }
}

/** `n` split as evenly as possible over `k` classes, the first classes taking one more when it does not divide. */
function perClass(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, c) => Math.floor(n / k) + (c < n % k ? 1 : 0));
}

/** `count` evenly spaced values from `start` to `stop`, both included (numpy's linspace). */
function linspace(start: number, stop: number, count: number, i: number): number {
  return count === 1 ? start : start + ((stop - start) * i) / (count - 1);
}

type Generator = (spec: SyntheticSpec, random: SeededRandom, out: { x: Float32Array; y: Int32Array }) => void;

/**
 * CS231n's spirals: `classes` arms, each with radius 0..1 and an angle that turns 4 radians along the arm,
 * plus Gaussian noise of `noise` radians.
 */
const spirals: Generator = (spec, random, { x, y }) => {
  let row = 0;
  perClass(spec.n, spec.classes).forEach((count, c) => {
    for (let i = 0; i < count; i++, row++) {
      const r = linspace(0, 1, count, i);
      const t = linspace(c * 4, (c + 1) * 4, count, i) + random.normal() * spec.noise;
      x[2 * row] = r * Math.sin(t);
      x[2 * row + 1] = r * Math.cos(t);
      y[row] = c;
    }
  });
};

/** scikit-learn's make_moons: two interleaving half circles (the outer one class 0), plus Gaussian noise of std `noise`. */
const moons: Generator = (spec, random, { x, y }) => {
  const outer = Math.floor(spec.n / 2);
  const inner = spec.n - outer;
  for (let i = 0; i < outer; i++) {
    const a = linspace(0, Math.PI, outer, i);
    x[2 * i] = Math.cos(a) + random.normal() * spec.noise;
    x[2 * i + 1] = Math.sin(a) + random.normal() * spec.noise;
    y[i] = 0;
  }
  for (let i = 0; i < inner; i++) {
    const a = linspace(0, Math.PI, inner, i);
    const row = outer + i;
    x[2 * row] = 1 - Math.cos(a) + random.normal() * spec.noise;
    x[2 * row + 1] = 1 - Math.sin(a) - 0.5 + random.normal() * spec.noise;
    y[row] = 1;
  }
};

/** scikit-learn's make_blobs: `classes` isotropic Gaussian clusters of std `noise`, centres drawn in [-10, 10]^2. */
const blobs: Generator = (spec, random, { x, y }) => {
  const centres = Array.from({ length: spec.classes }, () => [random.uniform() * 20 - 10, random.uniform() * 20 - 10] as const);
  let row = 0;
  perClass(spec.n, spec.classes).forEach((count, c) => {
    const [cx, cy] = centres[c] as readonly [number, number];
    for (let i = 0; i < count; i++, row++) {
      x[2 * row] = cx + random.normal() * spec.noise;
      x[2 * row + 1] = cy + random.normal() * spec.noise;
      y[row] = c;
    }
  });
};

const GENERATORS: Record<SyntheticName, Generator> = { spirals, moons, blobs };

/**
 * The table of a synthetic dataset: `n` rows of 2-D points (features `x0`, `x1`), classes `0`..`K-1` (moons: 2),
 * ordered by class. A pure function of the spec: the same spec gives a byte-identical table.
 */
export function generateSynthetic(spec: SyntheticSpec): LabelledTable {
  const classes = spec.name === 'moons' ? 2 : spec.classes;
  const x = new Float32Array(spec.n * 2);
  const y = new Int32Array(spec.n);
  GENERATORS[spec.name]({ ...spec, classes }, new SeededRandom(spec.seed), { x, y });
  return {
    featureNames: ['x0', 'x1'],
    width: 2,
    features: x,
    labels: y,
    classes: Array.from({ length: classes }, (_, c) => String(c)),
    rows: spec.n,
    testRows: 0,
  };
}

const TITLES: Record<SyntheticName, string> = { spirals: 'Spirals', moons: 'Two moons', blobs: 'Gaussian blobs' };

const DESCRIPTIONS: Record<SyntheticName, (spec: SyntheticSpec) => string> = {
  spirals: (s) => `${s.n} points on ${s.classes} interleaved spiral arms, angle noise ${s.noise}: not linearly separable.`,
  moons: (s) => `${s.n} points on two interleaving half circles, noise ${s.noise}.`,
  blobs: (s) => `${s.n} points in ${s.classes} Gaussian clusters of standard deviation ${s.noise}.`,
};

const ORIGINS: Record<SyntheticName, string> = {
  spirals: 'the spiral dataset of Stanford CS231n',
  moons: "scikit-learn's make_moons",
  blobs: "scikit-learn's make_blobs (centres in [-10, 10])",
};

/** Title, description and provenance of a synthetic dataset, for the catalogue. */
export function describeSynthetic(spec: SyntheticSpec): { title: string; description: string; source: string } {
  const classes = spec.name === 'moons' ? 2 : spec.classes;
  return {
    title: TITLES[spec.name],
    description: DESCRIPTIONS[spec.name]({ ...spec, classes }),
    source:
      `Generated by Runboard from seed ${spec.seed}, as ${ORIGINS[spec.name]}. ` +
      `Options: ${spec.name}:n=${spec.n}${spec.name === 'moons' ? '' : `,classes=${classes}`},noise=${spec.noise},seed=${spec.seed}.`,
  };
}
