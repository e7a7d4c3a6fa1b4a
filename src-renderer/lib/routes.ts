/**
 * How the New run form starts from another run: `clone` (same params, a new seed), `finetune` (from its weights,
 * hidden layers frozen), `scale-up` (a sanity run's config on the full training set, same seed).
 */
import { experimentIdOf, experimentNumber } from '../../src-shared/entities/mlflow-experiment-id';
import { queryFromParams, queryToParams, type TableQuery } from './runs-query';

export const NEW_RUN_MODES = ['clone', 'finetune', 'scale-up'] as const;
export type NewRunMode = (typeof NEW_RUN_MODES)[number];

function parseMode(text: string | null): NewRunMode {
  return (NEW_RUN_MODES as readonly (string | null)[]).includes(text) ? (text as NewRunMode) : 'clone';
}

/** The views the hash router knows. Run ids are positive integers. */
export type Route =
  /** `query` is null for a bare `#/runs`: the table as the user left it. */
  | { name: 'runs'; query: TableQuery | null }
  | { name: 'new'; fromRunId: number | null; mode: NewRunMode }
  | { name: 'run'; runId: number }
  | { name: 'compare'; runIds: number[] }
  | { name: 'sweeps' }
  | { name: 'sweep-new'; fromRunId: number | null }
  | { name: 'sweep'; sweepId: number }
  /** Runs from other trackers (MLflow, TensorBoard). */
  | { name: 'import' }
  /** The MLflow tracking API switch and the lines to paste. */
  | { name: 'settings' }
  /** An experiment by Runboard's number, as the link MLflow's client prints names it: it opens the runs table on it. */
  | { name: 'experiment'; experimentId: number }
  | { name: 'not-found'; hash: string };

function parseRunId(text: string | undefined | null): number | null {
  if (!text || !/^\d{1,15}$/.test(text)) return null;
  const id = Number(text);
  return id > 0 ? id : null;
}

/** Comma-separated run ids, in the order given, duplicates and junk dropped. */
export function parseRunIds(text: string | null): number[] {
  if (!text) return [];
  const ids: number[] = [];
  for (const part of text.split(',')) {
    const id = parseRunId(part.trim());
    if (id !== null && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/**
 * `#/runs` (optionally `?filter=...&sort=...&dir=...&experiment=...&archived=1`), `#/new?from=3&mode=finetune`, `#/runs/12`, `#/compare?ids=1,2,3`, `#/sweeps`, `#/sweeps/new?from=3`,
 * `#/sweeps/4`; an empty hash is the runs table.
 */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const mark = raw.indexOf('?');
  const path = mark < 0 ? raw : raw.slice(0, mark);
  const query = mark < 0 ? '' : raw.slice(mark + 1);
  const params = new URLSearchParams(query);
  const segments = path.split('/').filter((s) => s.length > 0);
  if (segments.length === 0 || (segments.length === 1 && segments[0] === 'runs')) return { name: 'runs', query: queryFromParams(params) };
  if (segments.length === 1 && segments[0] === 'new') return { name: 'new', fromRunId: parseRunId(params.get('from')), mode: parseMode(params.get('mode')) };
  if (segments.length === 1 && segments[0] === 'compare') return { name: 'compare', runIds: parseRunIds(params.get('ids')) };
  if (segments.length === 1 && segments[0] === 'sweeps') return { name: 'sweeps' };
  if (segments.length === 1 && segments[0] === 'import') return { name: 'import' };
  if (segments.length === 1 && segments[0] === 'settings') return { name: 'settings' };
  if (segments.length === 2 && segments[0] === 'sweeps' && segments[1] === 'new') return { name: 'sweep-new', fromRunId: parseRunId(params.get('from')) };
  if (segments.length === 2 && segments[0] === 'sweeps') {
    const sweepId = parseRunId(segments[1]);
    if (sweepId !== null) return { name: 'sweep', sweepId };
  }
  // The links MLflow's client prints for a run it logged here (`View run ... at #/experiments/0/runs/12`).
  if (segments[0] === 'experiments') {
    const runId = segments.length === 4 && segments[2] === 'runs' ? parseRunId(segments[3]) : null;
    if (runId !== null) return { name: 'run', runId };
    const experimentId = segments.length === 2 ? experimentNumber(segments[1] as string) : null;
    if (experimentId !== null) return { name: 'experiment', experimentId };
  }
  if (segments.length === 2 && segments[0] === 'runs') {
    const runId = parseRunId(segments[1]);
    if (runId !== null) return { name: 'run', runId };
  }
  return { name: 'not-found', hash: raw };
}

export function routeHref(route: Exclude<Route, { name: 'not-found' }>): string {
  switch (route.name) {
    case 'runs': {
      const search = route.query ? queryToParams(route.query).toString() : '';
      return search === '' ? '#/runs' : `#/runs?${search}`;
    }
    case 'new':
      if (route.fromRunId === null) return '#/new';
      return route.mode === 'clone' ? `#/new?from=${route.fromRunId}` : `#/new?from=${route.fromRunId}&mode=${route.mode}`;
    case 'run':
      return `#/runs/${route.runId}`;
    case 'compare':
      return route.runIds.length > 0 ? `#/compare?ids=${route.runIds.join(',')}` : '#/compare';
    case 'sweeps':
      return '#/sweeps';
    case 'sweep-new':
      return route.fromRunId === null ? '#/sweeps/new' : `#/sweeps/new?from=${route.fromRunId}`;
    case 'sweep':
      return `#/sweeps/${route.sweepId}`;
    case 'import':
      return '#/import';
    case 'settings':
      return '#/settings';
    case 'experiment':
      return `#/experiments/${experimentIdOf(route.experimentId)}`;
  }
}
