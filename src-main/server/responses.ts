import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiError, ErrorCode } from '../../src-shared/api/errors';
import { httpStatusOf } from '../../src-shared/api/errors';
import { securityHeaders } from './security';

/** How long a socket answered with a raw refusal may stay open for the client to read it, in milliseconds. */
const RAW_REFUSAL_LINGER_MS = 2_000;

/** Writes a JSON body. API answers are never cached: they carry live data. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(response, status, JSON.stringify(body), headers);
}

/** Writes JSON already serialised. */
export function sendJsonText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

/** Writes `{ ok: false, error }` with the status the error's code maps to, or `status` when given. */
export function sendApiError(response: ServerResponse, code: ErrorCode, message: string, status = httpStatusOf(code), headers: Record<string, string> = {}): void {
  const error: ApiError = { code, message };
  sendJson(response, status, { ok: false, error }, headers);
}

export function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

/** The page a browser gets without the token: it says where the token comes from. */
export function sendUnauthorizedPage(response: ServerResponse): void {
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Runboard: sign-in needed</title></head>',
    '<body><h1>Runboard needs its access token</h1>',
    '<p>Open the URL that <code>runboard serve</code> printed when it started (it ends with <code>?token=</code>).',
    ' The token is kept in a cookie for this browser session.</p></body></html>',
  ].join('');
  response.writeHead(401, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(html)),
    'Cache-Control': 'no-store',
  });
  response.end(html);
}

/**
 * Answers on a bare socket (a refused WebSocket upgrade, or a request Node could not parse) and closes it: for an
 * upgrade, the `ws` handshake never starts, so nothing is subscribed.
 */
export function writeRawRefusal(socket: Duplex, status: number, message: string, host: string): void {
  const body = JSON.stringify({ ok: false, error: { code: codeForStatus(status), message } });
  const headers = {
    ...securityHeaders(host),
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    Connection: 'close',
  };
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  // Give the answer time to reach a client that keeps its side open, then let go of the socket either way.
  const linger = setTimeout(() => socket.destroy(), RAW_REFUSAL_LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 400:
    case 408:
    case 431:
      return 'BAD_INPUT';
    default:
      return 'INTERNAL';
  }
}
