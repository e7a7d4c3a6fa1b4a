import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtraRoutes } from '../../server/extra-routes';
import { logError } from '../../server/log';
import { MAX_BODY_BYTES, hasBody, isJsonContentType, readJsonBody } from '../../server/request-body';
import { sendJson } from '../../server/responses';
import { jsonSchemaOf, READS_TAG, WRITES_TAG, type JsonSchema, type OpenApiPaths } from '../../server/openapi';
import type { HostPolicy } from '../../server/security';
import { asMlflowError, MLFLOW_ERROR_STATUS, mlflowErrorBodySchema, MlflowError, type MlflowErrorCode } from './errors';
import { LIMITS } from './mapping';
import { ENDPOINT_METHODS, isEndpoint, requests, type Endpoint } from './messages';
import type { MlflowService } from './service';

/** Where MLflow's client sends its tracking calls. */
export const MLFLOW_PREFIX = '/api/2.0/mlflow/';
/** Where it sends artifacts (runs' `artifact_uri` is `mlflow-artifacts:/...`, which it resolves against this server). */
export const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts/';

/** How long a connection closed after an oversized body may linger so the answer reaches the client, in ms. */
const CLOSE_LINGER_MS = 2_000;

/**
 * MLflow's tracking API over HTTP: `GET` calls with their fields in the query, `POST` calls with a JSON body, answers
 * in MLflow's JSON and errors as `{"error_code", "message"}` with MLflow's statuses. Mounted by the gateway (serve, or
 * the desktop app's loopback server) behind its Host and token checks; here, foreign origins and non-JSON bodies are
 * refused, as on the contract's routes.
 */
export class MlflowRoutes implements ExtraRoutes {
  /** Both prefixes: the tracking calls, and the artifact calls it refuses by name. */
  readonly prefix = '/api/2.0/mlflow';

  constructor(
    private readonly service: MlflowService,
    private readonly hosts: Pick<HostPolicy, 'originAllowed'>,
  ) {}

  describe(): OpenApiPaths {
    return Object.fromEntries((Object.keys(requests) as Endpoint[]).map((endpoint) => [`${MLFLOW_PREFIX}${endpoint}`, describeEndpoint(endpoint)]));
  }

  refuse(response: ServerResponse, status: 401 | 403, message: string, headers: Record<string, string>): void {
    sendError(response, new MlflowError(status === 401 ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED', message), headers);
  }

  async handle(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams, host: string): Promise<void> {
    const refusal: Record<string, string> = hasBody(request) ? { Connection: 'close' } : {};
    if (path.startsWith(ARTIFACTS_PREFIX)) {
      sendError(response, new MlflowError('ENDPOINT_NOT_FOUND', 'Runboard keeps no artifacts: log_artifact and log_model are not stored here (params, metrics and tags are).'), refusal);
      return;
    }
    if (!path.startsWith(MLFLOW_PREFIX)) {
      sendError(response, new MlflowError('ENDPOINT_NOT_FOUND', `Runboard does not answer ${path.slice(0, 200)}.`), refusal);
      return;
    }
    const name = path.slice(MLFLOW_PREFIX.length);
    if (!isEndpoint(name)) {
      sendError(response, new MlflowError('ENDPOINT_NOT_FOUND', `Runboard does not answer ${path.slice(0, 200)}: it serves the MLflow tracking calls a training script makes (experiments, runs, params, metrics, tags, search).`), refusal);
      return;
    }
    const method = ENDPOINT_METHODS[name];
    if (request.method !== method) {
      sendError(response, error('BAD_REQUEST', `${path} takes ${method}, not ${request.method ?? '?'}.`), { ...refusal, Allow: method });
      return;
    }
    if (!this.hosts.originAllowed(request, host)) {
      sendError(response, error('PERMISSION_DENIED', 'Cross-origin calls are refused.'), refusal);
      return;
    }

    let input: unknown;
    if (method === 'GET') {
      input = queryObject(query);
    } else {
      if (!isJsonContentType(request.headers['content-type'])) {
        sendError(response, error('BAD_REQUEST', `${path} takes a JSON body: send Content-Type: application/json.`), refusal);
        return;
      }
      const limit = name === 'runs/log-batch' ? LIMITS.batchRequestBytes : MAX_BODY_BYTES;
      const body = await readJsonBody(request, response, limit);
      if (!body.ok) {
        if (body.code === 'aborted') return;
        if (body.code === 'PAYLOAD_TOO_LARGE') {
          sendError(response, error('INVALID_PARAMETER_VALUE', `Requests to ${path} must be at most ${limit} bytes; send less per call.`), { Connection: 'close' });
          closeAfterAnswer(request, response);
        } else {
          sendError(response, error('BAD_REQUEST', body.message));
        }
        return;
      }
      input = body.value;
    }

    try {
      sendJson(response, 200, await this.service.call(name, input));
    } catch (caught) {
      const { error: mlflowError, unexpected } = asMlflowError(caught);
      if (unexpected) logError(`MLflow ${name} failed`, caught);
      sendError(response, mlflowError);
    }
  }
}

/**
 * One endpoint as an OpenAPI operation: a GET's fields as query parameters (a list field as the parameter repeated), a
 * POST's as its JSON body, both from the schema `parseRequest` checks. The answers are MLflow's messages, which this
 * server writes without a schema of its own (`mapping.ts`): described as objects; the errors by their schema.
 */
function describeEndpoint(endpoint: Endpoint): OpenApiPaths[string] {
  const method = ENDPOINT_METHODS[endpoint];
  const schema = jsonSchemaOf(requests[endpoint], 'input');
  const errorBody = { description: "MLflow's error: its code and a message.", content: { 'application/json': { schema: jsonSchemaOf(mlflowErrorBodySchema, 'output') } } };
  const statuses = [...new Set(Object.values(MLFLOW_ERROR_STATUS))].sort((a, b) => a - b);
  const responses = {
    '200': { description: `MLflow's ${endpoint} response message.`, content: { 'application/json': { schema: { type: 'object' } } } },
    ...Object.fromEntries(statuses.map((status) => [String(status), errorBody])),
  };
  const operation = { operationId: `mlflow/${endpoint}`, tags: [method === 'GET' ? READS_TAG : WRITES_TAG], responses };
  if (method === 'POST') return { post: { ...operation, requestBody: { required: true, content: { 'application/json': { schema } } } } };
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const parameters = Object.entries(properties).map(([name, property]) => ({ name, in: 'query' as const, required: false, schema: property }));
  return { get: { ...operation, parameters } };
}

const error = (code: MlflowErrorCode, message: string): MlflowError => new MlflowError(code, message);

function sendError(response: ServerResponse, mlflowError: MlflowError, headers: Record<string, string> = {}): void {
  sendJson(response, mlflowError.status, mlflowError.toJSON(), headers);
}

/** A GET call's query as its message: each field once (the last one given), repeated fields as lists. */
function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    out[key] = values.length > 1 ? values : (values[0] as string);
  }
  return out;
}

/** Makes sure a connection whose body was left unread goes away once the answer is out (or soon, if it never is). */
function closeAfterAnswer(request: IncomingMessage, response: ServerResponse): void {
  const socket = request.socket;
  const timer = setTimeout(() => socket.destroy(), CLOSE_LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  response.once('finish', () => socket.end());
}
