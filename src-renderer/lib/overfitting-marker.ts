import { fromMetricValue, type MetricPoint, type RunSummary } from '../../src-shared/entities/run';
import { overfittingOnset, overfittingRuleOf, type OverfittingRule } from '../../src-shared/overfitting';

/**
 * The epoch from which a run overfits (src-shared/overfitting.ts says the rule), from its charted series. Points are
 * matched by epoch, so a downsampled series still names a real epoch and its patience still counts epochs.
 */
export function overfittingEpoch(trainLoss: readonly MetricPoint[], valLoss: readonly MetricPoint[], rule: OverfittingRule): number | null {
  const train = new Map(trainLoss.map((p) => [p.step, fromMetricValue(p.value)]));
  const steps = valLoss.map((p) => p.step).filter((step) => train.has(step));
  const val = new Map(valLoss.map((p) => [p.step, fromMetricValue(p.value)]));
  return overfittingOnset(
    steps.map((step) => train.get(step) as number),
    steps.map((step) => val.get(step) as number),
    rule,
    steps,
  );
}

/** The rule a run is judged by: its own early stopping's patience and min-delta, or early stopping's defaults. */
export function ruleOf(run: Pick<RunSummary, 'params'>): OverfittingRule {
  return overfittingRuleOf(run.params['early_stopping']);
}

/** Where a run overfits, by its own rule; never for a sanity check, which overfits its one batch by design. */
export function runOverfittingEpoch(run: Pick<RunSummary, 'params' | 'kind'>, metrics: { points(key: string): readonly MetricPoint[] }): number | null {
  if (run.kind === 'sanity') return null;
  return overfittingEpoch(metrics.points('train_loss'), metrics.points('val_loss'), ruleOf(run));
}

/** Whether a series holds more than one distinct finite value (a learning rate that follows a schedule). */
export function varies(points: readonly MetricPoint[]): boolean {
  let first: number | null = null;
  for (const point of points) {
    const value = fromMetricValue(point.value);
    if (!Number.isFinite(value)) continue;
    if (first === null) first = value;
    else if (Math.abs(value - first) > 1e-12 * Math.max(1, Math.abs(first))) return true;
  }
  return false;
}
