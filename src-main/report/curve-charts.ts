import { chartSvg, type ChartPoint } from '../../src-shared/charts/chart-svg';
import { runColor } from '../../src-shared/charts/run-colors';
import { fromMetricValue, type MetricSeries, type RunSummary } from '../../src-shared/entities/run';

/** The usual metrics, in the order the report draws them: each training curve beside its validation curve. */
const USUAL = ['train_loss', 'val_loss', 'train_accuracy', 'val_accuracy'] as const;

const TITLES: Record<string, string> = {
  train_loss: 'Training loss',
  val_loss: 'Validation loss',
  train_accuracy: 'Training accuracy',
  val_accuracy: 'Validation accuracy',
  lr: 'Learning rate',
};

/** One overlaid chart: a metric's curves, one per run, in the runs' colours. */
export interface CurveChart {
  metric: string;
  svg: string;
}

/**
 * The metrics worth a chart: those some run logged at two epochs or more (a test metric, logged once, is in the table
 * instead), the usual four first, then the rest alphabetically.
 */
export function chartedMetrics(series: readonly MetricSeries[]): string[] {
  const keys = new Set(series.filter((s) => s.points.length >= 2).map((s) => s.key));
  const usual: string[] = USUAL.filter((k) => keys.has(k));
  return [...usual, ...[...keys].filter((k) => !usual.includes(k)).sort()];
}

function finiteRange(values: Iterable<number>): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max >= min ? { min, max } : null;
}

/**
 * Each charted metric as an inline SVG: the runs' curves overlaid (x the epoch), coloured as the app colours them
 * (by the run's place among the reported runs), with axes and ticks. The legend is the report's own (one for all
 * charts), so the charts carry none.
 */
export function curveCharts(runs: readonly RunSummary[], series: readonly MetricSeries[]): CurveChart[] {
  const byRun = new Map<number, Map<string, MetricSeries>>();
  for (const s of series) {
    const entry = byRun.get(s.run_id) ?? new Map<string, MetricSeries>();
    entry.set(s.key, s);
    byRun.set(s.run_id, entry);
  }
  return chartedMetrics(series).map((metric, chart) => {
    const lines = runs.map((run, index) => {
      const points: ChartPoint[] = (byRun.get(run.run_id)?.get(metric)?.points ?? []).map((p) => {
        const value = fromMetricValue(p.value);
        return { x: p.step, y: Number.isFinite(value) ? value : null };
      });
      return { runId: run.run_id, color: runColor(index, runs.length), points, width: runs.length > 10 ? 1.4 : 2, opacity: runs.length > 10 ? 0.85 : 1 };
    });
    const all = lines.flatMap((l) => l.points);
    const x = finiteRange(all.map((p) => p.x)) ?? { min: 0, max: 1 };
    const y = finiteRange(all.flatMap((p) => (p.y === null ? [] : [p.y]))) ?? { min: 0, max: 1 };
    const pad = (y.max - y.min) * 0.04 || Math.abs(y.max) * 0.05 || 1;
    const title = TITLES[metric] ?? metric;
    const svg = chartSvg(
      {
        title,
        xLabel: 'epoch',
        yLabel: metric,
        logY: false,
        x: x.max > x.min ? x : { min: x.min - 1, max: x.max + 1 },
        y: { min: y.min - pad, max: y.max + pad },
        lines,
        legend: [],
      },
      720,
      300,
      `curve-${chart + 1}`,
    );
    return { metric, svg };
  });
}
