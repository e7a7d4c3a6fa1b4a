import type { Objective, SweepSummary, Trial } from '../entities/sweep';
import { parseParam, type Distribution } from './space';
import { formatMetric } from '../format';

/** A searched hyperparameter as the sweep plots show it. */
export interface PlotParam {
  name: string;
  kind: Distribution['kind'] | 'unknown';
  /** Searched on a log scale (loguniform): a log axis, and logarithms for the importance. */
  log: boolean;
  /** Some value is not a number (an optimizer, `"64,64"` hidden layers): evenly spaced categories. */
  categorical: boolean;
  /** The distinct values in order, for categorical axes. */
  categories: string[];
  /** The searched range of a bounded distribution (loguniform, uniform, int), else null. */
  bounds: { low: number; high: number } | null;
}

/** A trial as the plots draw it: its objective as a finite number (or null), and whether it has ended. */
export interface PlotTrial {
  trial: number;
  runId: number | null;
  status: Trial['status'];
  params: Trial['params'];
  value: number | null;
  /** Finished or pruned: its value is final. */
  done: boolean;
}

export function plotTrials(trials: readonly Trial[]): PlotTrial[] {
  return trials.map((t) => ({
    trial: t.trial,
    runId: t.run_id,
    status: t.status,
    params: t.params,
    value: typeof t.value === 'number' && Number.isFinite(t.value) ? t.value : null,
    done: t.status === 'finished' || t.status === 'pruned',
  }));
}

/** Each searched parameter: its distribution (from the stored text) and the values its trials drew. */
export function plotParams(space: SweepSummary['space'], trials: readonly Trial[]): PlotParam[] {
  return space.map(({ name, distribution }) => {
    const parsed = parseParam(`${name}=${distribution}`);
    const kind = parsed.ok ? parsed.value.distribution.kind : 'unknown';
    const listed = parsed.ok && 'values' in parsed.value.distribution ? parsed.value.distribution.values : [];
    const drawn = trials.map((t) => t.params[name]).filter((v) => v !== undefined && v !== null);
    const all = [...listed, ...drawn];
    const numeric = all.every((v) => typeof v === 'number');
    // Lists (batch sizes 16, 32, 64; optimizers) are categories, evenly spaced; numbers in ascending order.
    const categorical = kind === 'choice' || kind === 'grid' || !numeric;
    const distinct = [...new Set(all.map(String))];
    const categories = categorical ? (numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct) : [];
    const d = parsed.ok ? parsed.value.distribution : null;
    const bounds = d && 'low' in d ? { low: d.low, high: d.high } : null;
    return { name, kind, log: kind === 'loguniform', categorical, categories, bounds };
  });
}

/** A param's value as a plot coordinate: the number itself, or a category's index; null when missing. */
export function coordinate(param: PlotParam, value: Trial['params'][string] | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (param.categorical) {
    const index = param.categories.indexOf(String(value));
    return index < 0 ? null : index;
  }
  return typeof value === 'number' && Number.isFinite(value) && (!param.log || value > 0) ? value : null;
}

/** A sampled value as text: numbers with four significant digits, lists as written. */
export function formatSampled(value: Trial['params'][string] | undefined): string {
  if (typeof value === 'number') return formatMetric(value);
  if (value === undefined || value === null) return '—';
  return String(value);
}

export interface ValueRange {
  min: number;
  max: number;
}

export function valueRange(values: readonly (number | null)[]): ValueRange | null {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return null;
  return { min: Math.min(...finite), max: Math.max(...finite) };
}

/** Viridis (matplotlib's perceptually uniform map), dark purple to yellow; yellow is the best objective. */
export const VIRIDIS = ['#440154', '#482878', '#3e4a89', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'] as const;
export const PENDING_COLOR = '#94a3b8';

function channel(hex: string, at: number): number {
  return parseInt(hex.slice(at, at + 2), 16);
}

/** The colour of a fraction in [0, 1] along viridis. */
export function viridis(fraction: number): string {
  const t = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t));
  const a = VIRIDIS[i] as string;
  const b = VIRIDIS[i + 1] as string;
  const mix = (at: number) => Math.round(channel(a, at) + (channel(b, at) - channel(a, at)) * (t - i));
  return `rgb(${mix(1)}, ${mix(3)}, ${mix(5)})`;
}

/** How good a value is within the range, 0 (worst) to 1 (best), whichever way the objective points. */
export function goodness(value: number, range: ValueRange, direction: Objective['direction']): number {
  if (range.max === range.min) return 1;
  const t = (value - range.min) / (range.max - range.min);
  return direction === 'max' ? t : 1 - t;
}

/** The colour of a trial: viridis by its objective when it has ended with one, grey otherwise. */
export function trialColor(trial: PlotTrial, range: ValueRange | null, direction: Objective['direction']): string {
  if (!trial.done || trial.value === null || !range) return PENDING_COLOR;
  return viridis(goodness(trial.value, range, direction));
}

/** `val_accuracy ↑` / `val_loss ↓` */
export function objectiveLabel(objective: Objective): string {
  return `${objective.metric} ${objective.direction === 'max' ? '↑' : '↓'}`;
}

/** Trials best first: ended trials with a value by the objective, then running, then the rest in trial order. */
export function rankTrials<T extends Pick<Trial, 'trial' | 'status'> & { value: number | null }>(trials: readonly T[], direction: Objective['direction']): T[] {
  const order = (t: T) => (t.value !== null ? 0 : t.status === 'running' || t.status === 'queued' ? 1 : t.status === 'pending' ? 2 : 3);
  return [...trials].sort((a, b) => {
    const oa = order(a);
    const ob = order(b);
    if (oa !== ob) return oa - ob;
    if (oa === 0) return direction === 'max' ? (b.value as number) - (a.value as number) : (a.value as number) - (b.value as number);
    return a.trial - b.trial;
  });
}
