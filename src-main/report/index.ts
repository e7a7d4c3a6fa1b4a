import { AppError } from '../../src-shared/api/errors';
import { databaseLabel } from '../../src-shared/database-label';
import { checkColumns, selectRuns, type ExportSelection } from '../export';
import type { RunStore } from '../store/run-store';
import { defaultReportColumns } from './report-columns';
import { reportHtml } from './report-html';

/** Points per curve in a report at most: a store-side downsample that keeps a curve's shape (its extremes). */
export const REPORT_POINTS = 300;
/** Points per curve at least, however many runs and metrics. */
export const REPORT_MIN_POINTS = 20;
/**
 * Points over all the report's curves (about 16 bytes each in SVG): more runs and more metrics get fewer points per
 * curve, so that a report stays well under 2 MB whatever was logged (50 runs of 6 metrics: 250 points per curve).
 */
export const REPORT_POINTS_TOTAL = 75_000;

/** Points per curve for this many runs, each with up to this many metrics. */
export function reportPoints(runs: number, metrics: number): number {
  const share = Math.floor(REPORT_POINTS_TOTAL / Math.max(1, runs * metrics));
  return Math.max(REPORT_MIN_POINTS, Math.min(REPORT_POINTS, share));
}

/** Which runs a report shows (a filter, ids or a sweep), and with which columns: the export's selection. */
export type ReportSelection = Pick<ExportSelection, 'runIds' | 'sweepId' | 'filter' | 'columns' | 'includeArchived' | 'experiment'>;

export interface ReportOptions {
  /** The page's title; by default it says what the report is of. */
  title?: string | undefined;
  /** The user's note, plain text. */
  note?: string | undefined;
  version: string;
  /** When it is written (ms since the Unix epoch); now by default. */
  now?: number;
}

export interface ReportFile {
  filename: string;
  html: string;
  /** How many runs it shows. */
  runs: number;
}

/**
 * Reads the runs a selection names, their curves and their sweep, and writes the report (see `reportHtml`).
 * @throws AppError(NOT_FOUND) for an unknown sweep or run id, or when no run matches (nothing to report);
 *   AppError(BAD_INPUT) for a bad filter or an unknown column.
 */
export async function buildReport(store: RunStore, selection: ReportSelection, options: ReportOptions): Promise<ReportFile> {
  const sweep = selection.sweepId === undefined ? null : await store.sweeps.get(selection.sweepId);
  if (selection.sweepId !== undefined && !sweep) throw new AppError('NOT_FOUND', `Cannot write the report: sweep ${selection.sweepId} does not exist.`);
  // Ids name runs on purpose: archived ones among them are reported too (as the table's selection exports them).
  const runs = await selectRuns(store, { ...selection, includeArchived: selection.includeArchived ?? selection.runIds !== undefined, sort: { column: 'run_id', direction: 'asc' } });
  if (selection.runIds !== undefined) {
    const found = new Set(runs.map((r) => r.run_id));
    const unknown = [...new Set(selection.runIds)].filter((id) => !found.has(id));
    if (unknown.length > 0) throw new AppError('NOT_FOUND', `Cannot write the report: no run with id ${unknown.join(', ')}.`, [{ field: 'run_ids', message: `no run with id ${unknown.join(', ')}` }]);
  }
  if (runs.length === 0) {
    const why = sweep ? `sweep ${sweep.sweep_id} has no runs yet` : selection.filter ? `no run matches the filter "${selection.filter}"` : 'there are no runs';
    throw new AppError('NOT_FOUND', `Cannot write the report: ${why}.`);
  }
  const columns = selection.columns ? checkColumns(selection.columns, runs, 'write the report') : defaultReportColumns(runs, sweep !== null);
  const series = await store.getMetrics(
    runs.map((r) => r.run_id),
    undefined,
    reportPoints(runs.length, new Set(runs.flatMap((r) => Object.keys(r.metrics))).size),
  );
  const now = options.now ?? Date.now();
  const title = options.title?.trim() || (sweep ? `Sweep #${sweep.sweep_id} ${sweep.name}` : `${runs.length} run${runs.length === 1 ? '' : 's'} compared`);
  const html = reportHtml({ title, note: options.note ?? '', writtenAt: now, store: databaseLabel(store.path), version: options.version, runs, columns, series, sweep });
  const stamp = new Date(now).toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return { filename: `runboard-report-${sweep ? `sweep-${sweep.sweep_id}-` : ''}${stamp}.html`, html, runs: runs.length };
}
