import type { MetricPoint } from '../../src-shared/entities/run';
import { metricToChartValue } from './format';

// The run colours live in src-shared (the HTML report draws with them too); the UI imports them from here.
export { RUN_PALETTE, paletteColor, runColor } from '../../src-shared/charts/run-colors';

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

/**
 * The x axis of an epoch chart: the first epoch drawn to the last, exactly (not widened to round ticks), so a run's
 * charts keep one axis while it trains and once it has finished. Empty while fewer than two epochs are drawn.
 */
export function epochRange(lines: readonly ChartSeries[]): { min?: number; max?: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const line of lines) {
    for (const point of line.points) {
      if (point.x < min) min = point.x;
      if (point.x > max) max = point.x;
    }
  }
  return max > min ? { min, max } : {};
}

export function toChartPoints(points: readonly MetricPoint[]): ChartPoint[] {
  return points.map((p) => ({ x: p.step, y: metricToChartValue(p.value) }));
}

/** A `#rrggbb` colour with an alpha, for faint raw curves and dimmed runs. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (!hex) return color;
  const n = parseInt(hex[1] as string, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
