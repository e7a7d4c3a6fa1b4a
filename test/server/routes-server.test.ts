/**
 * The desktop app's loopback server for other trackers' APIs (`server/routes-server.ts`): 127.0.0.1 only, the same
 * Host and token checks as `serve`, refusals in the route's own shape, MLflow-shaped 404s and 500s, no WebSocket.
 * Driven with a recording route in this process, so every branch is seen from a client's side.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExtraRoutes } from '../../src-main/server/extra-routes';
import { startRoutesServer, type RunningRoutesServer } from '../../src-main/server/routes-server';
import { rawExchange, request } from './helpers';

const TOKEN = 'routes-server-token-0123456789';

interface Seen {
  handled: Array<{ path: string; query: string; host: string; method: string | undefined }>;
  refused: Array<{ status: number; message: string; headers: Record<string, string> }>;
}

/** A route under `/api/x/` that records what reaches it; `/api/x/boom` throws, `/api/x/late` throws after its head. */
function recordingRoute(seen: Seen): ExtraRoutes {
  return {
    prefix: '/api/x/',
    describe: () => ({}),
    async handle(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams, host: string) {
      seen.handled.push({ path, query: query.toString(), host, method: request.method });
      if (path === '/api/x/boom') throw new Error('handler failed');
      if (path === '/api/x/late') {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.write('partial');
        throw new Error('failed mid-answer');
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ answered: path }));
    },
    refuse(response: ServerResponse, status: 401 | 403, message: string, headers: Record<string, string>) {
      seen.refused.push({ status, message, headers });
      response.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error_code: status === 401 ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED', message }));
    },
  };
}

const servers: RunningRoutesServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function start(): Promise<{ server: RunningRoutesServer; seen: Seen }> {
  const seen: Seen = { handled: [], refused: [] };
  const server = await startRoutesServer({ port: 0, token: TOKEN, routes: () => [recordingRoute(seen)] });
  servers.push(server);
  return { server, seen };
}

const auth = { Authorization: `Bearer ${TOKEN}` };

describe("the desktop app's routes server", () => {
  it('listens on 127.0.0.1 only, at the origin it reports', async () => {
    const { server } = await start();
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it("hands an authenticated request on a route's prefix to the route, with its path, query and host", async () => {
    const { server, seen } = await start();
    const answer = await request(server.port, { path: '/api/x/runs/get?run_id=7&x=1', headers: auth });
    expect([answer.status, answer.body]).toEqual([200, JSON.stringify({ answered: '/api/x/runs/get' })]);
    expect(seen.handled).toEqual([{ path: '/api/x/runs/get', query: 'run_id=7&x=1', host: `127.0.0.1:${server.port}`, method: 'GET' }]);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['content-security-policy']).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
  });

  it('answers any other path with an MLflow-shaped 404 naming it, token or not, never reaching the route', async () => {
    const { server, seen } = await start();
    for (const headers of [auth, {}]) {
      const answer = await request(server.port, { path: '/api/2.0/other?q=1', headers });
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body)).toEqual({ error_code: 'ENDPOINT_NOT_FOUND', message: 'Nothing is served at /api/2.0/other here.' });
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    expect((await request(server.port, { path: '/', headers: auth })).status).toBe(404);
    expect(seen.handled).toEqual([]);
  });

  it('refuses a foreign Host with 403 in the route’s shape, before looking at the token', async () => {
    const { server, seen } = await start();
    const answer = await request(server.port, { path: '/api/x/runs/get', headers: { ...auth, Host: `evil.example:${server.port}` } });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error_code: 'PERMISSION_DENIED', message: expect.stringContaining('only to 127.0.0.1, localhost or [::1]') });
    expect(answer.headers['content-security-policy']).toContain(`ws://127.0.0.1:${server.port}`);
    expect(seen.refused.map((r) => r.status)).toEqual([403]);
    expect(seen.handled).toEqual([]);
    // localhost on its port is a name of this server.
    expect((await request(server.port, { path: '/api/x/a', headers: { ...auth, Host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it('refuses a missing or wrong token with 401 saying how to send it, and closes a connection that sent a body', async () => {
    const { server, seen } = await start();
    const missing = await request(server.port, { path: '/api/x/runs/get' });
    const wrong = await request(server.port, { path: '/api/x/runs/get', headers: { Authorization: 'Bearer not-the-token-at-all-0000' } });
    for (const answer of [missing, wrong]) {
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body).message).toContain('MLFLOW_TRACKING_TOKEN');
    }
    expect(seen.refused[0]?.headers).toEqual({});
    await request(server.port, { method: 'POST', path: '/api/x/runs/create', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' });
    expect(seen.refused[2]).toMatchObject({ status: 401, headers: { Connection: 'close' } });
    expect(seen.handled).toEqual([]);
  });

  it('answers 500 in MLflow’s shape when a route throws, and cuts an answer already under way', async () => {
    const { server } = await start();
    const answer = await request(server.port, { path: '/api/x/boom', headers: auth });
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({ error_code: 'INTERNAL_ERROR', message: 'Internal error; the details are in the Runboard log.' });
    expect(answer.headers.connection).toBe('close');
    await expect(request(server.port, { path: '/api/x/late', headers: auth })).rejects.toThrow();
    // The server goes on answering.
    expect((await request(server.port, { path: '/api/x/a', headers: auth })).status).toBe(200);
  });

  it('refuses a WebSocket upgrade with 404 and a request it cannot parse with 400', async () => {
    const { server } = await start();
    const upgrade = await rawExchange(server.port, [
      `GET /api/x/events HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    ]);
    expect(upgrade.text).toMatch(/^HTTP\/1\.1 404 /);
    expect(upgrade.text).toContain('No WebSocket here.');
    expect(upgrade.closedByServer).toBe(true);
    const garbage = await rawExchange(server.port, ['NOT A REQUEST\r\n\r\n']);
    expect(garbage.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbage.text).toContain('The request could not be read.');
  });

  it('refuses a taken port with CONFLICT and an unusable token with BAD_INPUT', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startRoutesServer({ port, token: TOKEN, routes: () => [] })).rejects.toMatchObject({ code: 'CONFLICT' });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    await expect(startRoutesServer({ port: 0, token: 'short', routes: () => [] })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('closes once however often close is called, and then refuses connections', async () => {
    const { server } = await start();
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    await expect(request(server.port, { path: '/api/x/a', headers: auth })).rejects.toThrow();
  });
});
