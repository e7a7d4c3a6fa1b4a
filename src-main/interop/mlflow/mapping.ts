import { experimentIdOf } from '../../../src-shared/entities/mlflow-experiment-id';
import { toMetricValue, type MetricValue, type RunStatus, type RunSummary } from '../../../src-shared/entities/run';
import type { ExperimentRecord, RunRecord } from '../../store/run-store';
import { invalid, MlflowError } from './errors';
import type { MlflowStatus } from './messages';

/**
 * How Runboard's entities read in MLflow's terms, both ways. Runboard's experiment 1 (`default`) is MLflow's default
 * experiment "0"; any other experiment keeps its number (`src-shared/entities/mlflow-experiment-id.ts`, which the
 * app's links use too). A run's id is its Runboard number, as text.
 */

export { DEFAULT_EXPERIMENT_ID, experimentNumber } from '../../../src-shared/entities/mlflow-experiment-id';
export { experimentIdOf };

/** Runboard's run number for MLflow's run id. @throws MlflowError RESOURCE_DOES_NOT_EXIST for one that cannot be ours. */
export function runNumber(runId: string): number {
  if (!/^\d{1,15}$/.test(runId) || Number(runId) < 1) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
  return Number(runId);
}

const FROM_MLFLOW: Record<MlflowStatus, RunStatus> = { RUNNING: 'running', SCHEDULED: 'queued', FINISHED: 'finished', FAILED: 'failed', KILLED: 'stopped' };

/** MLflow's status as Runboard's: KILLED is `stopped`, SCHEDULED `queued`. */
export function statusFromMlflow(status: MlflowStatus): RunStatus {
  return FROM_MLFLOW[status];
}

/** Runboard's status as MLflow's: a run that crashed (interrupted) or diverged FAILED, one stopped or pruned KILLED. */
export function statusToMlflow(status: RunStatus): MlflowStatus {
  switch (status) {
    case 'queued':
      return 'SCHEDULED';
    case 'running':
      return 'RUNNING';
    case 'finished':
      return 'FINISHED';
    case 'stopped':
    case 'pruned':
      return 'KILLED';
    default:
      return 'FAILED';
  }
}

/** A metric value as MLflow's JSON carries a double: NaN and the infinities as strings. */
export function jsonDouble(value: MetricValue | number): number | string {
  return typeof value === 'number' ? toMetricValue(value) : value;
}

export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active';
  creation_time: number;
  last_update_time: number;
  tags: never[];
}

export function experimentJson(experiment: ExperimentRecord): MlflowExperiment {
  return {
    experiment_id: experimentIdOf(experiment.id),
    name: experiment.name,
    // Runboard keeps no artifacts.
    artifact_location: '',
    lifecycle_stage: 'active',
    creation_time: experiment.created_at,
    last_update_time: experiment.created_at,
    tags: [],
  };
}

/** A run's `RunInfo`. */
export function runInfoJson(run: RunSummary, experimentId: number): Record<string, unknown> {
  return {
    run_id: String(run.run_id),
    run_uuid: String(run.run_id),
    run_name: run.name,
    experiment_id: experimentIdOf(experimentId),
    user_id: run.source?.user ?? '',
    status: statusToMlflow(run.status),
    start_time: run.started_at ?? run.created_at,
    ...(run.ended_at !== null ? { end_time: run.ended_at } : {}),
    // Runboard keeps no artifacts; a client that logs one is sent to this server's artifact route, which says so.
    artifact_uri: `mlflow-artifacts:/${experimentIdOf(experimentId)}/${run.run_id}/artifacts`,
    lifecycle_stage: run.deleted ? 'deleted' : 'active',
  };
}

/** A whole `Run`: its info, and its data (each metric's last value, params as text, tags). */
export function runJson(run: RunSummary, experimentId: number, record: RunRecord): Record<string, unknown> {
  return {
    info: runInfoJson(run, experimentId),
    data: {
      metrics: record.latest.map((m) => ({ key: m.key, value: jsonDouble(m.value), timestamp: m.time, step: m.step })),
      params: Object.entries(record.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(run.tags).map(([key, value]) => ({ key, value })),
    },
    inputs: {},
  };
}

/** MLflow's limits (`mlflow/utils/validation.py`). */
export const LIMITS = {
  metricsPerBatch: 1000,
  paramsTagsPerBatch: 100,
  entitiesPerBatch: 1000,
  batchRequestBytes: 1_000_000,
  paramValueLength: 6000,
  tagValueLength: 8000,
  keyLength: 250,
  experimentNameLength: 500,
  searchMaxResults: 50_000,
  searchDefaultResults: 1000,
} as const;

const NAME_CHARACTERS = /^[/\p{L}\p{N}\p{M}_.\- :]*$/u;

/** POSIX `normpath`, enough to tell a name that would resolve to another one as a file path. */
function normalisePath(name: string): string {
  const absolute = name.startsWith('/');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '..' || !absolute) parts.push(part);
  }
  const joined = parts.join('/');
  return absolute ? `/${joined}` : joined || '.';
}

/**
 * A metric, param or tag name as MLflow allows it: letters and digits of any script (as Python's \w), `_ - . / :` and spaces, at most 250 characters,
 * and not a path that resolves to another name (`a/../b`, a leading `/`, `..`).
 * @throws MlflowError INVALID_PARAMETER_VALUE naming the field.
 */
export function checkKey(key: string, path: string): void {
  if (!NAME_CHARACTERS.test(key)) {
    throw invalid(`Invalid value ${JSON.stringify(key)} for parameter '${path}' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`);
  }
  const normalised = normalisePath(key);
  if (normalised !== key || normalised === '.' || normalised.startsWith('..') || normalised.startsWith('/')) {
    throw invalid(
      `Invalid value ${JSON.stringify(key)} for parameter '${path}' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${normalised}'`,
    );
  }
  if (key.length > LIMITS.keyLength) throw invalid(`'${path}' exceeds the maximum length of ${LIMITS.keyLength} characters`);
}

export function checkLength(value: string, limit: number, path: string): void {
  if (value.length > limit) throw invalid(`'${path}' exceeds the maximum length of ${limit} characters`);
}

/** Opaque paging tokens: where the next page starts. */
export function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64');
}

export function pageOffset(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isSafeInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // Falls through to the refusal.
  }
  throw invalid(`Invalid page token, could not base64-decode: '${token.slice(0, 100)}'`);
}
