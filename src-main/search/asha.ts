/**
 * Successive halving's pruning rule, as in Optuna's SuccessiveHalvingPruner (the asynchronous variant of Li et al.,
 * "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020): at a rung, a trial goes on when its value is
 * among the best `max(1, floor(n / factor))` of the `n` finite values reported at that rung so far, itself included.
 * Asynchronous: no trial waits for others, so early trials are judged against fewer competitors (the first trial at a
 * rung always goes on). A value that is not finite (NaN, a diverged loss) never goes on, as in Optuna.
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

/** The values reported at each rung epoch, shared by every trial of one sweep, and the sweep's rule to judge them. */
export class Rungs {
  private readonly values = new Map<number, number[]>();

  constructor(
    readonly epochs: readonly number[],
    private readonly direction: 'max' | 'min',
    private readonly factor: number,
  ) {}

  isRung(epoch: number): boolean {
    return this.epochs.includes(epoch);
  }

  /**
   * Records a trial's objective at a rung and says whether the trial may go on. A trial that did not report the
   * objective at its rung (`undefined`: its epoch was cut short by a diverging loss) cannot be shown to be among the
   * best, so it does not go on; like a NaN, it does not count against the trials that come after it.
   */
  report(epoch: number, value: number | undefined): boolean {
    if (value === undefined) return false;
    this.remember(epoch, value);
    return promotable(value, this.valuesAt(epoch), this.direction, this.factor);
  }

  /** Records a value without a decision (a resumed sweep replaying its finished trials). */
  remember(epoch: number, value: number): void {
    const list = this.values.get(epoch) ?? [];
    list.push(value);
    this.values.set(epoch, list);
  }

  /** The values recorded at a rung so far, in the order they came. */
  valuesAt(epoch: number): readonly number[] {
    return this.values.get(epoch) ?? [];
  }
}
