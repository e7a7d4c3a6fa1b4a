import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AppError } from '../../src-shared/api/errors';
import type { ApiHost } from '../../src-shared/api/host';
import { ApiRoutes } from './api-routes';
import { assertUsableToken, generateToken, TokenCheck } from './auth';
import { EventsSocket } from './events-socket';
import type { ExtraRoutes } from './extra-routes';
import { Gateway } from './gateway';
import { logWarning } from './log';
import { openApiDocument } from './openapi';
import { appVersion } from '../paths';
import { formatUrlHost, HostPolicy, isLoopbackHost, isWildcardHost } from './security';
import { openStaticRoot, StaticFiles } from './static-files';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7321;

export interface ServeOptions {
  /** The API every request is passed to; it validates inputs and never throws. */
  api: ApiHost;
  /** The built UI (`index.html` and `assets/`), served as static files. */
  rendererDir: string;
  /** Interface to listen on; default `127.0.0.1`. Anything but loopback needs `allowRemote`. */
  host?: string;
  /** TCP port; default 7321; 0 picks any free port (see `RunningServer.port`). */
  port?: number;
  /** Access token (16 to 512 URL-safe characters); default: 32 crypto-random bytes, base64url. */
  token?: string;
  /** Allows listening on a non-loopback interface (`--allow-remote`); a warning is printed, the token still applies. */
  allowRemote?: boolean;
  /** Interval between WebSocket heartbeat pings in milliseconds (default 30 000); a silent client is dropped after one. */
  heartbeatMs?: number;
  /** Other APIs served on the same port behind the same checks (the MLflow tracking API), made once listening. */
  extraRoutes?: (hosts: HostPolicy) => readonly ExtraRoutes[];
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT/?token=...`: the URL to open (what `runboard serve` prints first). */
  url: string;
  /** The port actually bound. */
  port: number;
  token: string;
  /** Closes the listener, every connection and WebSocket, and every event subscription. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves the UI and the API over HTTP and WebSocket. Resolves once listening.
 * @throws AppError `BAD_INPUT` for a non-loopback host without `allowRemote`, a bad port or token;
 *   `IO_ERROR` when `rendererDir` holds no built UI; `CONFLICT` when the port is taken.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const requestedPort = options.port ?? DEFAULT_PORT;
  const allowRemote = options.allowRemote === true;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535) {
    throw new AppError('BAD_INPUT', `The port must be a whole number from 0 to 65535 (0 picks a free one), not ${requestedPort}.`);
  }
  if (!isLoopbackHost(host) && !allowRemote) {
    throw new AppError(
      'BAD_INPUT',
      `Refusing to listen on ${host}: other machines could reach it. Serve on 127.0.0.1 and use an SSH tunnel ` +
        `(ssh -L ${requestedPort || DEFAULT_PORT}:127.0.0.1:${requestedPort || DEFAULT_PORT} ...), or pass --allow-remote to listen on ${host} anyway (the token is still required).`,
    );
  }
  const token = options.token ?? generateToken();
  assertUsableToken(token);
  const rootReal = await openStaticRoot(options.rendererDir);
  if (!rootReal) {
    throw new AppError('IO_ERROR', `The UI is not built: ${options.rendererDir} has no index.html. Run \`npm run build\` first.`);
  }

  const server = createServer();
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, requestedPort, host);
  const address = server.address() as AddressInfo;

  const hosts = new HostPolicy({ port: address.port, boundHosts: [host, address.address], allowRemote });
  const tokens = new TokenCheck(token, address.port);
  const events = new EventsSocket(options.api, options.heartbeatMs);
  const extra = options.extraRoutes?.(hosts) ?? [];
  const openApi = JSON.stringify(openApiDocument(appVersion(), extra));
  const gateway = new Gateway({ hosts, tokens, api: new ApiRoutes(options.api, hosts, openApi), files: new StaticFiles(rootReal), events, extra });
  server.on('request', gateway.onRequest);
  server.on('checkContinue', gateway.onRequest);
  server.on('upgrade', gateway.onUpgrade);
  server.on('clientError', gateway.onClientError);

  if (!isLoopbackHost(host)) {
    logWarning(
      `listening on ${formatUrlHost(host)}:${address.port}, reachable from other machines. Anyone with the token can ` +
        'train and read every run, and plain HTTP is not encrypted: prefer 127.0.0.1 with an SSH tunnel.',
    );
  }

  const urlHost = isWildcardHost(host) ? DEFAULT_HOST : formatUrlHost(address.address);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}/?token=${token}`,
    port: address.port,
    token,
    close: () => (closing ??= shutdown(server, sockets, events)),
  };
}

/** Listens, turning the usual failures (port taken, not allowed, not an address here) into errors that say what to do. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(listenError(error, port, host));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new AppError('CONFLICT', `Port ${port} on ${host} is already in use (another runboard serve?). Pass --port with another port, or 0 for any free one.`);
    case 'EACCES':
      return new AppError('BAD_INPUT', `Not allowed to listen on port ${port} on ${host}: ports below 1024 need privileges. Pick a port above 1024.`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new AppError('BAD_INPUT', `Cannot listen on ${host}: it is not an address of this machine.`);
    default:
      return error;
  }
}

/** Closes the listener and every connection (upgraded ones included), resolving once each one is really closed. */
export async function shutdown(server: Server, sockets: Set<Socket>, events?: EventsSocket): Promise<void> {
  events?.close();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Upgraded (WebSocket) and half-sent connections included: resolve only once every one is really closed.
  const socketsClosed = [...sockets].map((socket) => new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve()))));
  server.closeAllConnections();
  for (const socket of sockets) socket.destroy();
  await Promise.all([closed, ...socketsClosed]);
}
