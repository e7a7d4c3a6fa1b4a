import { fromMetricValue, type MetricPoint } from '../../src-shared/entities/run';
import { overfittingOnset } from '../../src-shared/overfitting';

/**
 * The epoch from which a run overfits (validation loss keeps rising while training loss keeps falling), from its
 * charted series. Points are matched by epoch, so a downsampled series still names a real epoch.
 */
export function overfittingEpoch(trainLoss: readonly MetricPoint[], valLoss: readonly MetricPoint[]): number | null {
  const train = new Map(trainLoss.map((p) => [p.step, fromMetricValue(p.value)]));
  const steps = valLoss.map((p) => p.step).filter((step) => train.has(step));
  const val = new Map(valLoss.map((p) => [p.step, fromMetricValue(p.value)]));
  const onset = overfittingOnset(
    steps.map((step) => train.get(step) as number),
    steps.map((step) => val.get(step) as number),
  );
  return onset === null ? null : (steps[onset - 1] ?? null);
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
