import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { assertUsableToken, TokenCheck } from './auth';
import type { ExtraRoutes } from './extra-routes';
import { listen, shutdown } from './index';
import { logError } from './log';
import { hasBody } from './request-body';
import { sendJson, writeRawRefusal } from './responses';
import { HostPolicy, securityHeaders } from './security';

export interface RoutesServerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  token: string;
  routes: (hosts: HostPolicy) => readonly ExtraRoutes[];
}

export interface RunningRoutesServer {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The smallest server for other trackers' APIs where no `serve` runs (the desktop app): 127.0.0.1 only, no UI, no
 * contract, no WebSocket; the same Host and token checks, security headers and refusals as `serve`'s gateway.
 * @throws AppError `CONFLICT` when the port is taken, `BAD_INPUT` for an unusable token.
 */
export async function startRoutesServer(options: RoutesServerOptions): Promise<RunningRoutesServer> {
  assertUsableToken(options.token);
  const server = createServer();
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, options.port, '127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  const hosts = new HostPolicy({ port, boundHosts: ['127.0.0.1'], allowRemote: false });
  const tokens = new TokenCheck(options.token, port);
  const routes = options.routes(hosts);

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const host = hosts.acceptedHost(request);
    for (const [name, value] of Object.entries(securityHeaders(host ?? hosts.fallbackHost))) response.setHeader(name, value);
    const refusal: Record<string, string> = hasBody(request) ? { Connection: 'close' } : {};
    const url = request.url ?? '';
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    const target = routes.find((r) => path.startsWith(r.prefix));
    if (!target) {
      sendJson(response, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `Nothing is served at ${path.slice(0, 200)} here.` }, refusal);
      return;
    }
    if (!host) return target.refuse(response, 403, 'Forbidden: this server answers only to 127.0.0.1, localhost or [::1] on its port.', refusal);
    if (!tokens.authenticates(request)) return target.refuse(response, 401, 'Missing or wrong token: send Authorization: Bearer <token> (MLflow clients: set MLFLOW_TRACKING_TOKEN).', refusal);
    await target.handle(request, response, path, new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1)), host);
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    route(request, response).catch((error: unknown) => {
      logError(`${request.method ?? '?'} ${(request.url ?? '').split('?')[0]} failed`, error);
      if (!response.headersSent) sendJson(response, 500, { error_code: 'INTERNAL_ERROR', message: 'Internal error; the details are in the Runboard log.' }, { Connection: 'close' });
      else response.destroy();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    writeRawRefusal(socket, 404, 'No WebSocket here.', hosts.fallbackHost);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    writeRawRefusal(socket, 400, 'The request could not be read.', hosts.fallbackHost);
  });

  let closing: Promise<void> | undefined;
  return { origin: `http://127.0.0.1:${port}`, port, close: () => (closing ??= shutdown(server, sockets)) };
}
