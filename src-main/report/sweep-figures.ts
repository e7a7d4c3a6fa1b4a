import { linearTicks, logTicks } from '../../src-shared/charts/chart-svg';
import type { SweepDetail } from '../../src-shared/entities/sweep';
import { formatMetric } from '../../src-shared/format';
import { hyperparameterImportance, IMPORTANCE_METHOD } from '../../src-shared/search/importance';
import { parallelAxes } from '../../src-shared/search/parallel-axes';
import { markFor, paddedRange, paramAxis, tickLabel, trialLines } from '../../src-shared/search/scatter-marks';
import { formatSampled, goodness, objectiveLabel, plotParams, plotTrials, trialColor, valueRange, VIRIDIS, type PlotParam, type PlotTrial, type ValueRange } from '../../src-shared/search/sweep-plot';
import { escapeHtml } from './html-text';

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="12"`;
const f = (n: number): string => n.toFixed(1);

/** What the sweep's figures are drawn from: its searched params and trials, as the sweep page reads them. */
export interface SweepPlotData {
  params: PlotParam[];
  trials: PlotTrial[];
  /** Trials that ended with a value. */
  ended: PlotTrial[];
  range: ValueRange | null;
}

export function sweepPlotData(sweep: SweepDetail): SweepPlotData {
  const trials = plotTrials(sweep.trials);
  const ended = trials.filter((t) => t.done && t.value !== null);
  return { params: plotParams(sweep.space, sweep.trials), trials, ended, range: valueRange(ended.map((t) => t.value)) };
}

/** Ticks of an axis that spans [min, max]: categories at their index, powers of ten on a log axis, round numbers otherwise. */
function axisTicks(min: number, max: number, log: boolean, categories: readonly string[] | null): { value: number; text: string }[] {
  if (categories) return categories.map((text, value) => ({ value, text }));
  const values = log ? logTicks(min, max) : linearTicks(min, max, 5);
  return values.map((value) => ({ value, text: tickLabel(value, log) })).filter((t) => t.text !== '');
}

/**
 * One searched param against the objective, one mark per trial coloured by its objective (viridis, best yellow), as
 * the sweep page's "objective by param" plot: the whole searched range on x (log for log-uniform, categories evenly
 * spaced), the objective on y; trials without a final value are grey rings. Each mark's tooltip lists the trial.
 */
export function sampledValuesSvg(param: PlotParam, data: SweepPlotData, sweep: SweepDetail, id: string): string {
  const width = 420;
  const height = 280;
  const margin = { left: 62, right: 14, top: 30, bottom: 46 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const names = data.params.map((p) => p.name);
  const marks = data.trials.flatMap((trial) => {
    const mark = markFor(trial, param, null, trialColor(trial, data.range, sweep.objective.direction), trialLines(trial, names, sweep.objective.metric, formatSampled));
    return mark ? [mark] : [];
  });
  const axis = paramAxis(param);
  const xs = marks.map((m) => m.x);
  const xRange = axis.categories
    ? { min: -0.5, max: Math.max(0, axis.categories.length - 1) + 0.5 }
    : paddedRange(axis.range ?? { low: Math.min(...xs, 1), high: Math.max(...xs, 1) }, axis.log);
  const ys = marks.map((m) => m.y);
  const yData = ys.length > 0 ? { low: Math.min(...ys), high: Math.max(...ys) } : { low: 0, high: 1 };
  const yRange = paddedRange(yData, false);
  const tx = (v: number) => (axis.log ? Math.log10(v) : v);
  const px = (v: number) => margin.left + ((tx(v) - tx(xRange.min)) / (tx(xRange.max) - tx(xRange.min) || 1)) * plotWidth;
  const py = (v: number) => margin.top + plotHeight - ((v - yRange.min) / (yRange.max - yRange.min || 1)) * plotHeight;
  const bottom = margin.top + plotHeight;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" id="${escapeHtml(id)}" class="sampled" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`${param.name} against ${sweep.objective.metric}`)}" ${FONT}>`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${margin.left}" y="18" font-size="13" font-weight="600" fill="#0f172a">${escapeHtml(`${axis.title} → ${sweep.objective.metric}`)}</text>`);
  out.push(`<g fill="#475569" text-anchor="middle">`);
  for (const t of axisTicks(xRange.min, xRange.max, axis.log, axis.categories)) {
    const x = f(px(t.value));
    const label = t.text.length > 14 ? `${t.text.slice(0, 13)}…` : t.text;
    out.push(`<line x1="${x}" x2="${x}" y1="${margin.top}" y2="${bottom}" stroke="#eef0f3"/><text x="${x}" y="${bottom + 16}">${escapeHtml(label)}</text>`);
  }
  out.push(`<text x="${f(margin.left + plotWidth / 2)}" y="${bottom + 36}" fill="#334155">${escapeHtml(axis.title)}</text></g>`);
  out.push(`<g fill="#475569" text-anchor="end">`);
  for (const t of axisTicks(yRange.min, yRange.max, false, null)) {
    const y = f(py(t.value));
    out.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y}" y2="${y}" stroke="#eef0f3"/><text x="${margin.left - 6}" y="${y}" dy="4">${escapeHtml(t.text)}</text>`);
  }
  out.push(`<text transform="translate(14 ${f(margin.top + plotHeight / 2)}) rotate(-90)" text-anchor="middle" fill="#334155">${escapeHtml(sweep.objective.metric)}</text></g>`);
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#cbd5e1"/>`);
  // Grey rings first, then ended trials, the best last (on top).
  const order = [...marks].sort((a, b) => Number(!a.hollow) - Number(!b.hollow) || (a.hollow ? 0 : goodnessOf(a.y, data.range, sweep) - goodnessOf(b.y, data.range, sweep)));
  out.push('<g class="marks">');
  for (const m of order) {
    const paint = m.hollow ? `fill="none" stroke="${m.color}" stroke-width="1.5"` : `fill="${m.color}" stroke="#ffffff" stroke-width="0.8"`;
    out.push(`<circle cx="${f(px(m.x))}" cy="${f(py(m.y))}" r="5" ${paint}><title>${escapeHtml(m.lines.join('\n'))}</title></circle>`);
  }
  out.push('</g></svg>');
  return out.join('\n');
}

function goodnessOf(value: number, range: ValueRange | null, sweep: SweepDetail): number {
  return range ? goodness(value, range, sweep.objective.direction) : 0;
}

/**
 * Parallel coordinates, as on the sweep page: an axis per searched param (scaled as the page scales it) and the
 * objective's, one line per trial coloured by its objective, the best drawn last.
 */
export function parallelCoordinatesSvg(data: SweepPlotData, sweep: SweepDetail, id: string): string {
  const width = 980;
  const height = 330;
  const top = 40;
  const bottom = 18;
  const left = 80;
  const right = 80;
  const axes = parallelAxes(data.params, data.trials, sweep.objective.metric, data.range);
  const plotHeight = height - top - bottom;
  const xOf = (i: number) => left + (axes.length <= 1 ? 0 : (i * (width - left - right)) / (axes.length - 1));
  const yOf = (at: number) => top + (1 - at) * plotHeight;
  const names = data.params.map((p) => p.name);
  const lines = data.trials.flatMap((trial) => {
    const points: string[] = [];
    for (const [i, axis] of axes.entries()) {
      const at = axis.position(trial);
      if (at === null) break;
      points.push(`${f(xOf(i))},${f(yOf(at))}`);
    }
    if (points.length < 2) return [];
    const final = trial.done && trial.value !== null;
    const rank = final ? goodnessOf(trial.value as number, data.range, sweep) : -1;
    return [{ trial, points: points.join(' '), color: trialColor(trial, data.range, sweep.objective.direction), final, rank }];
  });
  lines.sort((a, b) => a.rank - b.rank);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" id="${escapeHtml(id)}" class="parallel" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`parallel coordinates: ${lines.length} trials across ${axes.length} axes`)}" ${FONT}>`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push('<g class="lines" fill="none" stroke-linejoin="round">');
  for (const line of lines) {
    out.push(`<polyline points="${line.points}" stroke="${line.color}" stroke-width="${line.final ? 1.6 : 1}"${line.final ? '' : ' stroke-dasharray="3 3" stroke-opacity="0.7"'}><title>${escapeHtml(trialLines(line.trial, names, sweep.objective.metric, formatSampled).join('\n'))}</title></polyline>`);
  }
  out.push('</g><g class="axes" fill="#334155">');
  for (const [i, axis] of axes.entries()) {
    const x = f(xOf(i));
    out.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${top + plotHeight}" stroke="#64748b"/>`);
    out.push(`<text x="${x}" y="${top - 16}" text-anchor="middle" font-weight="600">${escapeHtml(axis.label)}</text>`);
    for (const tick of axis.ticks) {
      const text = tick.text.length > 12 ? `${tick.text.slice(0, 11)}…` : tick.text;
      out.push(`<line x1="${x}" x2="${f(xOf(i) - 4)}" y1="${f(yOf(tick.at))}" y2="${f(yOf(tick.at))}" stroke="#64748b"/><text x="${f(xOf(i) - 6)}" y="${f(yOf(tick.at))}" dy="4" text-anchor="end" font-size="11" fill="#475569" paint-order="stroke" stroke="#ffffff" stroke-width="3">${escapeHtml(text)}</text>`);
    }
  }
  out.push('</g></svg>');
  return out.join('\n');
}

/** The colour scale of the sweep's figures: viridis from the worst objective to the best, grey for no value. */
export function colorScaleHtml(sweep: SweepDetail, range: ValueRange | null): string {
  const stops = VIRIDIS.map((c, i) => `${c} ${Math.round((i / (VIRIDIS.length - 1)) * 100)}%`).join(', ');
  const [worst, best] = range ? (sweep.objective.direction === 'max' ? [range.min, range.max] : [range.max, range.min]) : [null, null];
  return `<p class="scale"><span>${escapeHtml(objectiveLabel(sweep.objective))}:</span> <span>worst ${escapeHtml(formatMetric(worst))}</span> <span class="ramp" style="background: linear-gradient(to right, ${stops})"></span> <span>best ${escapeHtml(formatMetric(best))}</span> <span class="ring"></span> <span>no value yet</span></p>`;
}

/**
 * Hyperparameter importance, with the sweep page's own code (a random forest's mean decrease in impurity, and the
 * correlation with the objective), as a table with bars.
 */
export function importanceHtml(data: SweepPlotData, sweep: SweepDetail): string {
  const result = hyperparameterImportance(
    data.ended.map((t) => ({ params: t.params, value: t.value as number })),
    data.params.map((p) => p.name),
    new Set(data.params.filter((p) => p.log).map((p) => p.name)),
  );
  const enough = result.trials >= 4;
  const percent = (v: number) => `${Math.round(v * 100)}%`;
  const rows = result.params.map((row) => {
    const correlation = row.correlation === null ? '—' : `${row.correlation > 0 ? '+' : ''}${row.correlation.toFixed(2)}`;
    return `<tr data-param="${escapeHtml(row.name)}"><td class="name">${escapeHtml(row.name)}</td><td class="bar-cell"><span class="bar"><span class="fill" style="width: ${percent(row.importance)}"></span></span></td><td class="num">${enough ? percent(row.importance) : '—'}</td><td class="num">${correlation}</td></tr>`;
  });
  const metric = escapeHtml(sweep.objective.metric);
  return [
    enough ? '' : `<p class="muted">Importance needs at least 4 trials with a value; this sweep has ${result.trials}.</p>`,
    `<table class="importance"><thead><tr><th>hyperparameter</th><th>importance</th><th class="num">share</th><th class="num">correlation with ${metric}</th></tr></thead><tbody>`,
    ...rows,
    '</tbody></table>',
    `<p class="method">Method: ${escapeHtml(IMPORTANCE_METHOD)}, on ${result.trials} trial${result.trials === 1 ? '' : 's'}. A hyperparameter's importance is its share of the forest's reduction in variance of ${metric} (they sum to 100%); the correlation (Pearson, on the log for log-uniform params) says which way to move it.</p>`,
  ].join('\n');
}
