/**
 * What each refusal of `serve` says and how it ends the connection: the message a client reads, the headers that go
 * with it (`Allow`, `Upgrade`, `Connection: close` when a body was left unread), and the cases where the route
 * checks must not be skipped (a token in an API query, a request target that is not a path).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bodyLimitOf } from '../../src-main/server/api-routes';
import { MAX_BODY_BYTES } from '../../src-main/server/request-body';
import { MAX_IMPORT_BYTES } from '../../src-shared/entities/dataset';
import { bearer, parseJson, rawExchange, request, startTestServer, type TestServer } from './helpers';

const FORBIDDEN_HOST =
  'Forbidden: this server answers only to the Host it was started for (localhost, 127.0.0.1 or [::1] on its port). Open the URL printed by `runboard serve`.';
/** Asks to keep the connection open, so that a `Connection: close` in the answer is the server's choice. */
const keepAlive = { Connection: 'keep-alive' };
const UNAUTHORIZED = 'Missing or wrong token: open the URL printed by `runboard serve`, or send Authorization: Bearer <token> (MLflow clients: set MLFLOW_TRACKING_TOKEN).';

describe('refusals: their words and their connection', () => {
  let running: TestServer;
  let port: number;
  let auth: Record<string, string>;
  let json: Record<string, string>;
  beforeAll(async () => {
    running = await startTestServer();
    port = running.server.port;
    auth = bearer(running.server);
    json = { ...auth, 'Content-Type': 'application/json' };
  });
  afterEach(() => {
    running.api.respond = (method, input) => ({ ok: true, value: { method, input } });
    vi.restoreAllMocks();
  });
  afterAll(() => running.stop());

  it('refuses a token in the query of an API read, without a cookie or a redirect', async () => {
    const answer = await request(port, { path: `/api/system/info?token=${running.server.token}` });
    expect(answer.status).toBe(401);
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(parseJson(answer).error).toEqual({ code: 'UNAUTHORIZED', message: UNAUTHORIZED });
  });

  it('tells a foreign Host why, as JSON on the API and as text elsewhere, closing a connection whose body it left', async () => {
    const api = await request(port, { method: 'POST', path: '/api/runs/list', headers: { ...json, ...keepAlive, Host: 'evil.example' }, body: '{}' });
    expect([api.status, api.headers.connection, parseJson(api).error]).toEqual([403, 'close', { code: 'FORBIDDEN', message: FORBIDDEN_HOST }]);
    const page = await request(port, { headers: { ...auth, ...keepAlive, Host: 'evil.example' } });
    expect([page.status, page.headers['content-type'], page.headers.connection, page.body]).toEqual([403, 'text/plain; charset=utf-8', 'keep-alive', FORBIDDEN_HOST]);
  });

  it('refuses a request target that is not a path, even one naming this server', async () => {
    for (const target of [`http://127.0.0.1:${port}/`, '*']) {
      const answer = await rawExchange(port, [`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${auth.Authorization}\r\nConnection: close\r\n\r\n`]);
      expect(answer.text, target).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer.text.endsWith('\r\n\r\nBad request target.'), target).toBe(true);
    }
  });

  it('names the API verbs a method takes, and the WebSocket at /api/events', async () => {
    const get = await request(port, { path: '/api/runs/list', headers: auth });
    expect([get.status, get.headers.allow, parseJson(get).error]).toEqual([405, 'POST', { code: 'BAD_INPUT', message: 'Call runs/list with POST and a JSON body.' }]);
    const events = await request(port, { path: '/api/events', headers: auth });
    expect([events.status, events.headers.upgrade, parseJson(events).error]).toEqual([426, 'websocket', { code: 'BAD_INPUT', message: '/api/events is a WebSocket: connect with an Upgrade request.' }]);
  });

  it('names a missing method, cut to 100 characters', async () => {
    const name = `runs/${'x'.repeat(200)}`;
    const answer = await request(port, { method: 'POST', path: `/api/${name}`, headers: json, body: '{}' });
    expect(parseJson(answer).error).toEqual({ code: 'NOT_FOUND', message: `There is no API method "${name.slice(0, 100)}".` });
  });

  it('says why it refuses a foreign origin and a body that is not JSON, closing the connection it left a body on', async () => {
    const origin = await request(port, { method: 'POST', path: '/api/runs/list', headers: { ...json, ...keepAlive, Origin: 'https://evil.example' }, body: '{}' });
    expect([origin.status, origin.headers.connection, parseJson(origin).error]).toEqual([403, 'close', { code: 'FORBIDDEN', message: 'Cross-origin API calls are refused.' }]);
    const text = await request(port, { method: 'POST', path: '/api/runs/list', headers: { ...auth, ...keepAlive, 'Content-Type': 'text/plain' }, body: '{}' });
    expect([text.status, text.headers.connection, parseJson(text).error]).toEqual([415, 'close', { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'API calls must send Content-Type: application/json.' }]);
    const bodiless = await request(port, { path: '/api/runs/list', headers: { ...auth, ...keepAlive } });
    expect(bodiless.headers.connection).toBe('keep-alive');
  });

  it('answers a write to a page with 405, the methods it takes, and its reason', async () => {
    const answer = await request(port, { method: 'POST', path: '/runs/3', headers: { ...auth, ...keepAlive }, body: 'x=1' });
    expect([answer.status, answer.headers.allow, answer.headers.connection, answer.body]).toEqual([405, 'GET, HEAD', 'close', 'Only GET and HEAD are served here.']);
  });

  it('logs what failed by method and path (never the query), and answers 500 with a connection it closes', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    running.api.respond = () => {
      throw new Error('the host broke');
    };
    const answer = await request(port, { method: 'POST', path: '/api/runs/list?secret=1', headers: { ...json, ...keepAlive }, body: '{}' });
    expect([answer.status, answer.headers.connection, parseJson(answer).error]).toEqual([500, 'close', { code: 'INTERNAL', message: 'Internal error; the details are in the server log.' }]);
    const logged = stderr.mock.calls.map((call) => String(call[0])).join('');
    expect(logged).toMatch(/^runboard serve: POST \/api\/runs\/list failed: Error: the host broke\n/);
    expect(logged).not.toContain('secret');
  });

  it('refuses WebSocket upgrades elsewhere or from another origin, saying which', async () => {
    const upgrade = (target: string, extra = '') =>
      rawExchange(port, [
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${auth.Authorization}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`,
      ]);
    for (const target of ['/api/other', `http://127.0.0.1:${port}/api/events`]) {
      const answer = await upgrade(target);
      expect(answer.text, target).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
      expect(answer.text, target).toContain('"message":"No WebSocket here."');
    }
    const foreign = await upgrade('/api/events', 'Origin: https://evil.example\r\n');
    expect(foreign.text).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(foreign.text).toContain('"message":"Cross-origin WebSocket refused."');
    expect(running.api.listenerCount).toBe(0);
  });
});

describe('body limits per method', () => {
  it('gives a dataset import room for its whole CSV file and every other call 1 MiB', () => {
    expect(bodyLimitOf('datasets/import')).toBe(MAX_IMPORT_BYTES + 64 * 1024);
    expect(bodyLimitOf('runs/list')).toBe(MAX_BODY_BYTES);
    expect(bodyLimitOf('datasets/list')).toBe(MAX_BODY_BYTES);
  });
});
