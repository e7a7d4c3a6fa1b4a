import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_JS, bearer, INDEX_HTML, rawExchange, request, startTestServer, type TestServer } from './helpers';

describe('static files: the built UI', () => {
  let running: TestServer;
  let port: number;
  let auth: Record<string, string>;
  beforeAll(async () => {
    running = await startTestServer();
    port = running.server.port;
    auth = bearer(running.server);
  });
  afterAll(() => running.stop());

  it('serves index.html at / as HTML that is always revalidated', async () => {
    const answer = await request(port, { headers: auth });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(INDEX_HTML);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(INDEX_HTML)));
  });

  it.each([
    ['/index.html', 'text/html; charset=utf-8'],
    ['/assets/app-3f2a1b.js', 'text/javascript; charset=utf-8'],
    ['/assets/style-9c8d7e.css', 'text/css; charset=utf-8'],
    ['/assets/logo.svg', 'image/svg+xml'],
    ['/assets/chart.png', 'image/png'],
    ['/favicon.ico', 'image/x-icon'],
    ['/manifest.json', 'application/json; charset=utf-8'],
    ['/assets/backend.wasm', 'application/wasm'],
    ['/assets/inter.woff2', 'font/woff2'],
  ])('serves %s as %s', async (path, type) => {
    const answer = await request(port, { path, headers: auth });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(type);
  });

  it('serves hashed assets with a long private cache, and their exact bytes', async () => {
    const answer = await request(port, { path: '/assets/app-3f2a1b.js', headers: auth });
    expect(answer.body).toBe(APP_JS);
    expect(answer.headers['cache-control']).toBe('private, max-age=31536000, immutable');
  });

  it('answers a client-side route (no extension) with index.html, for GET and HEAD', async () => {
    for (const path of ['/runs', '/runs/12', '/compare/', '/runs/12?tab=metrics']) {
      const answer = await request(port, { path, headers: auth });
      expect(answer.status, path).toBe(200);
      expect(answer.body, path).toBe(INDEX_HTML);
    }
    const head = await request(port, { method: 'HEAD', path: '/runs/12', headers: auth });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(INDEX_HTML)));
  });

  it('answers 404, not index.html, for a missing file with an extension or under /assets', async () => {
    for (const path of ['/assets/missing-123.js', '/missing.png', '/favicon.svg', '/assets/chunk']) {
      const answer = await request(port, { path, headers: auth });
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toContain('Runboard test UI');
    }
  });

  it('answers 405 to a write on a page route instead of serving the UI', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const answer = await request(port, { method, path: '/runs/12', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{}' });
      expect(answer.status, method).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD');
    }
  });

  it('answers 400 to a request target that is not a path', async () => {
    const { text } = await rawExchange(port, [`GET http://127.0.0.1:${port}/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${running.server.token}\r\nConnection: close\r\n\r\n`]);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe('security headers on every response', () => {
  let running: TestServer;
  beforeAll(async () => {
    running = await startTestServer();
  });
  afterAll(() => running.stop());

  const expectSecurityHeaders = (headers: Record<string, string | string[] | undefined>, host: string, what: string): void => {
    expect(headers['content-security-policy'], what).toBe(
      `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws://${host}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
    );
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['referrer-policy'], what).toBe('no-referrer');
    expect(headers['x-frame-options'], what).toBe('DENY');
  };

  it('sends CSP, nosniff, no-referrer and DENY with pages, assets, redirects, errors and API answers', async () => {
    const { port, token } = running.server;
    const host = `127.0.0.1:${port}`;
    const auth = bearer(running.server);
    const json = { ...auth, 'Content-Type': 'application/json' };
    const cases: Array<[string, Parameters<typeof request>[1]]> = [
      ['index', { headers: auth }],
      ['asset', { path: '/assets/app-3f2a1b.js', headers: auth }],
      ['redirect', { path: `/?token=${token}` }],
      ['401 page', {}],
      ['404', { path: '/nope.js', headers: auth }],
      ['400', { path: '/%2e%2e/x', headers: auth }],
      ['api 200', { method: 'POST', path: '/api/runs/list', headers: json, body: '{}' }],
      ['api 401', { method: 'POST', path: '/api/runs/list', headers: { 'Content-Type': 'application/json' }, body: '{}' }],
      ['api 404', { method: 'POST', path: '/api/x/y', headers: json, body: '{}' }],
      ['api 405', { path: '/api/runs/list', headers: auth }],
      ['api 415', { method: 'POST', path: '/api/runs/list', headers: { ...auth, 'Content-Type': 'text/plain' }, body: '{}' }],
      ['api 400', { method: 'POST', path: '/api/runs/list', headers: json, body: '{' }],
    ];
    for (const [what, spec] of cases) {
      const answer = await request(port, spec);
      expectSecurityHeaders(answer.headers, host, what);
    }
    const forbidden = await request(port, { headers: { Host: 'evil.example', ...auth } });
    expect(forbidden.status).toBe(403);
    expectSecurityHeaders(forbidden.headers, host, '403');
  });

  it('answers a request Node cannot parse with 400 (or 431 for huge headers), security headers included', async () => {
    const { port } = running.server;
    const garbage = await rawExchange(port, ['THIS IS NOT HTTP\r\n\r\n']);
    expect(garbage.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbage.text).toContain("Content-Security-Policy: default-src 'self'");
    expect(garbage.closedByServer).toBe(true);
    const huge = await rawExchange(port, [`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`]);
    expect(huge.text).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge.closedByServer).toBe(true);
  });

  it('allows the WebSocket back to the host name the page was loaded from', async () => {
    const { port } = running.server;
    const answer = await request(port, { headers: { Host: `localhost:${port}`, ...bearer(running.server) } });
    expect(answer.headers['content-security-policy']).toContain(`connect-src 'self' ws://localhost:${port};`);
  });
});
