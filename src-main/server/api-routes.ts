import type { IncomingMessage, ServerResponse } from 'node:http';
import { isMethod } from '../../src-shared/api/contract';
import { httpStatusOf } from '../../src-shared/api/errors';
import type { ApiHost } from '../../src-shared/api/host';
import { MAX_IMPORT_BYTES } from '../../src-shared/entities/dataset';
import { MAX_BODY_BYTES, hasBody, isJsonContentType, readJsonBody } from './request-body';
import { OPENAPI_PATH } from './openapi';
import { sendApiError, sendJson, sendJsonText } from './responses';
import type { HostPolicy } from './security';

export const API_PREFIX = '/api/';

/** Dataset imports carry a whole CSV file; every other call fits in the default limit. */
export function bodyLimitOf(method: string): number {
  return method === 'datasets/import' ? MAX_IMPORT_BYTES + 64 * 1024 : MAX_BODY_BYTES;
}
export const EVENTS_PATH = '/api/events';

/** How long a connection closed after an oversized body may linger so the 413 reaches the client, in milliseconds. */
const CLOSE_LINGER_MS = 2_000;

/**
 * `POST /api/<domain>/<verb>` with a JSON body: the contract over HTTP. The host validates the input with the
 * contract's schemas; this layer only refuses what must never reach it (wrong verb, foreign origin, not JSON,
 * oversized, unparsable).
 */
export class ApiRoutes {
  /** @param openApi the document served at `/api/openapi.json`, as JSON text (made once: it never changes). */
  constructor(
    private readonly api: ApiHost,
    private readonly hosts: HostPolicy,
    private readonly openApi = '{}',
  ) {}

  /** @param rawPath the request path without its query, starting with `/api/`. @param host the validated Host. */
  async handle(request: IncomingMessage, response: ServerResponse, rawPath: string, host: string): Promise<void> {
    // Any answer that leaves a body unread closes the connection instead of reading the body to reuse it.
    const refusal: Record<string, string> = hasBody(request) ? { Connection: 'close' } : {};
    const name = rawPath.slice(API_PREFIX.length);

    if (rawPath === EVENTS_PATH) {
      sendApiError(response, 'BAD_INPUT', `${EVENTS_PATH} is a WebSocket: connect with an Upgrade request.`, 426, { ...refusal, Upgrade: 'websocket' });
      return;
    }
    if (rawPath === OPENAPI_PATH) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        sendApiError(response, 'BAD_INPUT', `Read ${OPENAPI_PATH} with GET.`, 405, { ...refusal, Allow: 'GET, HEAD' });
        return;
      }
      sendJsonText(response, 200, this.openApi, refusal);
      return;
    }
    if (!isMethod(name)) {
      sendApiError(response, 'NOT_FOUND', `There is no API method "${name.slice(0, 100)}".`, 404, refusal);
      return;
    }
    if (request.method !== 'POST') {
      sendApiError(response, 'BAD_INPUT', `Call ${name} with POST and a JSON body.`, 405, { ...refusal, Allow: 'POST' });
      return;
    }
    if (!this.hosts.originAllowed(request, host)) {
      sendApiError(response, 'FORBIDDEN', 'Cross-origin API calls are refused.', 403, refusal);
      return;
    }
    if (!isJsonContentType(request.headers['content-type'])) {
      sendApiError(response, 'UNSUPPORTED_MEDIA_TYPE', 'API calls must send Content-Type: application/json.', 415, refusal);
      return;
    }

    const body = await readJsonBody(request, response, bodyLimitOf(name));
    if (!body.ok) {
      if (body.code === 'aborted') return;
      if (body.code === 'PAYLOAD_TOO_LARGE') {
        sendApiError(response, body.code, body.message, 413, { Connection: 'close' });
        closeAfterAnswer(request, response);
      } else {
        sendApiError(response, body.code, body.message);
      }
      return;
    }

    const result = await this.api.call(name, body.value);
    if (result.ok) sendJson(response, 200, result);
    else sendJson(response, httpStatusOf(result.error.code) ?? 500, result);
  }
}

/** Makes sure a connection whose body was left unread goes away once the answer is out (or soon, if it never is). */
function closeAfterAnswer(request: IncomingMessage, response: ServerResponse): void {
  const socket = request.socket;
  const timer = setTimeout(() => socket.destroy(), CLOSE_LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  response.once('finish', () => socket.end());
}
