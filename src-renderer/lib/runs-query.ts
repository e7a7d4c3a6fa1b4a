import type { MethodInput } from '../../src-shared/api/contract';

export type SortDirection = 'asc' | 'desc';

/**
 * What the runs table asks the host for: the filter (the filter language), the sort column (a `runs/query` sort
 * name: `run_id`, `metrics.val_loss`, `params.lr`...), the experiment and whether archived runs show. It lives in the
 * URL hash (`#/runs?filter=...&sort=...`), so a view of the table can be shared.
 */
export interface TableQuery {
  filter: string;
  sort: string;
  direction: SortDirection;
  experiment: string | null;
  archived: boolean;
}

export const DEFAULT_QUERY: TableQuery = { filter: '', sort: 'run_id', direction: 'desc', experiment: null, archived: false };

const KEYS = ['filter', 'sort', 'dir', 'experiment', 'archived'] as const;

/** The query a hash's parameters describe, or null when they name none (a bare `#/runs`). */
export function queryFromParams(params: URLSearchParams): TableQuery | null {
  if (!KEYS.some((key) => params.has(key))) return null;
  const sort = params.get('sort')?.trim() || DEFAULT_QUERY.sort;
  const dir = params.get('dir');
  return {
    filter: (params.get('filter') ?? '').slice(0, 10_000),
    sort: sort.slice(0, 300),
    direction: dir === 'asc' || dir === 'desc' ? dir : sort === DEFAULT_QUERY.sort ? DEFAULT_QUERY.direction : 'asc',
    experiment: params.get('experiment') || null,
    archived: params.get('archived') === '1',
  };
}

/** The hash parameters of a query: only what differs from the default (empty for the default). */
export function queryToParams(query: TableQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.filter.trim() !== '') params.set('filter', query.filter);
  if (query.sort !== DEFAULT_QUERY.sort || query.direction !== DEFAULT_QUERY.direction) {
    params.set('sort', query.sort);
    params.set('dir', query.direction);
  }
  if (query.experiment !== null) params.set('experiment', query.experiment);
  if (query.archived) params.set('archived', '1');
  return params;
}

export function sameQuery(a: TableQuery, b: TableQuery): boolean {
  return a.filter === b.filter && a.sort === b.sort && a.direction === b.direction && a.experiment === b.experiment && a.archived === b.archived;
}

/** The part of a `runs/query`, `runs/group` or `runs/export` request that a table query fills. */
export function scopeOf(query: TableQuery): { filter?: string; experiment?: string; include_archived?: boolean } {
  const scope: { filter?: string; experiment?: string; include_archived?: boolean } = {};
  if (query.filter.trim() !== '') scope.filter = query.filter;
  if (query.experiment !== null) scope.experiment = query.experiment;
  if (query.archived) scope.include_archived = true;
  return scope;
}

/** A `runs/query` request for one page of the table. */
export function pageRequest(query: TableQuery, offset: number, limit: number): MethodInput<'runs/query'> {
  return { ...scopeOf(query), sort: { column: query.sort, direction: query.direction }, offset, limit };
}
