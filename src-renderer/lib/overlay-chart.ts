import { Ticks, type ChartDataset, type ChartOptions, type Plugin } from 'chart.js';
import { withAlpha, type ChartPoint } from './chart-series';
import type { OverlayLine } from './compare-series';
import { formatDuration, formatMetric } from './format';

/** What a dataset of an overlay chart draws: a run's curve, or the faint raw curve under its smoothed one. */
export interface DatasetOwner {
  runId: number;
  faint: boolean;
  color: string;
}

/** Colours a dataset for the highlighted run (or none): that run stands out, every other one fades. */
export function styleDataset(dataset: ChartDataset<'line', ChartPoint[]>, owner: DatasetOwner, highlighted: number | null): void {
  const dim = highlighted !== null && highlighted !== owner.runId;
  const lit = highlighted === owner.runId;
  dataset.borderColor = owner.faint ? withAlpha(owner.color, dim ? 0.06 : 0.28) : dim ? withAlpha(owner.color, 0.14) : owner.color;
  dataset.borderWidth = owner.faint ? 1 : lit ? 3 : 1.6;
  // Lower orders are drawn last, on top.
  dataset.order = lit ? (owner.faint ? 1 : 0) : owner.faint ? 3 : 2;
}

/** The chart.js datasets of some curves (a faint raw one under each smoothed one), and who each belongs to. */
export function overlayDatasets(lines: readonly OverlayLine[], highlighted: number | null): { datasets: ChartDataset<'line', ChartPoint[]>[]; owners: DatasetOwner[] } {
  const owners: DatasetOwner[] = [];
  const datasets: ChartDataset<'line', ChartPoint[]>[] = [];
  const add = (line: OverlayLine, points: readonly ChartPoint[], faint: boolean): void => {
    const owner = { runId: line.runId, faint, color: line.color };
    // Copies: chart.js instruments the arrays it is given, and ours are shared, read-only state.
    const dataset: ChartDataset<'line', ChartPoint[]> = { label: line.label, data: points.map((p) => ({ x: p.x, y: p.y })), pointRadius: 0, pointHoverRadius: faint ? 0 : 3, spanGaps: false, tension: 0, backgroundColor: line.color };
    styleDataset(dataset, owner, highlighted);
    owners.push(owner);
    datasets.push(dataset);
  };
  for (const line of lines) {
    if (line.smoothed) add(line, line.raw, true);
    add(line, line.smoothed ?? line.raw, false);
  }
  return { datasets, owners };
}

/**
 * Draws the overfitting onsets over the curves: a small triangle on each run's curve, and for the highlighted run a
 * dashed line and its label. After each draw, sets `data-drawn` on the chart's box to the number of runs drawn.
 */
export function onsetPlugin(state: { lines(): readonly OverlayLine[]; highlighted(): number | null; box(): HTMLElement | undefined }): Plugin<'line'> {
  return {
    id: 'runboardOnsets',
    afterDatasetsDraw(target) {
      const { ctx, chartArea, scales } = target;
      const x = scales['x'];
      const y = scales['y'];
      const highlighted = state.highlighted();
      if (!x || !y) return;
      ctx.save();
      for (const line of state.lines()) {
        if (!line.onset || (highlighted !== null && highlighted !== line.runId)) continue;
        const px = x.getPixelForValue(line.onset.x);
        const py = y.getPixelForValue(line.onset.y);
        if (px < chartArea.left || px > chartArea.right || py < chartArea.top || py > chartArea.bottom) continue;
        ctx.fillStyle = line.color;
        ctx.strokeStyle = '#fff';
        ctx.beginPath();
        ctx.moveTo(px - 5, py - 11);
        ctx.lineTo(px + 5, py - 11);
        ctx.lineTo(px, py - 3);
        ctx.closePath();
        ctx.fill();
        ctx.stroke();
        if (highlighted !== line.runId) continue;
        ctx.setLineDash([5, 3]);
        ctx.strokeStyle = line.color;
        ctx.beginPath();
        ctx.moveTo(px, chartArea.top);
        ctx.lineTo(px, chartArea.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.font = '600 11px system-ui, sans-serif';
        const text = `overfitting from epoch ${line.onset.epoch}`;
        const width = ctx.measureText(text).width;
        const tx = px + 6 + width > chartArea.right ? px - 6 - width : px + 6;
        ctx.fillStyle = 'rgba(255, 255, 255, 0.9)';
        ctx.fillRect(tx - 2, chartArea.top + 2, width + 4, 14);
        ctx.fillStyle = line.color;
        ctx.fillText(text, tx, chartArea.top + 13);
      }
      ctx.restore();
    },
    afterDraw() {
      // How many runs' curves are on the canvas: what a test (or a timing) waits for.
      state.box()?.setAttribute('data-drawn', String(state.lines().filter((line) => line.raw.length > 0).length));
    },
  };
}

export interface OverlayAxes {
  xLabel: string;
  yLabel: string;
  /** The x values are seconds: ticks read as durations. */
  timeAxis: boolean;
  logScale: boolean;
}

export interface OverlayCallbacks {
  /** Whether a dataset is a faint raw curve (left out of the tooltip). */
  isFaint(datasetIndex: number): boolean;
  /** The run of the dataset under the pointer, or null. */
  hover(datasetIndex: number | null): void;
  /** After a zoom or a pan. */
  zoomed(): void;
}

/** The options of an overlay chart: no animation, no built-in legend, zoom (drag, Ctrl+wheel, pinch) and pan (Shift+drag). */
export function overlayOptions(axes: OverlayAxes, on: OverlayCallbacks): ChartOptions<'line'> {
  const { xLabel, yLabel, timeAxis, logScale } = axes;
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    interaction: { mode: 'nearest', axis: 'xy', intersect: false },
    layout: { padding: { top: 4, right: 10 } },
    scales: {
      x: { type: 'linear', title: { display: true, text: xLabel }, ticks: timeAxis ? { callback: (v) => formatDuration(Number(v)) } : { precision: 0 }, grid: { color: '#eef0f3' } },
      y: {
        type: logScale ? 'logarithmic' : 'linear',
        title: { display: true, text: logScale ? `${yLabel} (log)` : yLabel },
        grid: { color: '#eef0f3' },
        // chart.js picks which log ticks get a label; they read 0.3 rather than 0.300.
        ...(logScale
          ? {
              ticks: {
                callback: function (value, index, ticks) {
                  return Ticks.formatters.logarithmic.call(this, Number(value), index, ticks) === '' ? '' : formatMetric(Number(value));
                },
              },
            }
          : {}),
      },
    },
    plugins: {
      legend: { display: false },
      tooltip: {
        filter: (item) => !on.isFaint(item.datasetIndex),
        callbacks: { title: (items) => (items[0] ? `${xLabel} ${timeAxis ? formatDuration(items[0].parsed.x ?? 0) : items[0].parsed.x}` : '') },
      },
      zoom: {
        zoom: {
          wheel: { enabled: true, modifierKey: 'ctrl' },
          drag: { enabled: true, backgroundColor: 'rgba(37, 99, 235, 0.08)', borderColor: 'rgba(37, 99, 235, 0.5)', borderWidth: 1 },
          pinch: { enabled: true },
          mode: 'xy',
          onZoomComplete: () => on.zoomed(),
        },
        pan: { enabled: true, mode: 'xy', modifierKey: 'shift', onPanComplete: () => on.zoomed() },
      },
    },
    onHover: (_event, elements) => on.hover(elements[0] ? elements[0].datasetIndex : null),
    font: { family: 'system-ui, sans-serif' },
  };
}
