import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callApi, INDEX_HTML, openEvents, parseJson, request, startTestServer, type TestServer } from './helpers';

describe('reliability 8: every route needs the token', () => {
  let running: TestServer;
  let port: number;
  let token: string;
  let cookie: string;
  beforeAll(async () => {
    running = await startTestServer();
    ({ port, token } = running.server);
    cookie = `runboard_token_${port}=${token}`;
  });
  afterAll(() => running.stop());

  it('trades the printed URL for an HttpOnly, SameSite=Strict cookie and redirects to / to clear the address bar', async () => {
    const answer = await request(port, { path: new URL(running.server.url).pathname + new URL(running.server.url).search });
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('/');
    expect(answer.headers['set-cookie']).toEqual([`runboard_token_${port}=${token}; HttpOnly; SameSite=Strict; Path=/`]);
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('keeps the path and other query parameters when it redirects', async () => {
    const answer = await request(port, { path: `/runs/12?token=${token}&tab=metrics` });
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('/runs/12?tab=metrics');
  });

  it('never redirects off-site, whatever the path looks like', async () => {
    for (const path of [`//evil.example/?token=${token}`, `/\\evil.example/?token=${token}`, `/%2F%2Fevil.example?token=${token}`]) {
      const answer = await request(port, { path });
      expect(answer.status, path).toBe(302);
      expect(answer.headers.location, path).toBe('/');
    }
  });

  it('authenticates later requests by the cookie, for pages, assets and the API', async () => {
    expect((await request(port, { headers: { Cookie: cookie } })).body).toBe(INDEX_HTML);
    expect((await request(port, { path: '/assets/app-3f2a1b.js', headers: { Cookie: `theme=dark; ${cookie}` } })).status).toBe(200);
    const api = await request(port, { method: 'POST', path: '/api/system/info', headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(200);
  });

  it('authenticates by Authorization: Bearer', async () => {
    expect((await request(port, { headers: bearer(running.server) })).status).toBe(200);
    expect((await callApi(running.server, 'runs/list', {})).status).toBe(200);
  });

  it('answers a browser without the token with a 401 page that says to open the printed URL', async () => {
    for (const path of ['/', '/index.html', '/assets/app-3f2a1b.js', '/runs/12', '/no-such-file.png', '/../etc/passwd']) {
      const answer = await request(port, { path });
      expect(answer.status, path).toBe(401);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.body).toContain('runboard serve');
      expect(answer.body).not.toContain('Runboard test UI');
    }
  });

  it('refuses a wrong token in the URL, the cookie or the header, including one of another length', async () => {
    const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const wrongUrl = await request(port, { path: `/?token=${wrong}` });
    expect(wrongUrl.status).toBe(401);
    expect(wrongUrl.headers['set-cookie']).toBeUndefined();
    expect((await request(port, { path: '/?token=' })).status).toBe(401);
    expect((await request(port, { headers: { Cookie: `runboard_token_${port}=${wrong}` } })).status).toBe(401);
    expect((await request(port, { headers: { Cookie: `other_token=${token}` } })).status).toBe(401);
    expect((await request(port, { headers: { Authorization: `Bearer ${token}x` } })).status).toBe(401);
    expect((await request(port, { headers: { Authorization: `Basic ${token}` } })).status).toBe(401);
    expect((await request(port, { headers: { Authorization: 'Bearer ' } })).status).toBe(401);
  });

  it('does not accept the token in the query of an API call', async () => {
    const answer = await request(port, { method: 'POST', path: `/api/system/info?token=${token}`, headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(answer.status).toBe(401);
  });

  it('answers the API without the token with a JSON 401 and never calls it', async () => {
    const before = running.api.calls.length;
    for (const path of ['/api/system/info', '/api/no/such', '/api']) {
      const answer = await request(port, { method: 'POST', path, headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(answer.status, path).toBe(401);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(parseJson(answer)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
    expect(running.api.calls.length).toBe(before);
  });

  it('refuses a WebSocket without the token (401) and subscribes nothing', async () => {
    expect((await openEvents(port)).status).toBe(401);
    expect((await openEvents(port, { Cookie: `runboard_token_${port}=nope` })).status).toBe(401);
    expect(running.api.listenerCount).toBe(0);
  });

  it('refuses a WebSocket from another origin (403) even with the cookie', async () => {
    for (const origin of ['http://evil.example', `http://localhost:${port}`, `https://127.0.0.1:${port}`, 'null']) {
      const outcome = await openEvents(port, { Cookie: cookie, Origin: origin });
      expect(outcome.status, origin).toBe(403);
    }
    expect(running.api.listenerCount).toBe(0);
  });

  it('opens a WebSocket from our own origin with the cookie, and one with no Origin with the bearer token', async () => {
    const page = await openEvents(port, { Cookie: cookie, Origin: `http://127.0.0.1:${port}` });
    expect(page.status).toBe(101);
    const script = await openEvents(port, bearer(running.server));
    expect(script.status).toBe(101);
    page.socket?.close();
    script.socket?.close();
  });

  it('does not open a WebSocket anywhere but /api/events', async () => {
    expect((await openEvents(port, bearer(running.server), '/')).status).toBe(404);
    expect((await openEvents(port, bearer(running.server), '/api/system/info')).status).toBe(404);
  });
});

describe('two serves on one machine', () => {
  it('each keeps its own cookie (browsers share cookies across ports): signing in to one does not sign out of the other', async () => {
    const a = await startTestServer();
    const b = await startTestServer();
    try {
      const signIn = async (running: TestServer) => {
        const url = new URL(running.server.url);
        const answer = await request(running.server.port, { path: url.pathname + url.search });
        return (answer.headers['set-cookie']?.[0] ?? '').split(';')[0] as string;
      };
      const cookieA = await signIn(a);
      const cookieB = await signIn(b);
      expect(cookieA.split('=')[0]).not.toBe(cookieB.split('=')[0]);
      // The browser sends both cookies to both ports: each server finds its own.
      const both = `${cookieA}; ${cookieB}`;
      expect((await request(a.server.port, { headers: { Cookie: both } })).status).toBe(200);
      expect((await request(b.server.port, { headers: { Cookie: both } })).status).toBe(200);
      // One server's cookie is no key to the other.
      expect((await request(b.server.port, { headers: { Cookie: cookieA } })).status).toBe(401);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
