import { runColor } from '../../src-shared/charts/run-colors';
import type { MetricSeries, RunSummary } from '../../src-shared/entities/run';
import type { SweepDetail } from '../../src-shared/entities/sweep';
import type { ParamValue } from '../../src-shared/entities/train-config';
import { formatMetric, formatParam } from '../../src-shared/format';
import { paramRows } from '../../src-shared/param-diff';
import { objectiveLabel } from '../../src-shared/search/sweep-plot';
import { displayCell } from '../export/display-cell';
import { tableRow } from '../export/run-table';
import { curveCharts } from './curve-charts';
import { escapeHtml, noteHtml } from './html-text';
import { REPORT_STYLE } from './report-style';
import { colorScaleHtml, importanceHtml, parallelCoordinatesSvg, sampledValuesSvg, sweepPlotData } from './sweep-figures';

/**
 * The page's only policy: nothing loads from anywhere (no scripts, fonts, images, frames, connections), no script runs
 * at all, and its own `<style>` and style attributes apply.
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** Everything a report shows, read from the store. */
export interface ReportContent {
  title: string;
  /** The user's note, plain text (blank lines between paragraphs). */
  note: string;
  /** When the report was written (ms since the Unix epoch). */
  writtenAt: number;
  /** Where the runs are: the database's label (a file name, or a PostgreSQL database and server). */
  store: string;
  version: string;
  runs: readonly RunSummary[];
  /** The runs table's columns, as export names them. */
  columns: readonly string[];
  /** The runs' curves, already downsampled to the report's budget. */
  series: readonly MetricSeries[];
  /** The sweep the runs are the trials of, for a sweep's report. */
  sweep: SweepDetail | null;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A param as the differences show it: as the app writes it, fractions to six significant digits (a searched lr's 17 are noise on paper). */
function paramText(value: ParamValue | undefined): string {
  return typeof value === 'number' && !Number.isInteger(value) ? formatParam(Number(value.toPrecision(6))) : formatParam(value);
}

function swatch(index: number, count: number): string {
  return `<span class="swatch" style="background: ${runColor(index, count)}"></span>`;
}

function runLabel(run: RunSummary, index: number, count: number): string {
  return `${swatch(index, count)}<span class="id">#${run.run_id}</span> ${escapeHtml(run.name)}`;
}

/** A column of numbers (a diverged run's `NaN` loss among them), right-aligned. */
function isNumeric(column: string, runs: readonly RunSummary[]): boolean {
  return runs.every((run) => {
    const cell = tableRow(run, [column])[0];
    return cell === null || typeof cell === 'number' || cell === 'NaN' || cell === 'Infinity' || cell === '-Infinity';
  });
}

function runsTable(content: ReportContent): string {
  const { runs, columns } = content;
  const numeric = columns.map((c) => isNumeric(c, runs));
  // A narrow column's name may break after its group (`metrics.` / `val_loss`), never inside a name.
  const head = columns.map((c, i) => `<th scope="col"${numeric[i] ? ' class="num"' : ''}>${escapeHtml(c).replace(/^(params|metrics|best|tags)\./, '$1.<wbr>')}</th>`).join('');
  const rows = runs.map((run, r) => {
    const cells = tableRow(run, columns).map((cell, i) => `<td${numeric[i] ? ' class="num"' : ''}>${escapeHtml(displayCell(columns[i] as string, cell))}</td>`);
    return `<tr data-run="${run.run_id}"><td class="key">${swatch(r, runs.length)}</td>${cells.join('')}</tr>`;
  });
  return `<div class="wide"><table class="runs"><thead><tr><th class="key" aria-label="colour"></th>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

function legend(runs: readonly RunSummary[]): string {
  return `<ul class="legend">${runs.map((run, i) => `<li>${runLabel(run, i, runs.length)}</li>`).join('')}</ul>`;
}

function curvesSection(content: ReportContent): string {
  const charts = curveCharts(content.runs, content.series);
  const body =
    charts.length === 0
      ? '<p class="muted">None of these runs logged a metric at two epochs or more: there are no curves to draw.</p>'
      : `${legend(content.runs)}\n<div class="charts">\n${charts.map((c) => `<figure class="chart" data-metric="${escapeHtml(c.metric)}">${c.svg}</figure>`).join('\n')}\n</div>`;
  return `<section id="curves"><h2>Curves</h2>\n${body}\n</section>`;
}

/** The params that differ between the runs, a row per run; the params every run shares are only counted. */
function differencesSection(content: ReportContent): string {
  const { runs } = content;
  const rows = paramRows(runs);
  const differing = rows.filter((row) => row.differs);
  const same = rows.length - differing.length;
  let body: string;
  if (runs.length < 2) body = '<p class="muted">One run: there is nothing to compare its params with.</p>';
  else if (differing.length === 0) body = `<p class="muted">The ${runs.length} runs share every param (${plural(rows.length, 'param')}).</p>`;
  else {
    const head = differing.map((row) => `<th scope="col">${escapeHtml(row.key)}</th>`).join('');
    const lines = runs.map((run, r) => {
      const cells = differing.map((row) => `<td>${escapeHtml(paramText(row.values[r]))}</td>`).join('');
      return `<tr data-run="${run.run_id}"><th scope="row">${runLabel(run, r, runs.length)}</th>${cells}</tr>`;
    });
    body = [
      `<p class="muted">${plural(differing.length, 'param')} differ${differing.length === 1 ? 's' : ''} between the runs; ${same === 1 ? '1 other is' : `${same} others are`} the same in every run.</p>`,
      `<div class="wide"><table class="differences"><thead><tr><th scope="col">run</th>${head}</tr></thead><tbody>\n${lines.join('\n')}\n</tbody></table></div>`,
    ].join('\n');
  }
  return `<section id="differences"><h2>Param differences</h2>\n${body}\n</section>`;
}

function sweepSection(sweep: SweepDetail): string {
  const data = sweepPlotData(sweep);
  const counts = sweep.counts;
  const facts = [
    ['strategy', sweep.strategy],
    ['objective', objectiveLabel(sweep.objective)],
    ['trials', `${sweep.trials_planned} planned: ${counts.finished} finished, ${counts.pruned} pruned, ${counts.failed} failed, ${counts.running + counts.pending} not ended`],
    ['best', sweep.best_run_id === null ? '—' : `run #${sweep.best_run_id}, ${sweep.objective.metric} ${formatMetric(sweep.best_value)}`],
    ['searched', sweep.space.map((s) => `${s.name} = ${s.distribution}`).join('; ')],
    ['seed', String(sweep.seed)],
  ];
  const dl = `<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeHtml(k as string)}</dt><dd>${escapeHtml(v as string)}</dd>`).join('')}</dl>`;
  if (data.ended.length < 2) {
    return `<section id="sweep"><h2>Sweep #${sweep.sweep_id} ${escapeHtml(sweep.name)}</h2>\n${dl}\n<p class="muted">The plots that explain a sweep need 2 trials that ended with a value; this one has ${data.ended.length}.</p>\n</section>`;
  }
  const scale = colorScaleHtml(sweep, data.range);
  return [
    `<section id="sweep"><h2>Sweep #${sweep.sweep_id} ${escapeHtml(sweep.name)}</h2>`,
    dl,
    '</section>',
    `<section id="sampled"><h2>Sampled values</h2>`,
    '<p class="muted">Each searched param against the objective, one mark per trial, coloured by its objective.</p>',
    scale,
    `<div class="small-multiples">${data.params.map((p, i) => `<figure class="chart">${sampledValuesSvg(p, data, sweep, `sampled-${i + 1}`)}</figure>`).join('\n')}</div>`,
    '</section>',
    `<section id="parallel"><h2>Parallel coordinates</h2>`,
    '<p class="muted">One line per trial through its sampled values and its objective; dashed grey lines have no final value.</p>',
    scale,
    `<figure class="chart">${parallelCoordinatesSvg(data, sweep, 'parallel-coordinates')}</figure>`,
    '</section>',
    `<section id="importance"><h2>Hyperparameter importance</h2>`,
    importanceHtml(data, sweep),
    '</section>',
  ].join('\n');
}

/**
 * The report as one HTML file: the title, the note, when and from which store; the runs table; the curves per metric
 * as inline SVG; the params that differ; and for a sweep its sampled values, parallel coordinates and importance.
 * Everything is in the file (styles inline, no scripts, no fonts or images), and its Content-Security-Policy forbids
 * loading or running anything. Every text from the store or the user is escaped.
 */
export function reportHtml(content: ReportContent): string {
  const written = new Date(content.writtenAt).toISOString().slice(0, 16).replace('T', ' ');
  const note = noteHtml(content.note);
  const scope = content.sweep ? `${plural(content.runs.length, 'trial run')} of sweep #${content.sweep.sweep_id}` : plural(content.runs.length, 'run');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="Runboard ${escapeHtml(content.version)}">`,
    `<title>${escapeHtml(content.title)}</title>`,
    `<style>${REPORT_STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeHtml(content.title)}</h1>`,
    `<p class="meta">${escapeHtml(scope)} · written ${written} UTC from <span class="store">${escapeHtml(content.store)}</span> · Runboard ${escapeHtml(content.version)}</p>`,
    note === '' ? '' : `<div class="note">${note}</div>`,
    '</header>',
    `<section id="runs"><h2>Runs</h2>\n${runsTable(content)}\n</section>`,
    curvesSection(content),
    differencesSection(content),
    content.sweep ? sweepSection(content.sweep) : '',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
