/** A point of a curve: x is the epoch, y is null for a gap (NaN, Infinity). */
export interface ChartPoint {
  x: number;
  y: number | null;
}

/** One curve of an SVG chart. */
export interface SvgLine {
  /** The run it belongs to, kept as `data-run` on its path. */
  runId: number;
  color: string;
  points: readonly ChartPoint[];
  width: number;
  opacity: number;
}

export interface SvgMarker {
  x: number;
  y: number;
  color: string;
}

export interface SvgChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  logY: boolean;
  /** The visible ranges (the chart's zoom), in data units. */
  x: { min: number; max: number };
  y: { min: number; max: number };
  lines: readonly SvgLine[];
  legend: readonly { label: string; color: string }[];
  markers?: readonly SvgMarker[];
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A number short enough for a tick: four significant digits, exponents for the very large and very small. */
function tickText(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(1).replace('e+', 'e');
  return String(Number(value.toPrecision(4)));
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten. */
export function linearTicks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  const last = Math.floor(max / step + 1e-9);
  for (let i = Math.ceil(min / step - 1e-9); i <= last; i++) ticks.push(i === 0 ? 0 : Number((i * step).toPrecision(12)));
  return ticks;
}

/** Powers of ten within [min, max] (with 2× and 5× when the range spans few decades). */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max > min)) return [];
  const from = Math.floor(Math.log10(min));
  const to = Math.ceil(Math.log10(max));
  const multiples = to - from <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = from; e <= to; e++) for (const m of multiples) ticks.push(Number((m * 10 ** e).toPrecision(12)));
  return ticks.filter((t) => t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9));
}

/**
 * A line chart as a standalone SVG document, drawn from the chart's own data (not a picture of the canvas): title,
 * axes with ticks and grid, one path per curve (gaps left open), overfitting markers, and a legend.
 * @param inlineId Draws an `<svg>` element to put inside an HTML page instead (no XML declaration; its clip path is
 *   named after this id, since several charts share one page's ids), scaling to the page's width.
 */
export function chartSvg(spec: SvgChartSpec, width = 900, plotHeight = 400, inlineId?: string): string {
  const margin = { left: 72, right: 24, top: 40, bottom: 52 };
  const plotWidth = width - margin.left - margin.right;
  const legendColumns = Math.max(1, Math.floor(plotWidth / 200));
  const legendRows = Math.ceil(spec.legend.length / legendColumns);
  const height = margin.top + plotHeight + margin.bottom + (legendRows > 0 ? legendRows * 18 + 8 : 0);
  const ty = (v: number): number => (spec.logY ? Math.log10(v) : v);
  const [y0, y1] = [ty(spec.y.min), ty(spec.y.max)];
  const px = (x: number): number => margin.left + ((x - spec.x.min) / (spec.x.max - spec.x.min || 1)) * plotWidth;
  const py = (y: number): number => margin.top + plotHeight - ((ty(y) - y0) / (y1 - y0 || 1)) * plotHeight;
  const f = (n: number): string => n.toFixed(2);
  const bottom = margin.top + plotHeight;
  const out: string[] = [];
  const clip = inlineId === undefined ? 'plot' : `plot-${inlineId}`;
  if (inlineId === undefined) out.push('<?xml version="1.0" encoding="UTF-8"?>');
  const size = inlineId === undefined ? `width="${width}" height="${height}"` : `id="${escape(inlineId)}" role="img" aria-label="${escape(spec.title)}"`;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" ${size} viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${escape(spec.title)}</title>`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${margin.left}" y="24" font-size="15" font-weight="600" fill="#0f172a">${escape(spec.title)}</text>`);
  out.push(`<defs><clipPath id="${clip}"><rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}"/></clipPath></defs>`);
  // Axes: grid lines and tick labels.
  out.push('<g class="axis x" fill="#475569" text-anchor="middle">');
  for (const t of linearTicks(spec.x.min, spec.x.max, 8)) {
    const x = f(px(t));
    out.push(`<line x1="${x}" x2="${x}" y1="${margin.top}" y2="${bottom}" stroke="#eef0f3"/><line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 5}" stroke="#94a3b8"/><text x="${x}" y="${bottom + 18}">${tickText(t)}</text>`);
  }
  out.push(`<text class="label" x="${f(margin.left + plotWidth / 2)}" y="${bottom + 40}" fill="#334155">${escape(spec.xLabel)}</text></g>`);
  out.push('<g class="axis y" fill="#475569" text-anchor="end">');
  for (const t of spec.logY ? logTicks(spec.y.min, spec.y.max) : linearTicks(spec.y.min, spec.y.max, 6)) {
    const y = f(py(t));
    out.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y}" y2="${y}" stroke="#eef0f3"/><line x1="${margin.left - 5}" x2="${margin.left}" y1="${y}" y2="${y}" stroke="#94a3b8"/><text x="${margin.left - 8}" y="${y}" dy="4">${tickText(t)}</text>`);
  }
  out.push(`<text class="label" transform="translate(16 ${f(margin.top + plotHeight / 2)}) rotate(-90)" text-anchor="middle" fill="#334155">${escape(spec.yLabel)}${spec.logY ? ' (log)' : ''}</text></g>`);
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#cbd5e1"/>`);
  // Curves, each a path that lifts the pen over gaps (and over values a log axis cannot show).
  out.push(`<g class="series" clip-path="url(#${clip})" fill="none" stroke-linejoin="round" stroke-linecap="round">`);
  for (const line of spec.lines) {
    let d = '';
    let pen = false;
    for (const p of line.points) {
      if (p.y === null || !Number.isFinite(p.y) || (spec.logY && p.y <= 0)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${f(px(p.x))} ${f(py(p.y))}`;
      pen = true;
    }
    if (d !== '') out.push(`<path data-run="${line.runId}" d="${d}" stroke="${line.color}" stroke-width="${line.width}"${line.opacity < 1 ? ` stroke-opacity="${line.opacity}"` : ''}/>`);
  }
  for (const m of spec.markers ?? []) {
    const x = px(m.x);
    const y = py(m.y);
    out.push(`<path class="marker" d="M${f(x - 5)} ${f(y - 11)}L${f(x + 5)} ${f(y - 11)}L${f(x)} ${f(y - 3)}Z" fill="${m.color}" stroke="#ffffff" stroke-width="1"/>`);
  }
  out.push('</g>');
  // The legend, in rows under the plot.
  out.push('<g class="legend" fill="#334155" font-size="11">');
  spec.legend.forEach((item, i) => {
    const x = margin.left + (i % legendColumns) * 200;
    const y = bottom + margin.bottom + Math.floor(i / legendColumns) * 18 + 8;
    const label = item.label.length > 30 ? `${item.label.slice(0, 29)}…` : item.label;
    out.push(`<rect x="${x}" y="${y - 3}" width="14" height="3" fill="${item.color}"/><text x="${x + 20}" y="${y + 1}">${escape(label)}</text>`);
  });
  out.push('</g></svg>');
  return out.join('\n') + '\n';
}
