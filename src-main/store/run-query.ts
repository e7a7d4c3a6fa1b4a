import { AppError } from '../../src-shared/api/errors';
import { hasBest, metricDirection } from '../../src-shared/entities/run';
import { compileFilter, namesUnknownTo, type KnownColumns } from './filter-sql';
import type { SqlDialect } from './sql-dialect';

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

const SORT_ATTRIBUTES: Record<string, (dialect: SqlDialect) => string> = {
  run_id: () => 'r.id',
  name: (dialect) => dialect.caseless('r.name'),
  status: () => 'r.status',
  kind: () => 'r.kind',
  backend: () => 'r.backend',
  experiment: () => '(SELECT e.name FROM experiments e WHERE e.id = r.experiment_id)',
  created: () => 'r.created_at',
  started: () => 'r.started_at',
  ended: () => 'r.ended_at',
  user: (dialect) => dialect.jsonText('r.source', 'user'),
  duration: () => '(coalesce(r.ended_at, r.started_at) - r.started_at)',
  epochs: () => '(SELECT max(s.last_step) FROM metric_summaries s WHERE s.run_id = r.id)',
  sweep: () => 'r.sweep_id',
  trial: () => 'r.trial',
  parent: () => 'r.parent_run_id',
  // The generalisation gap: final train_accuracy − val_accuracy (the runs table's overfitting column).
  gap: () => "((SELECT m.last_value FROM metric_summaries m WHERE m.run_id = r.id AND m.key = 'train_accuracy') - (SELECT m.last_value FROM metric_summaries m WHERE m.run_id = r.id AND m.key = 'val_accuracy'))",
};

/** An SQL fragment and its arguments, in order of their `?`. */
export interface SqlPart {
  sql: string;
  args: unknown[];
}

/** An ORDER BY key, and the LEFT JOIN it reads from when it has one (at most one row per run, named by the key's alias). */
interface SortKey extends SqlPart {
  join?: SqlPart;
}

/**
 * The ORDER BY keys of a sort column (most one; a param two on engines whose columns hold one type), each with its
 * arguments. Names travel as parameters. A metric's summary is joined once under `alias` rather than looked up by a
 * subquery per run: the key is read twice (runs without a value go last), and PostgreSQL would run each subquery for
 * every run, and take the page of 10,000 runs for a costly query (JIT-compiling it).
 */
export function sortExpression(column: string, dialect: SqlDialect, alias = 'sort1'): SortKey[] {
  // Own entries only: a column named `constructor` or `toString.x` is unknown, not what a plain object inherits.
  const attribute = Object.hasOwn(SORT_ATTRIBUTES, column) ? SORT_ATTRIBUTES[column] : undefined;
  if (attribute) return [{ sql: attribute(dialect), args: [] }];
  const dot = column.indexOf('.');
  const group = column.slice(0, dot);
  const key = column.slice(dot + 1);
  if (dot > 0 && key) {
    if (group === 'params') return dialect.paramSortKeys.map((sql) => ({ sql, args: [key] }));
    if (group === 'tags') return [{ sql: '(SELECT t.value FROM tags t WHERE t.run_id = r.id AND t.key = ?)', args: [key] }];
    if (group === 'best' && !hasBest(key)) {
      throw new AppError('BAD_INPUT', `Cannot sort by "${column}": ${key} has no best value (it is a setting, not a result); sort by metrics.${key}, min.${key} or max.${key}.`, [
        { field: 'sort', message: `${key} has no best value` },
      ]);
    }
    const summary: Record<string, string> = { metrics: 'last_value', min: 'min_value', max: 'max_value', best: metricDirection(key) === 'max' ? 'max_value' : 'min_value' };
    const field = Object.hasOwn(summary, group) ? summary[group] : undefined;
    if (field) return [{ sql: `${alias}.${field}`, args: [], join: { sql: `LEFT JOIN metric_summaries ${alias} ON ${alias}.run_id = r.id AND ${alias}.key = ?`, args: [key] } }];
  }
  throw new AppError('BAD_INPUT', `Cannot sort by "${column}": use ${Object.keys(SORT_ATTRIBUTES).join(', ')}, params.NAME, metrics.KEY, best.KEY, min.KEY, max.KEY or tags.NAME.`, [
    { field: 'sort', message: `unknown column "${column}"` },
  ]);
}

/** The queries that read the param, metric and tag names logged by any run (the same SQL on every engine). */
export const KNOWN_COLUMN_QUERIES = {
  params: 'SELECT DISTINCT key FROM params',
  metrics: 'SELECT DISTINCT key FROM metric_summaries',
  tags: 'SELECT DISTINCT key FROM tags',
} as const;

/**
 * The known column names, read once and kept: reading them scans every param, so a filter check must not pay it
 * each time. A name missing from the cache makes the query refresh it, so new names are never refused.
 */
export class ColumnCache {
  private cached: KnownColumns | null = null;
  constructor(private readonly load: () => Promise<KnownColumns> | KnownColumns) {}
  async get(): Promise<KnownColumns> {
    return (this.cached ??= await this.load());
  }
  async refresh(): Promise<KnownColumns> {
    return (this.cached = await this.load());
  }
}

/**
 * The WHERE clause of a runs query (deleted runs never match; archived ones only when asked), compiled from the
 * filter with every name and value as a parameter.
 */
export async function queryWhere(
  query: Pick<RunQuery, 'filter' | 'experiment' | 'experimentIds' | 'includeArchived' | 'deleted' | 'unknownNames' | 'runIds' | 'sweepId'>,
  columns: ColumnCache,
  dialect: SqlDialect,
): Promise<SqlPart> {
  const deleted = query.deleted ?? 'exclude';
  const clauses = deleted === 'exclude' ? ['r.deleted_at IS NULL'] : deleted === 'only' ? ['r.deleted_at IS NOT NULL'] : [];
  const args: unknown[] = [];
  if (!query.includeArchived) clauses.push('r.archived = 0');
  if (query.experiment !== undefined) {
    clauses.push('r.experiment_id = (SELECT id FROM experiments WHERE name = ?)');
    args.push(query.experiment);
  }
  if (query.experimentIds !== undefined) {
    const list = dialect.idList(query.experimentIds);
    clauses.push(`r.experiment_id IN ${list.sql}`);
    args.push(list.arg);
  }
  if (query.runIds !== undefined) {
    const list = dialect.idList(query.runIds);
    clauses.push(`r.id IN ${list.sql}`);
    args.push(list.arg);
  }
  if (query.sweepId !== undefined) {
    // A sweep's trials are their latest runs: attempts interrupted and run again are not trials.
    clauses.push('r.id IN (SELECT run_id FROM sweep_trials WHERE sweep_id = ?)');
    args.push(query.sweepId);
  }
  if (query.filter) {
    let known = await columns.get();
    if (namesUnknownTo(query.filter, known)) known = await columns.refresh();
    const compiled = compileFilter(query.filter, known, undefined, { unknownNames: query.unknownNames ?? 'refuse', dialect });
    if (compiled) {
      clauses.push(compiled.sql);
      args.push(...compiled.args);
    }
  }
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : '1 = 1', args };
}

/**
 * The two statements of one page of runs: the ids, in order (runs without a value for a sort column last either way,
 * ties broken by newest first), and how many runs match in all.
 */
export async function planRunsPage(query: RunQuery, columns: ColumnCache, dialect: SqlDialect): Promise<{ ids: SqlPart; total: SqlPart }> {
  const where = await queryWhere(query, columns, dialect);
  const sorts: readonly RunSort[] = query.sort === undefined ? [] : Array.isArray(query.sort) ? query.sort : [query.sort as RunSort];
  const order: string[] = [];
  const orderArgs: unknown[] = [];
  const joins: SqlPart[] = [];
  for (const [i, sort] of sorts.entries()) {
    const keys = sortExpression(sort.column, dialect, `sort${i + 1}`);
    for (const key of keys) if (key.join) joins.push(key.join);
    order.push(`(${keys.map((key) => `(${key.sql}) IS NULL`).join(' AND ')})`);
    for (const key of keys) orderArgs.push(...key.args);
    for (const key of keys) {
      order.push(`${key.sql} ${sort.direction === 'asc' ? 'ASC' : 'DESC'}`);
      orderArgs.push(...key.args);
    }
  }
  order.push('r.id DESC');
  return {
    ids: {
      sql: `SELECT r.id FROM runs r ${joins.map((join) => `${join.sql} `).join('')}WHERE ${where.sql} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`,
      args: [...joins.flatMap((join) => join.args), ...where.args, ...orderArgs, query.limit, query.offset],
    },
    total: { sql: `SELECT count(*) FROM runs r WHERE ${where.sql}`, args: where.args },
  };
}
