import type { ExportFormat } from '../../src-shared/api/contract';
import type { MetricPoint, RunSummary } from '../../src-shared/entities/run';
import type { RunStore } from '../store/run-store';
import { toCsv } from './csv';
import { BASE_COLUMNS, tableColumns, tableRow } from './run-table';

export interface ExportedTable {
  filename: string;
  mime_type: string;
  content: string;
  rows: number;
}

export interface ExportSelection {
  experiment?: string | undefined;
  /** A sweep's trials, with a `trial` column after `duration_s`. */
  sweepId?: number | undefined;
  runIds?: readonly number[] | undefined;
}

/**
 * The runs table as a file: CSV (one row per run: base columns, `params.*`, `metrics.*` final values, `best.*`)
 * or JSON (the same fields, nested, plus each run's full per-epoch `history`). Same content from the CLI and the UI.
 */
export async function exportRuns(store: RunStore, format: ExportFormat, selection: ExportSelection = {}): Promise<ExportedTable> {
  const runs = await store.listRuns({ experiment: selection.experiment, runIds: selection.runIds, sweepId: selection.sweepId });
  runs.sort((a, b) => a.run_id - b.run_id);
  const extra = selection.sweepId !== undefined ? ['trial'] : [];
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const scope = selection.sweepId !== undefined ? `sweep-${selection.sweepId}-` : selection.experiment ? `${selection.experiment.replace(/[^\w.-]+/g, '_')}-` : '';
  const base = `runboard-runs-${scope}${stamp}`;
  if (format === 'csv') {
    const columns = tableColumns(runs, extra);
    return { filename: `${base}.csv`, mime_type: 'text/csv', content: toCsv(columns, runs.map((run) => tableRow(run, columns))), rows: runs.length };
  }
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
  const content = runs.map((run) => toJsonRow(run, history.get(run.run_id) ?? {}));
  return { filename: `${base}.json`, mime_type: 'application/json', content: JSON.stringify(content, null, 2) + '\n', rows: runs.length };
}

function toJsonRow(run: RunSummary, history: Record<string, MetricPoint[]>) {
  const base = tableRow(run, BASE_COLUMNS);
  const fields = Object.fromEntries(BASE_COLUMNS.map((column, i) => [column, base[i] ?? null]));
  return { ...fields, parent_run_id: run.parent_run_id, seed: run.seed, error: run.error, params: run.params, metrics: run.metrics, best: run.best, epochs: run.epochs, history };
}

export { toCsv, escapeFormula } from './csv';
export { tableColumns, tableRow } from './run-table';
