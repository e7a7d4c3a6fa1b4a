import { AppError } from '../../src-shared/api/errors';
import { EXPORT_FORMATS, type ExportFormat } from '../../src-shared/api/contract';
import type { MetricPoint, RunSummary } from '../../src-shared/entities/run';
import type { RunStore } from '../store/run-store';
import { toCsv } from './csv';
import { toLatex } from './latex';
import { displayCell } from './display-cell';
import { toMarkdown } from './markdown';
import { toParquet } from './parquet';
import { BASE_COLUMNS, availableColumns, tableColumns, tableRow } from './run-table';

export interface ExportedTable {
  filename: string;
  mime_type: string;
  /** The file's text, or its bytes in base64 when `encoding` is `base64` (Parquet). */
  content: string;
  encoding: 'utf8' | 'base64';
  rows: number;
}

/** What the runs table shows: its filter, sort, columns and selection. */
export interface ExportSelection {
  experiment?: string | undefined;
  /** A sweep's trials, with a `trial` column after `duration_s`. */
  sweepId?: number | undefined;
  runIds?: readonly number[] | undefined;
  filter?: string | undefined;
  sort?: { column: string; direction: 'asc' | 'desc' } | undefined;
  /** The columns, in order; the default set when absent. */
  columns?: readonly string[] | undefined;
  includeArchived?: boolean | undefined;
}

const FORMATS: Record<ExportFormat, { extension: string; mime: string }> = {
  csv: { extension: 'csv', mime: 'text/csv' },
  json: { extension: 'json', mime: 'application/json' },
  md: { extension: 'md', mime: 'text/markdown' },
  latex: { extension: 'tex', mime: 'application/x-tex' },
  parquet: { extension: 'parquet', mime: 'application/vnd.apache.parquet' },
};

/**
 * The runs table as a file, the same from the CLI and the UI: CSV (formula-safe), JSON (with every epoch's history),
 * a Markdown table (numbers formatted as the runs table shows them), a LaTeX booktabs table, or Parquet (typed
 * columns). One row per run: the base columns, then `params.*`, `metrics.*` (final values) and `best.*`, or the
 * columns asked for (the runs table's `gap`, `created_at` and `tags` among them).
 * @throws AppError(BAD_INPUT) for an unknown format or column (listing the valid ones) or a bad filter or sort.
 */
export async function exportRuns(store: RunStore, format: ExportFormat, selection: ExportSelection = {}): Promise<ExportedTable> {
  if (!FORMATS[format]) throw new AppError('BAD_INPUT', `Unknown export format "${format}"; valid formats: ${EXPORT_FORMATS.join(', ')}.`, [{ field: 'format', message: 'unknown format' }]);
  const runs = await selectRuns(store, selection);
  const extra = selectionExtraColumns(selection);
  const columns = selection.columns ? checkColumns(selection.columns, runs) : tableColumns(runs, extra);
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const scope = selection.sweepId !== undefined ? `sweep-${selection.sweepId}-` : selection.experiment ? `${selection.experiment.replace(/[^\w.-]+/g, '_')}-` : '';
  const { extension, mime } = FORMATS[format];
  const file = (content: string, encoding: 'utf8' | 'base64' = 'utf8'): ExportedTable => ({
    filename: `runboard-runs-${scope}${stamp}.${extension}`,
    mime_type: mime,
    content,
    encoding,
    rows: runs.length,
  });
  const rows = () => runs.map((run) => tableRow(run, columns));
  switch (format) {
    case 'csv':
      return file(toCsv(columns, rows()));
    case 'md':
      return file(toMarkdown(columns, rows(), displayCell));
    case 'latex':
      return file(toLatex(columns, rows()));
    case 'parquet':
      return file(Buffer.from(toParquet(columns, rows())).toString('base64'), 'base64');
    case 'json':
      return file(JSON.stringify(await jsonRows(store, runs, selection.columns ? columns : null, extra), null, 2) + '\n');
  }
}

/** The runs a selection names (its filter, experiment, sweep or ids), in its sort order (run id by default). */
export async function selectRuns(store: RunStore, selection: ExportSelection): Promise<RunSummary[]> {
  const { runs } = await store.queryRuns({
    filter: selection.filter,
    sort: selection.sort ?? { column: 'run_id', direction: 'asc' },
    offset: 0,
    limit: Number.MAX_SAFE_INTEGER,
    experiment: selection.experiment,
    includeArchived: selection.includeArchived,
    runIds: selection.runIds,
    sweepId: selection.sweepId,
  });
  return runs;
}

/** Columns a selection adds to the default set: a sweep's `trial`. */
export function selectionExtraColumns(selection: ExportSelection): string[] {
  return selection.sweepId !== undefined ? ['trial'] : [];
}

/**
 * The columns asked for, checked against those these runs can fill.
 * @param action What refuses them, for the message: `export`, `write the report`.
 * @throws AppError(BAD_INPUT) naming the unknown columns and listing the valid ones (field `columns`).
 */
export function checkColumns(columns: readonly string[], runs: readonly RunSummary[], action = 'export'): string[] {
  const valid = availableColumns(runs);
  const unknown = columns.filter((c) => !valid.includes(c));
  if (unknown.length > 0) {
    const message = `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid columns: ${valid.join(', ')}`;
    throw new AppError('BAD_INPUT', `Cannot ${action}: ${message}.`, [{ field: 'columns', message }]);
  }
  return [...columns];
}

/** JSON rows: the chosen columns flat (or params, metrics and best nested by default), plus every epoch's history. */
async function jsonRows(store: RunStore, runs: RunSummary[], columns: string[] | null, extra: readonly string[]) {
  const series = await store.getMetrics(
    runs.map((r) => r.run_id),
    undefined,
    null,
  );
  const history = new Map<number, Record<string, MetricPoint[]>>();
  for (const s of series) {
    const entry = history.get(s.run_id) ?? {};
    entry[s.key] = s.points;
    history.set(s.run_id, entry);
  }
  return runs.map((run) => {
    const chosen = columns ?? [...BASE_COLUMNS, ...extra];
    const cells = tableRow(run, chosen);
    const fields = Object.fromEntries(chosen.map((column, i) => [column, cells[i] ?? null]));
    const nested = columns
      ? {}
      : { parent_run_id: run.parent_run_id, seed: run.seed, error: run.error, tags: run.tags, notes: run.notes, params: run.params, metrics: run.metrics, best: run.best, epochs: run.epochs };
    return { ...fields, ...nested, history: history.get(run.run_id) ?? {} };
  });
}

export { toCsv, escapeFormula } from './csv';
export { tableColumns, tableRow, availableColumns } from './run-table';
export { displayCell } from './display-cell';
