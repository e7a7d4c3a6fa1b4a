import { fromMetricValue, type RunSummary } from './entities/run';

export interface RunGroup {
  /** The grouping value as text (`0.01`, `adam`), or `(none)` for runs without it. */
  value: string;
  count: number;
  /** Over runs with a finite value of the metric; null when none has one. */
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
}

/** A column's value in a run: `params.X`, `metrics.X` (final), `best.X`, `tags.X`, or an attribute. */
export function columnValue(run: RunSummary, column: string): string | number | boolean | null {
  const dot = column.indexOf('.');
  if (dot < 0) {
    const value = (run as unknown as Record<string, unknown>)[column];
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
  }
  const group = column.slice(0, dot);
  const key = column.slice(dot + 1);
  if (group === 'params') return run.params[key] ?? null;
  if (group === 'tags') return run.tags[key] ?? null;
  const metric = group === 'metrics' ? run.metrics[key] : group === 'best' ? run.best[key] : undefined;
  return metric === undefined ? null : fromMetricValue(metric);
}

/**
 * Groups runs by a column and summarises a metric per group: mean ± standard deviation (population), min and max,
 * over the runs whose value is finite. Groups are ordered by value (numbers numerically).
 */
export function groupRuns(runs: readonly RunSummary[], by: string, metric: string): RunGroup[] {
  const groups = new Map<string, { sort: string | number; values: number[]; count: number }>();
  for (const run of runs) {
    const raw = columnValue(run, by);
    const key = raw === null ? '(none)' : String(raw);
    const group = groups.get(key) ?? { sort: typeof raw === 'number' ? raw : key, values: [], count: 0 };
    group.count++;
    const value = columnValue(run, metric);
    if (typeof value === 'number' && Number.isFinite(value)) group.values.push(value);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([, a], [, b]) => (typeof a.sort === 'number' && typeof b.sort === 'number' ? a.sort - b.sort : String(a.sort).localeCompare(String(b.sort), 'en', { numeric: true })))
    .map(([value, g]) => {
      if (g.values.length === 0) return { value, count: g.count, mean: null, std: null, min: null, max: null };
      const mean = g.values.reduce((s, v) => s + v, 0) / g.values.length;
      const std = Math.sqrt(g.values.reduce((s, v) => s + (v - mean) ** 2, 0) / g.values.length);
      return { value, count: g.count, mean, std, min: Math.min(...g.values), max: Math.max(...g.values) };
    });
}
