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

/**
 * A colour per compared run: the ten-colour palette up to ten runs, and beyond that hues spread by the golden angle,
 * so that fifty runs get fifty different colours.
 */
export function runColor(index: number, count: number): string {
  if (count <= RUN_PALETTE.length) return paletteColor(index);
  const hue = (index * 137.508 + 210) % 360;
  const lightness = 0.38 + (index % 3) * 0.08;
  return hslToHex(hue, 0.65, lightness);
}

/** An HSL colour (hue in degrees, saturation and lightness in [0, 1]) as `#rrggbb`, which every SVG reader knows. */
function hslToHex(hue: number, saturation: number, lightness: number): string {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number): string => {
    const k = (n + hue / 30) % 12;
    const value = lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/** A `#rrggbb` colour with an alpha, for faint raw curves and dimmed runs. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (!hex) return color;
  const n = parseInt(hex[1] as string, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
