/**
 * The answers `serve` writes by hand (`server/responses.ts`): the raw refusal on a bare socket (a refused WebSocket
 * upgrade, a request Node could not parse) with its status line, headers, JSON body and how the socket is let go;
 * the plain text, JSON and sign-in page answers; and which status the gateway gives each kind of unreadable request.
 */
import { Duplex } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiRoutes } from '../../src-main/server/api-routes';
import { TokenCheck } from '../../src-main/server/auth';
import type { EventsSocket } from '../../src-main/server/events-socket';
import { Gateway } from '../../src-main/server/gateway';
import { sendApiError, sendJson, sendText, sendUnauthorizedPage, writeRawRefusal } from '../../src-main/server/responses';
import { HostPolicy, securityHeaders } from '../../src-main/server/security';
import { StaticFiles } from '../../src-main/server/static-files';
import { FakeApiHost } from './helpers';

/** A socket that keeps what is written to it and stays open until destroyed (a client that does not hang up). */
class FakeSocket extends Duplex {
  written = '';
  destroyedCalls = 0;
  _httpMessage?: { headersSent?: boolean };
  constructor(writable = true) {
    super();
    if (!writable) this.end();
  }
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.written += chunk.toString('utf8');
    done();
  }
  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.destroyedCalls++;
    done(error);
  }
}

/** The status line, headers and body of a raw answer. */
function parseAnswer(text: string) {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
  return { statusLine, headers, body: JSON.parse(body) as { ok: boolean; error: { code: string; message: string } } };
}

/** A ServerResponse stand-in that records the head and the body. */
function fakeResponse() {
  const recorded: { status?: number; headers?: Record<string, string>; body?: string } = {};
  const response = {
    writeHead(status: number, headers: Record<string, string>) {
      recorded.status = status;
      recorded.headers = headers;
      return response;
    },
    end(body: string) {
      recorded.body = body;
    },
  };
  return { response: response as unknown as ServerResponse, recorded };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('writeRawRefusal', () => {
  it('writes a whole HTTP answer: status line, security headers, JSON type, length, no-store, Connection: close, body', async () => {
    const socket = new FakeSocket();
    writeRawRefusal(socket, 403, 'Cross-origin WebSocket refused.', 'localhost:7321');
    await new Promise((resolve) => setImmediate(resolve));
    const answer = parseAnswer(socket.written);
    const body = '{"ok":false,"error":{"code":"FORBIDDEN","message":"Cross-origin WebSocket refused."}}';
    expect(answer.statusLine).toBe('HTTP/1.1 403 Forbidden');
    expect(answer.headers).toEqual({
      ...securityHeaders('localhost:7321'),
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-store',
      Connection: 'close',
    });
    expect(socket.written.endsWith(`\r\n\r\n${body}`)).toBe(true);
    socket.destroy();
  });

  it('gives each status its error code and reason phrase', async () => {
    const cases: [number, string, string][] = [
      [400, 'Bad Request', 'BAD_INPUT'],
      [401, 'Unauthorized', 'UNAUTHORIZED'],
      [403, 'Forbidden', 'FORBIDDEN'],
      [404, 'Not Found', 'NOT_FOUND'],
      [408, 'Request Timeout', 'BAD_INPUT'],
      [431, 'Request Header Fields Too Large', 'BAD_INPUT'],
      [500, 'Internal Server Error', 'INTERNAL'],
      [599, 'Error', 'INTERNAL'],
    ];
    for (const [status, reason, code] of cases) {
      const socket = new FakeSocket();
      writeRawRefusal(socket, status, 'no', '127.0.0.1:1');
      await new Promise((resolve) => setImmediate(resolve));
      const answer = parseAnswer(socket.written);
      expect([answer.statusLine, answer.body], String(status)).toEqual([`HTTP/1.1 ${status} ${reason}`, { ok: false, error: { code, message: 'no' } }]);
      socket.destroy();
    }
  });

  it('lets go of a socket the client keeps open two seconds after the answer, and not before', () => {
    vi.useFakeTimers();
    const socket = new FakeSocket();
    writeRawRefusal(socket, 404, 'No WebSocket here.', '127.0.0.1:1');
    vi.advanceTimersByTime(1_999);
    expect(socket.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(socket.destroyed).toBe(true);
  });

  it('only destroys a socket that can no longer be written to', () => {
    const socket = new FakeSocket(false);
    writeRawRefusal(socket, 400, 'The request could not be read.', '127.0.0.1:1');
    expect(socket.written).toBe('');
    expect(socket.destroyed).toBe(true);
  });
});

describe('plain answers', () => {
  it('text: UTF-8 plain text, its length, never cached, with the extra headers given', () => {
    const { response, recorded } = fakeResponse();
    sendText(response, 405, 'Only GET and HEAD are served here. ✓', { Allow: 'GET, HEAD' });
    expect(recorded).toEqual({
      status: 405,
      headers: { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength('Only GET and HEAD are served here. ✓')), 'Cache-Control': 'no-store' },
      body: 'Only GET and HEAD are served here. ✓',
    });
  });

  it("JSON, and an API error with its code's status or the one given", () => {
    const { response, recorded } = fakeResponse();
    sendJson(response, 200, { ok: true, value: 'é' });
    expect(recorded).toEqual({ status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength('{"ok":true,"value":"é"}')), 'Cache-Control': 'no-store' }, body: '{"ok":true,"value":"é"}' });
    const notFound = fakeResponse();
    sendApiError(notFound.response, 'NOT_FOUND', 'There is no run 3.');
    expect([notFound.recorded.status, JSON.parse(notFound.recorded.body ?? '')]).toEqual([404, { ok: false, error: { code: 'NOT_FOUND', message: 'There is no run 3.' } }]);
    const upgrade = fakeResponse();
    sendApiError(upgrade.response, 'BAD_INPUT', 'Use a WebSocket.', 426, { Upgrade: 'websocket' });
    expect([upgrade.recorded.status, upgrade.recorded.headers?.Upgrade]).toEqual([426, 'websocket']);
  });

  it('the sign-in page: a 401 HTML page, never cached, that says where the token comes from', () => {
    const { response, recorded } = fakeResponse();
    sendUnauthorizedPage(response);
    expect(recorded.status).toBe(401);
    expect(recorded.headers).toEqual({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(recorded.body ?? '')), 'Cache-Control': 'no-store' });
    expect(recorded.body).toBe(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Runboard: sign-in needed</title></head>' +
        '<body><h1>Runboard needs its access token</h1>' +
        '<p>Open the URL that <code>runboard serve</code> printed when it started (it ends with <code>?token=</code>). ' +
        'The token is kept in a cookie for this browser session.</p></body></html>',
    );
  });
});

describe('requests Node could not read', () => {
  const hosts = new HostPolicy({ port: 7321, boundHosts: ['127.0.0.1'], allowRemote: false });
  const gateway = new Gateway({
    hosts,
    tokens: new TokenCheck('a-token-of-sixteen-chars', 7321),
    api: new ApiRoutes(new FakeApiHost(), hosts),
    files: new StaticFiles('/nonexistent'),
    events: {} as EventsSocket,
  });
  const answerTo = async (code: string | undefined, socket = new FakeSocket()) => {
    gateway.onClientError(Object.assign(new Error('parse error'), { code }), socket);
    await new Promise((resolve) => setImmediate(resolve));
    return socket;
  };

  it('answers 431 to headers too large, 408 to a request too slow, and 400 to anything else, then closes', async () => {
    for (const [code, status] of [['HPE_HEADER_OVERFLOW', 431], ['ERR_HTTP_REQUEST_TIMEOUT', 408], ['HPE_INVALID_METHOD', 400], [undefined, 400]] as const) {
      const socket = await answerTo(code);
      const answer = parseAnswer(socket.written);
      expect(answer.statusLine.split(' ')[1], String(code)).toBe(String(status));
      expect(answer.body.error.message).toBe('The request could not be read.');
      expect(answer.headers['Content-Security-Policy']).toContain('ws://127.0.0.1:7321');
      socket.destroy();
    }
  });

  it('writes nothing to a connection the client reset, one it cannot write to, or one whose answer has begun', async () => {
    const reset = await answerTo('ECONNRESET');
    const closed = await answerTo('HPE_INVALID_METHOD', new FakeSocket(false));
    const begun = new FakeSocket();
    begun._httpMessage = { headersSent: true };
    await answerTo('HPE_INVALID_METHOD', begun);
    for (const socket of [reset, closed, begun]) {
      expect(socket.written).toBe('');
      expect(socket.destroyed).toBe(true);
    }
  });
});
