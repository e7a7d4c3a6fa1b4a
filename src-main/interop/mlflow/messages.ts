import { z } from 'zod';
import { invalid, missing } from './errors';

/**
 * The requests of MLflow's tracking API that a training script's client sends (`mlflow/protos/service.proto`), read
 * as protobuf's JSON mapping reads them: 64-bit numbers as JSON numbers or numeric strings (GET calls send every field
 * as a query string), enums by name or number, doubles as numbers or the strings "NaN", "Infinity", "-Infinity".
 * Fields this server does not use are ignored, as a newer client may send more of them.
 */

const text = z.string({ error: 'a string' });
/**
 * A 64-bit integer as protobuf's JSON carries it: a number, or a numeric string (GET calls, and clients that write
 * int64 as text). Only whole numbers JavaScript holds exactly are taken (to ±2^53, over 285,000 years of milliseconds):
 * a larger one would be stored rounded, so it is refused by name instead.
 */
const INT64_ERROR = 'a whole number (64-bit integer) from -9007199254740991 to 9007199254740991';
const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)], { error: INT64_ERROR }).refine((n) => Number.isSafeInteger(n), { error: INT64_ERROR });
/** A JSON number too large for a double (`1e400`) is what protobuf reads it as: an infinity. */
const overflowed = z.custom<number>((value) => value === Infinity || value === -Infinity);
const double = z.union(
  [
    z.number(),
    overflowed,
    z.enum(['NaN', 'Infinity', '-Infinity']).transform((name) => (name === 'NaN' ? NaN : name === 'Infinity' ? Infinity : -Infinity)),
    z.string().regex(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/).transform(Number),
  ],
  { error: 'a number (a double, or "NaN", "Infinity", "-Infinity")' },
);

/** MLflow's run statuses, by name and by their enum numbers. */
export const MLFLOW_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type MlflowStatus = (typeof MLFLOW_STATUSES)[number];
const status = z.union([z.enum(MLFLOW_STATUSES), z.number().int().min(1).max(5).transform((n) => MLFLOW_STATUSES[n - 1] as MlflowStatus)], {
  error: `one of ${MLFLOW_STATUSES.join(', ')}`,
});

export const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
export type ViewType = (typeof VIEW_TYPES)[number];
const viewType = z.union([z.enum(VIEW_TYPES), z.number().int().min(1).max(3).transform((n) => VIEW_TYPES[n - 1] as ViewType)], {
  error: `one of ${VIEW_TYPES.join(', ')}`,
});

const keyValue = z.object({ key: text.optional(), value: text.optional() });
const metric = z.object({ key: text.optional(), value: double.optional(), timestamp: int64.optional(), step: int64.optional() });

/** `run_id`, or the older `run_uuid` the client still sends beside it. */
const runRef = { run_id: text.optional(), run_uuid: text.optional() };

export const requests = {
  'experiments/get-by-name': z.object({ experiment_name: text.optional() }),
  'experiments/create': z.object({ name: text.optional(), artifact_location: text.optional(), tags: z.array(keyValue).optional() }),
  'experiments/get': z.object({ experiment_id: text.optional() }),
  'experiments/search': z.object({
    max_results: int64.optional(),
    page_token: text.optional(),
    filter: text.optional(),
    order_by: z.array(text).optional(),
    view_type: viewType.optional(),
  }),
  'runs/create': z.object({ experiment_id: text.optional(), user_id: text.optional(), run_name: text.optional(), start_time: int64.optional(), tags: z.array(keyValue).optional() }),
  'runs/get': z.object(runRef),
  'runs/update': z.object({ ...runRef, status: status.optional(), end_time: int64.optional(), run_name: text.optional() }),
  'runs/log-metric': z.object({ ...runRef, key: text.optional(), value: double.optional(), timestamp: int64.optional(), step: int64.optional() }),
  'runs/log-parameter': z.object({ ...runRef, key: text.optional(), value: text.optional() }),
  'runs/set-tag': z.object({ ...runRef, key: text.optional(), value: text.optional() }),
  'runs/delete-tag': z.object({ run_id: text.optional(), key: text.optional() }),
  'runs/log-batch': z.object({ run_id: text.optional(), metrics: z.array(metric).optional(), params: z.array(keyValue).optional(), tags: z.array(keyValue).optional() }),
  'runs/search': z.object({
    experiment_ids: z.array(text).optional(),
    filter: text.optional(),
    run_view_type: viewType.optional(),
    max_results: int64.optional(),
    order_by: z.array(text).optional(),
    page_token: text.optional(),
  }),
  'metrics/get-history': z.object({ ...runRef, metric_key: text.optional(), page_token: text.optional(), max_results: int64.optional() }),
} as const;

export type Endpoint = keyof typeof requests;
export type Request<E extends Endpoint> = z.output<(typeof requests)[E]>;

/** The HTTP method the client uses for each endpoint (`RestStore._METHOD_TO_INFO`). */
export const ENDPOINT_METHODS: Record<Endpoint, 'GET' | 'POST'> = {
  'experiments/get-by-name': 'GET',
  'experiments/create': 'POST',
  'experiments/get': 'GET',
  'experiments/search': 'POST',
  'runs/create': 'POST',
  'runs/get': 'GET',
  'runs/update': 'POST',
  'runs/log-metric': 'POST',
  'runs/log-parameter': 'POST',
  'runs/set-tag': 'POST',
  'runs/delete-tag': 'POST',
  'runs/log-batch': 'POST',
  'runs/search': 'POST',
  'metrics/get-history': 'GET',
};

export function isEndpoint(name: string): name is Endpoint {
  return Object.prototype.hasOwnProperty.call(requests, name);
}

/** A request body or query as its message, or MLflow's INVALID_PARAMETER_VALUE naming the field (`metrics[2].value`). */
export function parseRequest<E extends Endpoint>(endpoint: E, input: unknown): Request<E> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(`The request must be a JSON object, not ${Array.isArray(input) ? 'an array' : JSON.stringify(input)}.`);
  const result = (requests[endpoint] as z.ZodType).safeParse(input);
  if (result.success) return result.data as Request<E>;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const path = issue.path.reduce<string>((at, part) => (typeof part === 'number' ? `${at}[${part}]` : at ? `${at}.${String(part)}` : String(part)), '');
  const value = issue.path.reduce<unknown>((at, part) => (at as Record<string | number, unknown> | undefined)?.[part as string | number], input);
  throw invalid(`Invalid value ${JSON.stringify(value) ?? 'undefined'} for parameter '${path}' supplied: expected ${issue.message.replace(/^Invalid input: /, '')}.`);
}

/** A required field, or MLflow's "Missing value for required parameter". */
export function required<T>(value: T | undefined, path: string): T {
  if (value === undefined || value === '') throw missing(path);
  return value;
}
