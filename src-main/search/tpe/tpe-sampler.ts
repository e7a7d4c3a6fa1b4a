import { Prng } from '../../../src-shared/prng';
import { formatDistribution, randomTrial, type Distribution, type ParamValue, type SearchSpace } from '../../../src-shared/search/space';
import { DEFAULT_PARZEN_SETTINGS, ParzenEstimator, type ParzenDomain, type ParzenSettings } from './parzen-estimator';

/**
 * What TPE learns from: one earlier trial (or a warm-start run) with its params.
 * - `complete`: it ran to its last epoch; `value` is its objective.
 * - `pruned`: successive halving stopped it; `value` is the objective at its last epoch `step` (its rung), as Optuna
 *   ranks a pruned trial by its last intermediate value: after every complete trial, deeper rungs first, then by value.
 *   A value that is not finite ranks last at its step. With no value at all it ranks after every pruned one.
 * - `running`: started, not ended (Optuna's `constant_liar`): it counts as the worst of all, so that trials running
 *   at once do not all crowd the same promising spot; its value is ignored.
 */
export interface TpeObservation {
  /** Its values by name; a null or missing one is left out of that parameter's estimators. */
  params: Readonly<Record<string, ParamValue | null>>;
  state: 'complete' | 'pruned' | 'running';
  value: number | null;
  step?: number;
}

/** TPE's settings; `DEFAULT_TPE_SETTINGS` are Optuna 3.x TPESampler's defaults. */
export interface TpeSettings extends ParzenSettings {
  /** Random trials (as random search draws them) until this many trials are complete or pruned. */
  startupTrials: number;
  /** Candidates drawn from l(x) for each parameter; the one with the best l(x)/g(x) is suggested. */
  candidates: number;
  /** How many of `n` ranked observations make the "good" group l(x). */
  gamma(n: number): number;
}

/** Optuna's `default_gamma`: the best 10%, rounded up, at most 25. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

export const DEFAULT_TPE_SETTINGS: TpeSettings = { ...DEFAULT_PARZEN_SETTINGS, startupTrials: 10, candidates: 24, gamma: defaultGamma };

/** An observation's rank key, Optuna's `(-step, sign * value)`: lower is better, compared step first. */
function rankKey(observation: TpeObservation, direction: 'max' | 'min'): [number, number] {
  const sign = direction === 'min' ? 1 : -1;
  if (observation.state === 'complete') return [-Infinity, sign * (observation.value as number)];
  if (observation.state === 'running') return [Infinity, Infinity];
  if (observation.value === null || observation.step === undefined) return [1, 0];
  return [-observation.step, Number.isNaN(observation.value) ? Infinity : sign * observation.value];
}

/**
 * The "good" and "bad" observations, as Optuna's `_split_observation_pairs`: ranked by `rankKey` (ties kept in
 * order), the best `gamma(n)` are below, where n counts the complete and pruned ones only; each group stays in
 * chronological order (the weights favour the newest).
 */
export function splitObservations(observations: readonly TpeObservation[], direction: 'max' | 'min', gamma: (n: number) => number = defaultGamma): { below: number[]; above: number[] } {
  const keyed = observations.map((o, i) => ({ i, key: rankKey(o, direction) }));
  const n = keyed.filter((o) => o.key[0] < Infinity).length;
  const ranked = keyed.sort((a, b) => compareKeys(a.key, b.key) || a.i - b.i);
  const cut = gamma(n);
  return { below: ranked.slice(0, cut).map((o) => o.i).sort((a, b) => a - b), above: ranked.slice(cut).map((o) => o.i).sort((a, b) => a - b) };
}

function compareKeys(a: [number, number], b: [number, number]): number {
  // numpy sorts NaN last; Infinity - Infinity is NaN, so compare rather than subtract.
  for (let k = 0; k < 2; k++) {
    const x = a[k] as number;
    const y = b[k] as number;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

/** The one value of a distribution with nothing to search (`uniform(1,1)`, `choice(adam)`), or null. */
export function singleValue(distribution: Distribution): ParamValue | null {
  if (distribution.kind === 'choice' || distribution.kind === 'grid') return distribution.values.length === 1 ? (distribution.values[0] as ParamValue) : null;
  return distribution.low === distribution.high ? distribution.low : null;
}

/** How TPE models a distribution: Optuna's Float (log or not), Int (step 1) or Categorical. */
export function parzenDomain(distribution: Distribution): ParzenDomain {
  switch (distribution.kind) {
    case 'uniform':
      return { kind: 'float', low: distribution.low, high: distribution.high, log: false };
    case 'loguniform':
      return { kind: 'float', low: distribution.low, high: distribution.high, log: true };
    case 'int':
      return { kind: 'int', low: distribution.low, high: distribution.high };
    case 'choice':
    case 'grid':
      return { kind: 'categorical', size: distribution.values.length };
  }
}

/** A param's value as the estimator takes it (a categorical's index), or null when it is not one the space can give. */
export function internalValue(distribution: Distribution, value: ParamValue | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (distribution.kind === 'choice' || distribution.kind === 'grid') {
    const index = distribution.values.findIndex((v) => v === value);
    return index < 0 ? null : index;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < distribution.low || value > distribution.high) return null;
  if (distribution.kind === 'int' && !Number.isInteger(value)) return null;
  return value;
}

/** Why TPE cannot search this space (every parameter has one value), or null when it can. */
export function tpeSpaceProblem(space: SearchSpace): string | null {
  if (space.length > 0 && space.every((p) => singleValue(p.distribution) !== null)) {
    return `TPE has nothing to search: every parameter has a single value (${space.map((p) => `${p.name}=${formatDistribution(p.distribution)}`).join(', ')}); give at least one a range or several choices`;
  }
  return null;
}

/**
 * The params TPE suggests for trial `index` (from 0) of a sweep with this `seed`, given what is known of the other
 * trials (`history`, oldest first: warm-start runs, then trials in order). Optuna 3.x's univariate TPE with its
 * defaults: until `startupTrials` observations are complete or pruned, the trial is the one random search would draw
 * (`randomTrial`, so the same seed starts alike); after, for each parameter independently, the observations are split
 * into the best gamma(n) and the rest, a Parzen estimator is fitted to each (l and g), `candidates` values are drawn
 * from l, and the one maximising log l(x) - log g(x) is taken. Pure: the same space, history, seed and index give the
 * same params (the generator is derived from the seed and the index).
 */
export function suggestTpe(
  space: SearchSpace,
  history: readonly TpeObservation[],
  direction: 'max' | 'min',
  seed: number,
  index: number,
  settings: TpeSettings = DEFAULT_TPE_SETTINGS,
): Record<string, ParamValue> {
  const known = history.filter((o) => o.state !== 'complete' || (o.value !== null && !Number.isNaN(o.value)));
  const n = known.filter((o) => o.state !== 'running').length;
  if (n < settings.startupTrials) return randomTrial(space, seed, index);
  const { below, above } = splitObservations(known, direction, settings.gamma);
  // The same derivation as randomTrial's, salted apart, so TPE's draws never repeat random search's.
  const rng = new Prng(seed).fork(index + 1).fork(0x7e5);
  const out: Record<string, ParamValue> = {};
  for (const param of space) {
    const single = singleValue(param.distribution);
    if (single !== null) {
      out[param.name] = single;
      continue;
    }
    const values = (indexes: number[]) =>
      indexes.map((i) => internalValue(param.distribution, known[i]?.params[param.name])).filter((v): v is number => v !== null);
    const domain = parzenDomain(param.distribution);
    const good = new ParzenEstimator(values(below), domain, settings);
    const bad = new ParzenEstimator(values(above), domain, settings);
    const candidates = good.sample(rng, settings.candidates);
    const logL = good.logPdf(candidates);
    const logG = bad.logPdf(candidates);
    let best = 0;
    for (let i = 1; i < candidates.length; i++) if ((logL[i] as number) - (logG[i] as number) > (logL[best] as number) - (logG[best] as number)) best = i;
    const chosen = candidates[best] as number;
    out[param.name] = param.distribution.kind === 'choice' || param.distribution.kind === 'grid' ? (param.distribution.values[chosen] as ParamValue) : chosen;
  }
  return out;
}
