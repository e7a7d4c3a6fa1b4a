/**
 * Curve smoothing for charts. Values that are not finite numbers (a missing epoch, a diverged NaN loss) stay gaps in
 * the output (null) and never leak into their neighbours' averages.
 */

/** A value to smooth: null (or a non-finite number) is a gap. */
export type SmoothInput = number | null;

function finite(value: SmoothInput | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Exponential moving average with the start-up bias removed, as TensorBoard does since its issue #610: the EMA starts
 * from 0, so its first values lean towards 0; dividing by 1 - weight^t (t = finite values seen so far) removes that
 * lean, and the first smoothed value equals the first raw value. `weight` is in [0, 1): 0 returns the values as they
 * are, 0.99 smooths hard.
 */
export function emaDebiased(values: readonly SmoothInput[], weight: number): (number | null)[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError('the smoothing weight must be in [0, 1)');
  let ema = 0;
  let seen = 0;
  return values.map((value) => {
    if (!finite(value)) return null;
    seen++;
    ema = weight * ema + (1 - weight) * value;
    return ema / (1 - weight ** seen);
  });
}

/**
 * Centred moving average: each value becomes the mean of the finite values within `window` points centred on it
 * (window/2 on each side, rounded down). Near the ends the window narrows evenly on both sides (the first and last
 * points keep their values), so the ends are not pulled towards the middle of the curve; and unlike a trailing
 * average it does not shift the curve sideways. A window of 1 returns the values.
 */
export function centredMovingAverage(values: readonly SmoothInput[], window: number): (number | null)[] {
  if (!Number.isInteger(window) || window < 1) throw new RangeError('the window must be a whole number of points, at least 1');
  const half = Math.floor(window / 2);
  const n = values.length;
  // Running sums of the finite values and of how many there are, so each mean costs O(1).
  const sums = new Float64Array(n + 1);
  const counts = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const value = values[i];
    const ok = finite(value);
    sums[i + 1] = (sums[i] as number) + (ok ? value : 0);
    counts[i + 1] = (counts[i] as number) + (ok ? 1 : 0);
  }
  return values.map((value, i) => {
    if (!finite(value)) return null;
    const reach = Math.min(half, i, n - 1 - i);
    const from = i - reach;
    const to = i + reach + 1;
    const count = (counts[to] as number) - (counts[from] as number);
    return ((sums[to] as number) - (sums[from] as number)) / count;
  });
}

export type Smoothing = { kind: 'none' } | { kind: 'ema'; weight: number } | { kind: 'centred'; window: number };

/** Applies a smoothing choice. */
export function smooth(values: readonly SmoothInput[], smoothing: Smoothing): (number | null)[] {
  switch (smoothing.kind) {
    case 'none':
      return values.map((v) => (finite(v) ? v : null));
    case 'ema':
      return emaDebiased(values, smoothing.weight);
    case 'centred':
      return centredMovingAverage(values, smoothing.window);
  }
}
