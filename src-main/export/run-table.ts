import { EPOCH_METRICS, hasBest, runGap, type MetricValue, type RunSummary } from '../../src-shared/entities/run';
import { formatTags } from '../../src-shared/format';
import { PARAM_KEYS, type ParamValue } from '../../src-shared/entities/train-config';

export type Cell = string | number | boolean | null;

/** The fixed leading columns of every run table export. */
export const BASE_COLUMNS = ['run_id', 'name', 'experiment', 'status', 'backend', 'started_at', 'duration_s'] as const;

function orderKeys(keys: Iterable<string>, preferred: readonly string[]): string[] {
  const all = new Set(keys);
  const first = preferred.filter((k) => all.has(k));
  const rest = [...all].filter((k) => !preferred.includes(k)).sort();
  return [...first, ...rest];
}

/**
 * Columns for these runs: the base ones, then `params.<name>`, `metrics.<key>` (final value) and `best.<key>` (for
 * the metrics that have a best: not `lr`, a setting).
 */
export function tableColumns(runs: readonly RunSummary[], extra: readonly string[] = []): string[] {
  const params = orderKeys(runs.flatMap((r) => Object.keys(r.params)), PARAM_KEYS);
  const metrics = orderKeys(runs.flatMap((r) => [...Object.keys(r.metrics), ...Object.keys(r.best)]), EPOCH_METRICS);
  return [...BASE_COLUMNS, ...extra, ...params.map((k) => `params.${k}`), ...metrics.map((k) => `metrics.${k}`), ...metrics.filter(hasBest).map((k) => `best.${k}`)];
}

/**
 * Columns beyond the default set that a table or an export may show. The runs table's own columns are among them:
 * `gap` (final train_accuracy − val_accuracy), `created_at`, and `tags` (every tag in one cell, as the table shows it).
 */
export const EXTRA_COLUMNS = ['trial', 'sweep_id', 'parent_run_id', 'seed', 'epochs', 'device', 'kind', 'gap', 'created_at', 'tags', 'notes', 'archived'] as const;

/** Every column these runs can fill: base and extra columns, `params.*`, `metrics.*`, `best.*` and `tags.*`. */
export function availableColumns(runs: readonly RunSummary[]): string[] {
  const tags = [...new Set(runs.flatMap((r) => Object.keys(r.tags)))].sort();
  return [...new Set([...tableColumns(runs, EXTRA_COLUMNS), ...tags.map((t) => `tags.${t}`)])];
}

/** One run as a row of cells, in `columns` order. Times are ISO 8601 (UTC); missing values are null. */
export function tableRow(run: RunSummary, columns: readonly string[]): Cell[] {
  return columns.map((column) => {
    switch (column) {
      case 'run_id':
        return run.run_id;
      case 'name':
        return run.name;
      case 'experiment':
        return run.experiment;
      case 'status':
        return run.status;
      case 'backend':
        return run.backend;
      case 'started_at':
        return run.started_at === null ? null : new Date(run.started_at).toISOString();
      case 'created_at':
        return new Date(run.created_at).toISOString();
      case 'gap':
        return runGap(run);
      case 'tags':
        return formatTags(run.tags);
      case 'trial':
        return run.trial;
      case 'sweep_id':
        return run.sweep_id;
      case 'parent_run_id':
        return run.parent_run_id;
      case 'seed':
        return run.seed;
      case 'epochs':
        return run.epochs;
      case 'device':
        return run.device;
      case 'kind':
        return run.kind;
      case 'notes':
        return run.notes;
      case 'archived':
        return run.archived;
      case 'duration_s':
        return run.duration_s === null ? null : Math.round(run.duration_s * 1000) / 1000;
    }
    const dot = column.indexOf('.');
    const group = column.slice(0, dot);
    const key = column.slice(dot + 1);
    const source: Record<string, ParamValue | MetricValue> = group === 'params' ? run.params : group === 'metrics' ? run.metrics : group === 'tags' ? run.tags : run.best;
    return source[key] ?? null;
  });
}
