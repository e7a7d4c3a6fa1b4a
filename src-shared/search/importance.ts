import { Prng } from '../prng';

/**
 * Hyperparameter importance, as W&B shows it: a random forest (Breiman, "Random Forests", Machine Learning 45, 2001)
 * is fitted to predict the objective from the hyperparameters, and each hyperparameter's importance is its mean
 * decrease in impurity (variance) over the forest's splits, normalised to sum to 1 (scikit-learn's
 * `feature_importances_`). Beside it, the Pearson correlation of each (encoded) hyperparameter with the objective.
 * Numbers searched on a log scale are encoded by their logarithm; other values by their rank in sorted order.
 */
export interface ImportanceResult {
  method: string;
  params: { name: string; importance: number; correlation: number | null }[];
  /** Trials that had a finite objective and so were used. */
  trials: number;
}

export const IMPORTANCE_METHOD = 'random-forest mean decrease in impurity (Breiman 2001), 64 trees';

interface Node {
  feature: number;
  threshold: number;
  left: Node | null;
  right: Node | null;
}

function variance(values: readonly number[], rows: readonly number[]): number {
  if (rows.length === 0) return 0;
  let sum = 0;
  for (const r of rows) sum += values[r] as number;
  const mean = sum / rows.length;
  let sq = 0;
  for (const r of rows) sq += ((values[r] as number) - mean) ** 2;
  return sq / rows.length;
}

/**
 * Grows one regression tree, adding each split's weighted impurity decrease to `gain[feature]`. Each node sorts its
 * rows once per feature and scores every split from running sums, so a node costs O(features * n log n).
 */
function grow(x: number[][], y: number[], rows: number[], depth: number, gain: number[], total: number): Node | null {
  if (depth === 0 || rows.length < 4) return null;
  const parent = variance(y, rows);
  if (parent === 0) return null;
  const n = rows.length;
  let best: { feature: number; threshold: number; decrease: number; at: number; order: number[] } | null = null;
  const features = (x[0] ?? []).length;
  for (let f = 0; f < features; f++) {
    const order = [...rows].sort((a, b) => (x[a]?.[f] as number) - (x[b]?.[f] as number));
    let totalSum = 0;
    let totalSq = 0;
    for (const r of order) {
      totalSum += y[r] as number;
      totalSq += (y[r] as number) ** 2;
    }
    let leftSum = 0;
    let leftSq = 0;
    for (let i = 1; i < n; i++) {
      const moved = y[order[i - 1] as number] as number;
      leftSum += moved;
      leftSq += moved * moved;
      const lo = x[order[i - 1] as number]?.[f] as number;
      const hi = x[order[i] as number]?.[f] as number;
      if (lo === hi || i < 2 || n - i < 2) continue;
      const rightSum = totalSum - leftSum;
      const rightSq = totalSq - leftSq;
      // n * variance = sum of squares - sum^2 / count, for each side.
      const impurity = (leftSq - (leftSum * leftSum) / i + (rightSq - (rightSum * rightSum) / (n - i))) / n;
      const decrease = parent - impurity;
      if (!best || decrease > best.decrease) best = { feature: f, threshold: (lo + hi) / 2, decrease, at: i, order };
    }
  }
  if (!best || best.decrease <= 1e-15) return null;
  gain[best.feature] = (gain[best.feature] as number) + (best.decrease * n) / total;
  return {
    feature: best.feature,
    threshold: best.threshold,
    left: grow(x, y, best.order.slice(0, best.at), depth - 1, gain, total),
    right: grow(x, y, best.order.slice(best.at), depth - 1, gain, total),
  };
}

function pearson(a: readonly number[], b: readonly number[]): number | null {
  const n = a.length;
  if (n < 3) return null;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += ((a[i] as number) - ma) * ((b[i] as number) - mb);
    va += ((a[i] as number) - ma) ** 2;
    vb += ((b[i] as number) - mb) ** 2;
  }
  return va === 0 || vb === 0 ? null : cov / Math.sqrt(va * vb);
}

/** Encodes one hyperparameter's values as numbers: logarithms for log-scale numbers, ranks for everything else. */
export function encodeParam(values: readonly (string | number | boolean | null)[], logScale: boolean): number[] {
  if (values.every((v) => typeof v === 'number')) return (values as number[]).map((v) => (logScale && v > 0 ? Math.log10(v) : v));
  const distinct = [...new Set(values.map((v) => String(v)))].sort();
  return values.map((v) => distinct.indexOf(String(v)));
}

/**
 * Importance of each hyperparameter for the objective, from the trials with a finite objective. `logScale` names
 * the parameters searched on a log scale (loguniform).
 */
export function hyperparameterImportance(
  trials: readonly { params: Record<string, string | number | boolean | null>; value: number }[],
  names: readonly string[],
  logScale: ReadonlySet<string> = new Set(),
  seed = 0,
): ImportanceResult {
  const usable = trials.filter((t) => Number.isFinite(t.value));
  const columns = names.map((name) => encodeParam(usable.map((t) => t.params[name] ?? null), logScale.has(name)));
  const x = usable.map((_, i) => columns.map((column) => column[i] as number));
  const y = usable.map((t) => t.value);
  const gain = new Array<number>(names.length).fill(0);
  const rng = new Prng(seed);
  const TREES = 64;
  if (usable.length >= 4) {
    for (let t = 0; t < TREES; t++) {
      const sample = Array.from({ length: usable.length }, () => rng.nextInt(usable.length));
      grow(x, y, sample, 6, gain, usable.length);
    }
  }
  const total = gain.reduce((a, b) => a + b, 0);
  return {
    method: IMPORTANCE_METHOD,
    params: names
      .map((name, i) => ({ name, importance: total > 0 ? (gain[i] as number) / total : 0, correlation: pearson(columns[i] as number[], y) }))
      .sort((a, b) => b.importance - a.importance),
    trials: usable.length,
  };
}
