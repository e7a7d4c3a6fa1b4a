/**
 * Successive halving's pruning rule, as in Optuna's SuccessiveHalvingPruner (the asynchronous variant of Li et al.,
 * "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020): at a rung, a trial goes on when its value is
 * among the best `max(1, floor(n / factor))` of the `n` values reported at that rung so far, itself included.
 * Asynchronous: no trial waits for others, so early trials are judged against fewer competitors.
 */
export function promotable(value: number, rungValues: readonly number[], direction: 'max' | 'min', factor: number): boolean {
  if (!Number.isFinite(value)) return false;
  const finite = rungValues.filter(Number.isFinite);
  const keep = Math.max(1, Math.floor(finite.length / factor));
  const sorted = [...finite].sort((a, b) => (direction === 'max' ? b - a : a - b));
  const threshold = sorted[Math.min(keep, sorted.length) - 1];
  if (threshold === undefined) return true;
  return direction === 'max' ? value >= threshold : value <= threshold;
}

/** The values reported at each rung epoch, shared by every trial of one sweep. */
export class Rungs {
  private readonly values = new Map<number, number[]>();

  constructor(readonly epochs: readonly number[]) {}

  isRung(epoch: number): boolean {
    return this.epochs.includes(epoch);
  }

  /** Records a trial's value at a rung and says whether the trial may go on. */
  report(epoch: number, value: number, direction: 'max' | 'min', factor: number): boolean {
    const list = this.values.get(epoch) ?? [];
    list.push(value);
    this.values.set(epoch, list);
    return promotable(value, list, direction, factor);
  }

  /** Records a value without a decision (a resumed sweep replaying its finished trials). */
  remember(epoch: number, value: number): void {
    const list = this.values.get(epoch) ?? [];
    list.push(value);
    this.values.set(epoch, list);
  }
}
