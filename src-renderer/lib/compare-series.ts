import { fromMetricValue, type MetricPoint, type RunSummary } from '../../src-shared/entities/run';
import { smooth, type Smoothing } from '../../src-shared/smoothing';
import { runColor, type ChartPoint } from './chart-series';
import { runOverfittingEpoch } from './overfitting-marker';
import type { XAxis } from './state/compare-settings.svelte';
import type { RunMetrics } from './state/run-metrics.svelte';

/** The most runs Compare overlays at once (the metrics cache holds this many runs' curves). */
export const MAX_COMPARED = 200;

/** One compared run's curve of one metric: the raw points, the smoothed ones when smoothing is on. */
export interface OverlayLine {
  runId: number;
  label: string;
  color: string;
  raw: readonly ChartPoint[];
  /** Null without smoothing. */
  smoothed: readonly ChartPoint[] | null;
  /** Where the run starts to overfit, on this chart's axes (loss charts only). */
  onset: { x: number; y: number; epoch: number } | null;
}

/** Readable titles for the usual metrics; others show their key. */
const TITLES: Record<string, string> = {
  val_loss: 'Validation loss',
  val_accuracy: 'Validation accuracy',
  train_loss: 'Training loss',
  train_accuracy: 'Training accuracy',
  test_loss: 'Test loss',
  test_accuracy: 'Test accuracy',
  lr: 'Learning rate',
};

export function metricTitle(key: string): string {
  return TITLES[key] ?? key;
}

export function xAxisLabel(axis: XAxis): string {
  return axis === 'epoch' ? 'epoch' : 'time since the run started';
}

/** The x of a point: its epoch, or the seconds since the run started. */
function xOf(point: MetricPoint, axis: XAxis, start: number): number {
  return axis === 'epoch' ? point.step : (point.time - start) / 1000;
}

/**
 * The compared runs' curves of one metric, in the runs' order (one colour each), smoothed as asked. Series come from
 * the metrics cache, whose reads carry the point budget, so no curve is longer than that budget.
 */
export function overlayLines(runs: readonly RunSummary[], series: readonly RunMetrics[], metric: string, axis: XAxis, smoothing: Smoothing): OverlayLine[] {
  return runs.map((run, index) => {
    const metrics = series[index];
    const points = metrics?.points(metric) ?? [];
    const start = run.started_at ?? points[0]?.time ?? 0;
    const values = points.map((p) => fromMetricValue(p.value));
    const raw = points.map((p, i) => ({ x: xOf(p, axis, start), y: Number.isFinite(values[i]) ? (values[i] as number) : null }));
    const smoothedValues = smoothing.kind === 'none' ? null : smooth(values, smoothing);
    const smoothed = smoothedValues ? raw.map((p, i) => ({ x: p.x, y: smoothedValues[i] ?? null })) : null;
    let onset: OverlayLine['onset'] = null;
    if (metrics && /loss/.test(metric)) {
      const epoch = runOverfittingEpoch(run, metrics);
      const at = epoch === null ? -1 : points.findIndex((p) => p.step === epoch);
      const y = at < 0 ? null : ((smoothed ?? raw)[at]?.y ?? null);
      if (epoch !== null && at >= 0 && y !== null) onset = { x: raw[at]?.x as number, y, epoch };
    }
    return { runId: run.run_id, label: `#${run.run_id} ${run.name}`, color: runColor(index, runs.length), raw, smoothed, onset };
  });
}

/** Metric keys the compared runs logged, the usual ones first. */
export function availableMetrics(series: readonly RunMetrics[]): string[] {
  const keys = new Set<string>();
  for (const s of series) for (const key of Object.keys(s.series)) keys.add(key);
  const usual = Object.keys(TITLES).filter((k) => keys.has(k));
  return [...usual, ...[...keys].filter((k) => !usual.includes(k)).sort()];
}
