import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { API_PREFIX, EVENTS_PATH, type ApiRoutes } from './api-routes';
import type { TokenCheck } from './auth';
import type { EventsSocket } from './events-socket';
import type { ExtraRoutes } from './extra-routes';
import { logError } from './log';
import { hasBody } from './request-body';
import { writeRawRefusal, sendApiError, sendText, sendUnauthorizedPage } from './responses';
import { securityHeaders, type HostPolicy } from './security';
import { safePathSegments, type StaticFiles } from './static-files';

export interface GatewayParts {
  hosts: HostPolicy;
  tokens: TokenCheck;
  api: ApiRoutes;
  files: StaticFiles;
  events: EventsSocket;
  /** Other APIs served beside the contract (the MLflow tracking API), behind the same checks. */
  extra?: readonly ExtraRoutes[];
}

/**
 * The front door: every HTTP request and WebSocket upgrade passes the same checks in the same order (Host, then
 * token, then the route's own checks) before any route sees it, so no route can be forgotten by the auth layer.
 */
export class Gateway {
  constructor(private readonly parts: GatewayParts) {}

  /** The `request` (and `checkContinue`) listener. Never throws: a failure is logged and answered 500. */
  readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    this.route(request, response).catch((error: unknown) => {
      logError(`${request.method ?? '?'} ${(request.url ?? '').split('?')[0]} failed`, error);
      if (!response.headersSent) sendApiError(response, 'INTERNAL', 'Internal error; the details are in the server log.', 500, { Connection: 'close' });
      else response.destroy();
    });
  };

  /** The `upgrade` listener: only `/api/events`, from our own origin, with the token, becomes a WebSocket. */
  readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Node hands the socket over without an error listener; a reset before we are done must not crash the server.
    socket.on('error', () => socket.destroy());
    try {
      const { hosts, tokens, events } = this.parts;
      const host = hosts.acceptedHost(request);
      if (!host) return writeRawRefusal(socket, 403, forbiddenHostMessage, hosts.fallbackHost);
      if (splitTarget(request.url)?.path !== EVENTS_PATH) return writeRawRefusal(socket, 404, 'No WebSocket here.', host);
      if (!hosts.originAllowed(request, host)) return writeRawRefusal(socket, 403, 'Cross-origin WebSocket refused.', host);
      if (!tokens.authenticates(request)) return writeRawRefusal(socket, 401, unauthorizedMessage, host);
      events.accept(request, socket, head);
    } catch (error) {
      logError('WebSocket upgrade failed', error);
      socket.destroy();
    }
  };

  /**
   * The `clientError` listener: a request Node could not parse (or that timed out) gets a short answer with our
   * security headers instead of Node's bare one, and its connection is closed.
   */
  readonly onClientError = (error: NodeJS.ErrnoException, socket: Duplex): void => {
    const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    writeRawRefusal(socket, status, 'The request could not be read.', this.parts.hosts.fallbackHost);
  };

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { hosts, tokens, api, files } = this.parts;
    const host = hosts.acceptedHost(request);
    for (const [name, value] of Object.entries(securityHeaders(host ?? hosts.fallbackHost))) response.setHeader(name, value);
    const target = splitTarget(request.url);
    const isApi = target !== undefined && (target.path === '/api' || target.path.startsWith(API_PREFIX));
    const extra = target ? this.parts.extra?.find((routes) => target.path.startsWith(routes.prefix)) : undefined;
    // Refusing without reading a body: close the connection rather than read the body to keep it alive.
    const refusal: Record<string, string> = hasBody(request) ? { Connection: 'close' } : {};

    if (!host) {
      if (extra) extra.refuse(response, 403, forbiddenHostMessage, refusal);
      else if (isApi) sendApiError(response, 'FORBIDDEN', forbiddenHostMessage, 403, refusal);
      else sendText(response, 403, forbiddenHostMessage, refusal);
      return;
    }
    if (!target) {
      sendText(response, 400, 'Bad request target.', refusal);
      return;
    }

    const isRead = request.method === 'GET' || request.method === 'HEAD';
    const offered = target.query.get('token');
    if (!isApi && isRead && offered !== null) {
      if (!tokens.matches(offered)) return sendUnauthorizedPage(response);
      // Keep the token out of the address bar, the history and any Referer: it lives in the cookie from now on.
      target.query.delete('token');
      const rest = target.query.toString();
      const path = safePathSegments(target.path) ? target.path : '/';
      response.writeHead(302, { 'Set-Cookie': tokens.cookie(), Location: rest ? `${path}?${rest}` : path, 'Cache-Control': 'no-store', 'Content-Length': '0' });
      response.end();
      return;
    }

    if (!tokens.authenticates(request)) {
      if (extra) extra.refuse(response, 401, unauthorizedMessage, refusal);
      else if (isApi) sendApiError(response, 'UNAUTHORIZED', unauthorizedMessage, 401, refusal);
      else sendUnauthorizedPage(response);
      return;
    }
    if (extra) return extra.handle(request, response, target.path, target.query, host);
    if (isApi) return api.handle(request, response, target.path, host);
    if (isRead) return files.serve(request, response, target.path);
    sendText(response, 405, 'Only GET and HEAD are served here.', { ...refusal, Allow: 'GET, HEAD' });
  }
}

const forbiddenHostMessage =
  'Forbidden: this server answers only to the Host it was started for (localhost, 127.0.0.1 or [::1] on its port). Open the URL printed by `runboard serve`.';
const unauthorizedMessage =
  'Missing or wrong token: open the URL printed by `runboard serve`, or send Authorization: Bearer <token> (MLflow clients: set MLFLOW_TRACKING_TOKEN).';

/** The path and query of an origin-form request target (`/path?query`); undefined for any other form. */
function splitTarget(url: string | undefined): { path: string; query: URLSearchParams } | undefined {
  if (!url || !url.startsWith('/')) return undefined;
  const mark = url.indexOf('?');
  if (mark < 0) return { path: url, query: new URLSearchParams() };
  return { path: url.slice(0, mark), query: new URLSearchParams(url.slice(mark + 1)) };
}
