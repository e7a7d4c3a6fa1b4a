import type { Prng } from '../../../src-shared/prng';
import { logGaussMass, truncatedNormalDraw, truncatedNormalLogPdf } from './truncated-normal';

/**
 * One searched parameter as TPE models it, in Optuna's terms: a float (`uniform`), a float searched on a log scale
 * (`loguniform`), an integer (`int`, step 1), or a categorical (`choice` and grid lists; values are their indexes).
 */
export type ParzenDomain = { kind: 'float'; low: number; high: number; log: boolean } | { kind: 'int'; low: number; high: number } | { kind: 'categorical'; size: number };

/** The estimator's settings: Optuna's TPESampler defaults are `DEFAULT_PARZEN_SETTINGS`. */
export interface ParzenSettings {
  /** Adds a wide prior component (centred, as wide as the range; uniform for a categorical). */
  considerPrior: boolean;
  priorWeight: number;
  /** Bounds each component's width below by range / min(100, components). */
  considerMagicClip: boolean;
  /** Lets the outermost observations' widths reach to the bounds. */
  considerEndpoints: boolean;
  /** The weight of each of `n` observations, oldest first. */
  weights(n: number): number[];
}

/**
 * Optuna's `default_weights`: equal weights up to 25 observations; beyond, the 25 newest keep weight 1 and older ones
 * ramp linearly from 1/n up to 1, so the search forgets slowly what it saw first.
 */
export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  return [...linspace(1 / n, 1, n - 25), ...new Array<number>(25).fill(1)];
}

/** numpy's linspace: `count` evenly spaced values from start to stop, both included. */
function linspace(start: number, stop: number, count: number): number[] {
  if (count <= 0) return [];
  if (count === 1) return [start];
  return Array.from({ length: count }, (_, i) => start + (i * (stop - start)) / (count - 1));
}

export const DEFAULT_PARZEN_SETTINGS: ParzenSettings = { considerPrior: true, priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights };

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** log(sum(exp(values))). */
function logSumExp(values: readonly number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return Math.log(sum) + max;
}

/** Index drawn from a discrete distribution `p` (summing to 1) with a uniform draw. */
function drawIndex(p: readonly number[], u: number): number {
  // As numpy's `choice` and Optuna's categorical draw: the first index whose cumulative mass exceeds u.
  let cumulative = 0;
  for (let i = 0; i < p.length; i++) {
    cumulative += p[i] as number;
    if (u < cumulative) return i;
  }
  return p.length - 1;
}

/**
 * A univariate Parzen estimator as Optuna 3.x builds it (`optuna/samplers/_tpe/parzen_estimator.py`, univariate):
 * a weighted mixture with one component per observation plus a prior. Numbers are modelled in "internal" units
 * (the logarithm for a log-scale float; integers widened by half a step at each end), each observation a normal
 * truncated to the range, its width the larger distance to its neighbours (the outermost use their inner
 * neighbour), clipped to [range / min(100, components), range]. A categorical's component puts 1 more than the prior
 * share on its observed value. Values outside: external (the parameter's own values; categoricals as indexes).
 */
export class ParzenEstimator {
  /** Mixture weights, summing to 1: one per observation (oldest first), then the prior's. */
  readonly weights: number[];
  /** Numerical: each component's centre and width in internal units, and the range it is truncated to. */
  readonly mus: number[] = [];
  readonly sigmas: number[] = [];
  readonly low: number = 0;
  readonly high: number = 0;
  /** Categorical: each component's probability of each value. */
  readonly categoricalWeights: number[][] = [];

  constructor(
    observations: readonly number[],
    readonly domain: ParzenDomain,
    settings: ParzenSettings = DEFAULT_PARZEN_SETTINGS,
  ) {
    const n = observations.length;
    const considerPrior = settings.considerPrior || n === 0;
    const raw = settings.weights(n).slice(0, n);
    if (raw.some((w) => !(w >= 0) || !Number.isFinite(w)) || (raw.length > 0 && raw.reduce((a, b) => a + b, 0) <= 0)) {
      throw new Error(`The weights function returned ${JSON.stringify(raw)} for ${n} observations: weights must be finite, not negative, not all 0.`);
    }
    const weights = considerPrior ? [...raw, settings.priorWeight] : raw;
    const total = weights.reduce((a, b) => a + b, 0);
    this.weights = weights.map((w) => w / total);

    if (domain.kind === 'categorical') {
      const share = settings.priorWeight / (considerPrior ? n + 1 : n);
      const rows = considerPrior ? n + 1 : n;
      for (let i = 0; i < rows; i++) {
        const row = new Array<number>(domain.size).fill(share);
        if (i < n) row[observations[i] as number] = (row[observations[i] as number] as number) + 1;
        const sum = row.reduce((a, b) => a + b, 0);
        this.categoricalWeights.push(row.map((w) => w / sum));
      }
      return;
    }

    const [low, high] = domain.kind === 'int' ? [domain.low - 0.5, domain.high + 0.5] : domain.log ? [Math.log(domain.low), Math.log(domain.high)] : [domain.low, domain.high];
    if (!(low < high)) throw new Error(`A Parzen estimator needs a range: [${domain.low}, ${domain.high}] has nothing between its bounds.`);
    this.low = low;
    this.high = high;
    const mus = observations.map((x) => this.toInternal(x));
    if (considerPrior) mus.push(0.5 * (low + high));
    this.mus = mus;

    const order = mus.map((_, i) => i).sort((a, b) => (mus[a] as number) - (mus[b] as number) || a - b);
    const sorted = [low, ...order.map((i) => mus[i] as number), high];
    const sortedSigmas = order.map((_, k) => Math.max((sorted[k + 1] as number) - (sorted[k] as number), (sorted[k + 2] as number) - (sorted[k + 1] as number)));
    if (!settings.considerEndpoints && sorted.length >= 4) {
      sortedSigmas[0] = (sorted[2] as number) - (sorted[1] as number);
      sortedSigmas[sortedSigmas.length - 1] = (sorted[sorted.length - 2] as number) - (sorted[sorted.length - 3] as number);
    }
    const sigmas = new Array<number>(mus.length);
    order.forEach((index, k) => (sigmas[index] = sortedSigmas[k] as number));
    const maxSigma = high - low;
    const minSigma = settings.considerMagicClip ? (high - low) / Math.min(100, 1 + mus.length) : 1e-12;
    this.sigmas = sigmas.map((s) => Math.min(Math.max(s, minSigma), maxSigma));
    if (considerPrior) this.sigmas[n] = high - low;
  }

  /** A value in internal units: the log of a log-scale float, clamped to the range (a round trip through exp may step out). */
  private toInternal(value: number): number {
    const x = this.domain.kind === 'float' && this.domain.log ? Math.log(value) : value;
    return this.domain.kind === 'categorical' ? x : Math.min(Math.max(x, this.low), this.high);
  }

  private toExternal(x: number): number {
    const domain = this.domain;
    if (domain.kind === 'float') return domain.log ? Math.exp(x) : x;
    if (domain.kind === 'int') return Math.min(Math.max(roundHalfEven(x - domain.low) + domain.low, domain.low), domain.high);
    return x;
  }

  /** `size` draws: a component by weight for each, then a value from it (as Optuna: all components first, then the values). */
  sample(rng: Prng, size: number): number[] {
    const active = Array.from({ length: size }, () => drawIndex(this.weights, rng.next()));
    if (this.domain.kind === 'categorical') return active.map((j) => drawIndex(this.categoricalWeights[j] as number[], rng.next()));
    return active.map((j) => this.toExternal(truncatedNormalDraw(rng.next(), this.low, this.high, this.mus[j] as number, this.sigmas[j] as number)));
  }

  /**
   * The mixture's log density (log probability for an integer or a categorical) at each value. A float's density is
   * in internal units (per unit of log for a log-scale float), with each component's 1/sigma, as Optuna has it since
   * 3.5 (3.1 to 3.4 left 1/sigma out: optuna#5109).
   */
  logPdf(values: readonly number[]): number[] {
    const logWeights = this.weights.map(Math.log);
    const domain = this.domain;
    if (domain.kind === 'categorical') {
      return values.map((v) => Math.log(this.categoricalWeights.reduce((sum, row, j) => sum + (this.weights[j] as number) * (row[v] as number), 0)));
    }
    return values.map((value) => {
      const x = this.toInternal(value);
      const terms = this.mus.map((mu, j) => {
        const sigma = this.sigmas[j] as number;
        let logDensity: number;
        if (domain.kind === 'int') {
          const lower = Math.max(x - 0.5, this.low);
          const upper = Math.min(x + 0.5, this.high);
          logDensity = logGaussMass((lower - mu) / sigma, (upper - mu) / sigma) - logGaussMass((this.low - mu) / sigma, (this.high - mu) / sigma);
        } else {
          logDensity = truncatedNormalLogPdf(x, this.low, this.high, mu, sigma);
        }
        return (logWeights[j] as number) + logDensity;
      });
      return logSumExp(terms);
    });
  }
}
