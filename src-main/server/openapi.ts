import { z } from 'zod';
import { contract, METHODS, READ_METHODS, type Method } from '../../src-shared/api/contract';
import { ERROR_CODES } from '../../src-shared/api/errors';
import { API_PREFIX, EVENTS_PATH } from './api-routes';
import type { ExtraRoutes } from './extra-routes';

/** Where the document is served (behind the token, as every `/api/` path). */
export const OPENAPI_PATH = '/api/openapi.json';

/** A JSON Schema, as `z.toJSONSchema` writes it. */
export type JsonSchema = Record<string, unknown>;

/** One operation of an OpenAPI 3.1 document: the subset this server's routes use. */
export interface OpenApiOperation {
  operationId: string;
  summary?: string;
  description?: string;
  tags: string[];
  parameters?: Array<{ name: string; in: 'query'; required: boolean; schema: JsonSchema; style?: 'form'; explode?: boolean }>;
  requestBody?: { required: boolean; content: { 'application/json': { schema: JsonSchema } } };
  responses: Record<string, { description: string; content?: { 'application/json': { schema: JsonSchema } } }>;
}

/** The operations of one path, by HTTP method. */
export type OpenApiPathItem = Partial<Record<'get' | 'post', OpenApiOperation>>;
export type OpenApiPaths = Record<string, OpenApiPathItem>;

/**
 * Operations tagged `reads` change nothing stored; those tagged `writes` may. A fuzzer runs the first kind against a
 * database and checks it is unchanged afterwards.
 */
export const READS_TAG = 'reads';
export const WRITES_TAG = 'writes';

/** A zod schema as JSON Schema (2020-12, what OpenAPI 3.1 uses): `input` for what a client sends, `output` for answers. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  return plainTuples(rest) as JsonSchema;
}

/**
 * A tuple whose places all hold the same schema (an image's `[height, width, channels]`), written as an array of that
 * schema with a fixed length: the same values, in the form every OpenAPI tool reads (schemathesis 4 refuses
 * `prefixItems`, 2020-12's tuple keyword). Tuples of mixed places keep `prefixItems`.
 */
function plainTuples(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(plainTuples);
  if (typeof node !== 'object' || node === null) return node;
  const out = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, plainTuples(value)]));
  const places = out.prefixItems;
  if (Array.isArray(places) && places.length > 0 && out.items === false && places.every((place) => JSON.stringify(place) === JSON.stringify(places[0]))) {
    delete out.prefixItems;
    out.items = places[0];
  }
  return out;
}

/** The body of every refusal on the contract's routes (`{ ok: false, error }`), whatever its status. */
export const apiErrorBodySchema = z
  .object({
    ok: z.literal(false),
    error: z
      .object({
        code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...Array<keyof typeof ERROR_CODES>]),
        message: z.string(),
        fields: z.array(z.object({ field: z.string(), message: z.string() }).strict()).optional(),
      })
      .strict(),
  })
  .strict();

/** Every status a contract route may answer with besides 200: the error codes' statuses and the transport's own (405). */
const ERROR_STATUSES = [...new Set([...Object.values(ERROR_CODES), 405])].sort((a, b) => a - b);

function contractOperation(method: Method): OpenApiOperation {
  const { input, output } = contract[method];
  const success = z.object({ ok: z.literal(true), value: output }).strict();
  const errorBody = { content: { 'application/json': { schema: jsonSchemaOf(apiErrorBodySchema, 'output') } } };
  return {
    operationId: method,
    summary: `The contract's ${method}`,
    tags: [READ_METHODS.includes(method) ? READS_TAG : WRITES_TAG],
    requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(input, 'input') } } },
    responses: {
      '200': { description: 'The method ran: its output.', content: { 'application/json': { schema: jsonSchemaOf(success, 'output') } } },
      ...Object.fromEntries(ERROR_STATUSES.map((status) => [String(status), { description: 'Refused, or failed: the error code and a message that says what to do.', ...errorBody }])),
    },
  };
}

/** The paths of the contract: `POST /api/<domain>/<verb>` for every method, generated from its schemas. */
export function contractPaths(): OpenApiPaths {
  return Object.fromEntries(METHODS.map((method) => [`${API_PREFIX}${method}`, { post: contractOperation(method) }]));
}

/**
 * The OpenAPI 3.1 document of everything `serve` answers under `/api/`: the contract's methods and each extra route's
 * operations, generated from their zod schemas so that it cannot drift from what the server checks. The events
 * WebSocket is named in the description (OpenAPI has no words for it).
 */
export function openApiDocument(version: string, extra: readonly ExtraRoutes[]): Record<string, unknown> {
  const paths: OpenApiPaths = { ...contractPaths() };
  for (const routes of extra) Object.assign(paths, routes.describe());
  paths[OPENAPI_PATH] = {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      tags: [READS_TAG],
      responses: { '200': { description: 'The OpenAPI document.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Runboard',
      version,
      description:
        `The API of runboard serve. Every call needs the token (Authorization: Bearer <token>). ${EVENTS_PATH} is a WebSocket ` +
        'that sends every event as JSON { event, payload }.',
    },
    components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' } } },
    security: [{ token: [] }],
    tags: [
      { name: READS_TAG, description: 'Changes nothing stored.' },
      { name: WRITES_TAG, description: 'May change what is stored, start training or reach the network.' },
    ],
    paths,
  };
}
