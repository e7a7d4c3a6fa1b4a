import type { Database } from 'better-sqlite3';
import { AppError } from '../../src-shared/api/errors';
import { hasBest, metricDirection } from '../../src-shared/entities/run';
import { compileFilter, type KnownColumns } from './filter-sql';

/** What the runs table asks for: a filter, a sort and a page. */
export interface RunQuery {
  /** The filter language (src-shared/filter/parse.ts); empty for every run. */
  filter?: string | undefined;
  /**
   * `run_id`, `name`, `status`, `created`, `started`, `ended`, `duration`, `epochs`, `gap`, `user`, `params.X`,
   * `metrics.X`, `best.X`, `min.X`, `max.X`, `tags.X`; several for ties, the first first.
   */
  sort?: RunSort | readonly RunSort[] | undefined;
  offset: number;
  limit: number;
  experiment?: string | undefined;
  /** Only runs of these experiments (by id). */
  experimentIds?: readonly number[] | undefined;
  includeArchived?: boolean | undefined;
  /** Runs in the trash: left out (the default), the only ones, or included. */
  deleted?: 'exclude' | 'only' | 'include' | undefined;
  /**
   * A param, metric or tag name that no run logged: refused (the default: a typo is an error rather than an empty
   * table), or a condition no run meets (MLflow's search does so).
   */
  unknownNames?: 'refuse' | 'match-nothing' | undefined;
  /** Only these runs (a selection), or only this sweep's trials. */
  runIds?: readonly number[] | undefined;
  sweepId?: number | undefined;
}

export type RunSort = { column: string; direction: 'asc' | 'desc' };

const SORT_ATTRIBUTES: Record<string, string> = {
  run_id: 'r.id',
  name: 'r.name COLLATE NOCASE',
  status: 'r.status',
  kind: 'r.kind',
  backend: 'r.backend',
  experiment: '(SELECT e.name FROM experiments e WHERE e.id = r.experiment_id)',
  created: 'r.created_at',
  started: 'r.started_at',
  ended: 'r.ended_at',
  user: "json_extract(r.source, '$.user')",
  duration: '(coalesce(r.ended_at, r.started_at) - r.started_at)',
  epochs: '(SELECT max(s.last_step) FROM metric_summaries s WHERE s.run_id = r.id)',
  sweep: 'r.sweep_id',
  trial: 'r.trial',
  parent: 'r.parent_run_id',
  // The generalisation gap: final train_accuracy − val_accuracy (the runs table's overfitting column).
  gap: "((SELECT m.last_value FROM metric_summaries m WHERE m.run_id = r.id AND m.key = 'train_accuracy') - (SELECT m.last_value FROM metric_summaries m WHERE m.run_id = r.id AND m.key = 'val_accuracy'))",
};

/** The ORDER BY expression of a sort column, and its arguments. Names travel as parameters. */
export function sortExpression(column: string): { sql: string; args: unknown[] } {
  const attribute = SORT_ATTRIBUTES[column];
  if (attribute) return { sql: attribute, args: [] };
  const dot = column.indexOf('.');
  const group = column.slice(0, dot);
  const key = column.slice(dot + 1);
  if (dot > 0 && key) {
    if (group === 'params') return { sql: '(SELECT coalesce(p.num_value, p.text_value) FROM params p WHERE p.run_id = r.id AND p.key = ?)', args: [key] };
    if (group === 'tags') return { sql: '(SELECT t.value FROM tags t WHERE t.run_id = r.id AND t.key = ?)', args: [key] };
    if (group === 'best' && !hasBest(key)) {
      throw new AppError('BAD_INPUT', `Cannot sort by "${column}": ${key} has no best value (it is a setting, not a result); sort by metrics.${key}, min.${key} or max.${key}.`, [
        { field: 'sort', message: `${key} has no best value` },
      ]);
    }
    const summary: Record<string, string> = { metrics: 'last_value', min: 'min_value', max: 'max_value', best: metricDirection(key) === 'max' ? 'max_value' : 'min_value' };
    const field = summary[group];
    if (field) return { sql: `(SELECT m.${field} FROM metric_summaries m WHERE m.run_id = r.id AND m.key = ?)`, args: [key] };
  }
  throw new AppError('BAD_INPUT', `Cannot sort by "${column}": use ${Object.keys(SORT_ATTRIBUTES).join(', ')}, params.NAME, metrics.KEY, best.KEY, min.KEY, max.KEY or tags.NAME.`, [
    { field: 'sort', message: `unknown column "${column}"` },
  ]);
}

/** The param, metric and tag names logged by any run: what a filter may name, and what the UI completes. */
export function knownColumns(db: Database): KnownColumns {
  const names = (sql: string) => new Set(db.prepare(sql).pluck().all() as string[]);
  return {
    params: names('SELECT DISTINCT key FROM params'),
    metrics: names('SELECT DISTINCT key FROM metric_summaries'),
    tags: names('SELECT DISTINCT key FROM tags'),
  };
}

/**
 * The known column names, read once and kept: reading them scans every param, so a filter check must not pay it
 * each time. A name missing from the cache makes the filter compiler refresh it, so new names are never refused.
 */
export class ColumnCache {
  private cached: KnownColumns | null = null;
  constructor(private readonly db: Database) {}
  get(): KnownColumns {
    return (this.cached ??= knownColumns(this.db));
  }
  refresh(): KnownColumns {
    return (this.cached = knownColumns(this.db));
  }
}

/**
 * The WHERE clause of a runs query (deleted runs never match; archived ones only when asked), compiled from the
 * filter with every name and value as a parameter.
 */
export function queryWhere(
  db: Database,
  query: Pick<RunQuery, 'filter' | 'experiment' | 'experimentIds' | 'includeArchived' | 'deleted' | 'unknownNames' | 'runIds' | 'sweepId'>,
  columns: ColumnCache,
): { sql: string; args: unknown[] } {
  const deleted = query.deleted ?? 'exclude';
  const clauses = deleted === 'exclude' ? ['r.deleted_at IS NULL'] : deleted === 'only' ? ['r.deleted_at IS NOT NULL'] : [];
  const args: unknown[] = [];
  if (!query.includeArchived) clauses.push('r.archived = 0');
  if (query.experiment !== undefined) {
    clauses.push('r.experiment_id = (SELECT id FROM experiments WHERE name = ?)');
    args.push(query.experiment);
  }
  if (query.experimentIds !== undefined) {
    clauses.push('r.experiment_id IN (SELECT value FROM json_each(?))');
    args.push(JSON.stringify(query.experimentIds));
  }
  if (query.runIds !== undefined) {
    clauses.push('r.id IN (SELECT value FROM json_each(?))');
    args.push(JSON.stringify(query.runIds));
  }
  if (query.sweepId !== undefined) {
    // A sweep's trials are their latest runs: attempts interrupted and run again are not trials.
    clauses.push('r.id IN (SELECT run_id FROM sweep_trials WHERE sweep_id = ?)');
    args.push(query.sweepId);
  }
  const compiled = query.filter ? compileFilter(query.filter, columns.get(), () => columns.refresh(), { unknownNames: query.unknownNames ?? 'refuse' }) : null;
  if (compiled) {
    clauses.push(compiled.sql);
    args.push(...compiled.args);
  }
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : '1', args };
}

/** The ids of one page of runs, in order (ties broken by newest first), and how many runs match in all. */
export function pageOfRunIds(db: Database, query: RunQuery, columns: ColumnCache): { ids: number[]; total: number } {
  const where = queryWhere(db, query, columns);
  const sorts: readonly RunSort[] = query.sort === undefined ? [] : Array.isArray(query.sort) ? query.sort : [query.sort as RunSort];
  const order: string[] = [];
  const orderArgs: unknown[] = [];
  for (const sort of sorts) {
    const expression = sortExpression(sort.column);
    // Runs without a value for the sort column come last either way.
    order.push(`(${expression.sql}) IS NULL`, `${expression.sql} ${sort.direction === 'asc' ? 'ASC' : 'DESC'}`);
    orderArgs.push(...expression.args, ...expression.args);
  }
  order.push('r.id DESC');
  const ids = db
    .prepare(`SELECT r.id FROM runs r WHERE ${where.sql} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`)
    .pluck()
    .all(...where.args, ...orderArgs, query.limit, query.offset) as number[];
  const total = db.prepare(`SELECT count(*) FROM runs r WHERE ${where.sql}`).pluck().get(...where.args) as number;
  return { ids, total };
}
