import type { MetricPoint } from '../../src-shared/entities/run';
import { metricToChartValue } from './format';

/** One point as chart.js reads it with `parsing: false`: x is the epoch, y is null for a gap (NaN, Infinity). */
export interface ChartPoint {
  x: number;
  y: number | null;
}

/** One line of a chart. */
export interface ChartSeries {
  label: string;
  color: string;
  points: readonly ChartPoint[];
  /** Dashed lines mark training curves next to solid validation ones. */
  dashed?: boolean;
  /** Drawn as marked points without a line (values logged once, such as test_loss). */
  pointsOnly?: boolean;
}

/** A vertical line across a chart at one x value (an epoch), labelled: `overfitting from epoch 12`. */
export interface ChartMarker {
  x: number;
  label: string;
  color: string;
}

/** Ten colours that stay apart on white (Tableau 10), for one line per run. */
export const RUN_PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

export function paletteColor(index: number): string {
  return RUN_PALETTE[index % RUN_PALETTE.length] as string;
}

export function toChartPoints(points: readonly MetricPoint[]): ChartPoint[] {
  return points.map((p) => ({ x: p.step, y: metricToChartValue(p.value) }));
}
