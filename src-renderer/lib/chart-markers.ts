import type { Chart, Plugin } from 'chart.js';
import type { ChartMarker } from './chart-series';
import { placeLabels, rowsTaken } from './marker-labels';

/** Height of one row of marker labels above the plot, in CSS pixels. */
export const LABEL_ROW_HEIGHT = 15;
const FONT = '600 11px system-ui, sans-serif';

/** What the marker plugin reads at each draw. */
export interface MarkerState {
  markers(): readonly ChartMarker[];
  /** The chart's box, where the plugin leaves what a test reads (`data-x-range`, `data-hidden-points`). */
  box(): HTMLElement | undefined;
  /** The label rows reserved above the plot (the chart's top padding). */
  reservedRows(): number;
  /** Called when the labels need another number of rows than reserved: the chart is laid out again with them. */
  needRows(rows: number): void;
}

/**
 * Draws vertical markers (the overfitting onset, the best epoch, a rung): a dashed line across the plot and its label in
 * the rows above it, in the marker's colour, with no box: a label never hides a point of the curves. After each draw,
 * sets on the chart's box the x range drawn and how many data points lie under a label (none, by construction).
 */
export function markerPlugin(state: MarkerState): Plugin<'line'> {
  let hidden = 0;
  return {
    id: 'runboardMarkers',
    afterDatasetsDraw(target) {
      hidden = 0;
      const { ctx, chartArea, scales } = target;
      const x = scales['x'];
      if (!x) return;
      ctx.save();
      ctx.font = FONT;
      const shown = state
        .markers()
        .map((marker) => ({ marker, px: x.getPixelForValue(marker.x), width: ctx.measureText(marker.label).width }))
        .filter(({ px }) => Number.isFinite(px) && px >= chartArea.left - 1 && px <= chartArea.right + 1);
      const placed = placeLabels(
        shown.map(({ px, width }) => ({ x: px, width })),
        chartArea.right,
      );
      const rows = rowsTaken(placed);
      if (rows !== state.reservedRows()) state.needRows(rows);
      shown.forEach(({ marker, px, width }, index) => {
        const { left, row } = placed[index] as { left: number; row: number };
        const baseline = chartArea.top - 7 - row * LABEL_ROW_HEIGHT;
        ctx.strokeStyle = marker.color;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([5, 3]);
        ctx.beginPath();
        ctx.moveTo(px, baseline + 2);
        ctx.lineTo(px, chartArea.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = marker.color;
        ctx.fillText(marker.label, left, baseline);
        hidden += pointsWithin(target, { left, top: baseline - 11, right: left + width, bottom: baseline + 3 });
      });
      ctx.restore();
    },
    afterDraw(target) {
      const box = state.box();
      const x = target.scales['x'];
      if (box && x) box.setAttribute('data-x-range', `${x.min}..${x.max}`);
      box?.setAttribute('data-hidden-points', String(hidden));
    },
  };
}

/** How many drawn data points (their dot, radius included) touch a rectangle (canvas pixels). */
function pointsWithin(target: Chart<'line'>, rect: { left: number; top: number; right: number; bottom: number }): number {
  let count = 0;
  target.data.datasets.forEach((_, index) => {
    for (const point of target.getDatasetMeta(index).data) {
      const radius = Number((point.options as { radius?: unknown } | undefined)?.radius ?? 0);
      if (point.x + radius >= rect.left && point.x - radius <= rect.right && point.y + radius >= rect.top && point.y - radius <= rect.bottom) count++;
    }
  });
  return count;
}
