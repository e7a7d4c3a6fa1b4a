import { EARLY_STOPPING_DEFAULTS, parseEarlyStopping } from './entities/specs';

/**
 * Where a run starts to overfit, by early stopping's rule plus evidence that the rise is real:
 *
 * 1. Validation loss has not improved on its best by more than `minDelta` for `patience` epochs (what makes early
 *    stopping stop; the best epoch is found as the training loop finds it: a later epoch replaces it only when it is
 *    lower by more than `minDelta`).
 * 2. Its level now (the median of the last LEVEL_EPOCHS epochs after the best) sits above its level around the best
 *    (the median of the best epoch and the two on each side) by more than NOISE_FACTOR times the epoch-to-epoch noise
 *    of validation loss since then, and by more than MIN_RELATIVE_RISE of the best value.
 * 3. Training loss still falls: its median over those last epochs is below its value at the best epoch (when both
 *    rise, the run diverges; that is not overfitting).
 *
 * Medians, not single epochs, so that one noisy epoch neither raises nor silences the marker. The onset is the best
 * epoch of the first time the rule holds, and it stays there while the run trains, unless validation loss later beats
 * that best by more than `minDelta` (the run was not overfitting after all; the search starts again from there). So a
 * running run shows no marker until the rule holds, then one marker that does not move.
 */

/** Early stopping's two numbers, as the overfitting rule uses them. */
export interface OverfittingRule {
  /** Epochs without improvement before the rule can hold (from 1). */
  patience: number;
  /** An improvement must be larger than this (in loss units, from 0) to count. */
  minDelta: number;
}

/** For runs without early stopping: early stopping's defaults, so that the marker and `--early-stopping 5` agree. */
export const DEFAULT_OVERFITTING_RULE: OverfittingRule = { patience: EARLY_STOPPING_DEFAULTS.patience, minDelta: EARLY_STOPPING_DEFAULTS.minDelta };

/** How many robust standard deviations of epoch-to-epoch noise the rise must exceed. */
export const NOISE_FACTOR = 3;
/** The rise must also exceed this fraction of the best validation loss (smooth curves have next to no noise). */
export const MIN_RELATIVE_RISE = 0.01;
/** Epochs whose median is a level: the last ones for the level now; the best and two on each side for the best's level. */
const LEVEL_EPOCHS = 5;
const AROUND_BEST = 2;

/** The rule a run is judged by: its own early stopping (`5`, `10:0.001`), or early stopping's defaults when off or unreadable. */
export function overfittingRuleOf(earlyStopping: unknown): OverfittingRule {
  if (typeof earlyStopping !== 'string') return DEFAULT_OVERFITTING_RULE;
  const parsed = parseEarlyStopping(earlyStopping);
  return parsed.ok && parsed.value ? { patience: parsed.value.patience, minDelta: parsed.value.minDelta } : DEFAULT_OVERFITTING_RULE;
}

/** The rule in words, for tooltips. */
export function describeOverfittingRule(rule: OverfittingRule): string {
  return (
    `Early stopping's rule: validation loss has not improved on its best by more than ${rule.minDelta} for ${rule.patience} epochs ` +
    `(patience ${rule.patience}, min-delta ${rule.minDelta}); and its median over the last ${LEVEL_EPOCHS} epochs is above its level around the best ` +
    `by more than ${NOISE_FACTOR}× its epoch-to-epoch noise and ${MIN_RELATIVE_RISE * 100}%, while training loss still falls.`
  );
}

/**
 * The epoch (from 1) from which a run overfits, or null. The arrays hold one value per epoch, epoch 1 first (NaN for
 * a missing one); `epochs` names the epoch of each value when they are not 1, 2, 3... (a downsampled series).
 */
export function overfittingOnset(
  trainLoss: readonly number[],
  valLoss: readonly number[],
  rule: OverfittingRule = DEFAULT_OVERFITTING_RULE,
  epochs?: readonly number[],
): number | null {
  const n = Math.min(trainLoss.length, valLoss.length);
  const epochOf = (i: number): number => epochs?.[i] ?? i + 1;
  let best = -1;
  let onset: number | null = null;
  for (let i = 0; i < n; i++) {
    const value = valLoss[i] as number;
    if (!Number.isFinite(value)) continue;
    if (best < 0 || value < (valLoss[best] as number) - rule.minDelta) {
      best = i;
      onset = null;
      continue;
    }
    if (onset === null && epochOf(i) - epochOf(best) >= rule.patience && risen(trainLoss, valLoss, best, i, rule)) onset = epochOf(best);
  }
  return onset;
}

/** Conditions 2 and 3 of the rule, at value `now` (an index), for the best at index `best`. */
function risen(trainLoss: readonly number[], valLoss: readonly number[], best: number, now: number, rule: OverfittingRule): boolean {
  const recent = Math.max(best + 1, now - LEVEL_EPOCHS + 1);
  const levelNow = median(valLoss.slice(recent, now + 1));
  const levelAtBest = median(valLoss.slice(Math.max(0, best - AROUND_BEST), best + AROUND_BEST + 1));
  const bestValue = valLoss[best] as number;
  const threshold = Math.max(rule.minDelta, NOISE_FACTOR * noise(valLoss.slice(Math.max(0, best - AROUND_BEST), now + 1)), MIN_RELATIVE_RISE * Math.abs(bestValue));
  const trainNow = median(trainLoss.slice(recent, now + 1));
  const trainAtBest = trainLoss[best] as number;
  return levelNow - levelAtBest > threshold && Number.isFinite(trainAtBest) && trainNow < trainAtBest;
}

/** The median of the finite values; NaN when there are none. */
function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * A robust standard deviation of a curve's epoch-to-epoch noise: each value against the mean of its two neighbours
 * (which removes a straight trend), scaled so that white noise of deviation s gives about s (median absolute
 * deviation: 1.4826; a value minus its neighbours' mean has 1.5 times the variance). Zero for fewer than 3 values.
 */
function noise(values: readonly number[]): number {
  const residuals: number[] = [];
  for (let i = 1; i < values.length - 1; i++) {
    const residual = (values[i] as number) - ((values[i - 1] as number) + (values[i + 1] as number)) / 2;
    if (Number.isFinite(residual)) residuals.push(Math.abs(residual));
  }
  return residuals.length === 0 ? 0 : (1.4826 * median(residuals)) / Math.sqrt(1.5);
}

/** Training minus validation accuracy: how much better the model does on data it has seen. */
export function generalisationGap(trainAccuracy: number | undefined, valAccuracy: number | undefined): number | null {
  if (trainAccuracy === undefined || valAccuracy === undefined || !Number.isFinite(trainAccuracy) || !Number.isFinite(valAccuracy)) return null;
  return trainAccuracy - valAccuracy;
}
