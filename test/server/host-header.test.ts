import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, callApi, openEvents, parseJson, request, startTestServer, type TestServer } from './helpers';

describe('reliability 7: answers only to its own Host (DNS rebinding)', () => {
  let running: TestServer;
  let port: number;
  beforeAll(async () => {
    running = await startTestServer();
    port = running.server.port;
  });
  afterAll(() => running.stop());

  for (const name of ['localhost', '127.0.0.1', '[::1]', 'LOCALHOST']) {
    it(`accepts Host ${name}:PORT`, async () => {
      const answer = await request(port, { headers: { Host: `${name}:${port}`, ...bearer(running.server) } });
      expect(answer.status).toBe(200);
    });
  }

  const foreign = (p: number): string[] => [
    `evil.example:${p}`,
    'evil.example',
    `localhost.evil.example:${p}`,
    `127.0.0.1.nip.io:${p}`,
    `127.0.0.1:${p + 1}`,
    '127.0.0.1',
    'localhost',
    `localhost:${p}@evil.example`,
    `0.0.0.0:${p}`,
    `${hostname()}:${p}`,
    '',
  ];

  it('refuses a foreign or port-less Host with 403 on static routes, even with the token', async () => {
    for (const host of foreign(port)) {
      const answer = await request(port, { headers: { Host: host, ...bearer(running.server) } });
      expect(answer.status, host).toBe(403);
      expect(answer.body).not.toContain('Runboard test UI');
    }
  });

  it('refuses a foreign Host with a JSON 403 on the API, and never calls it', async () => {
    const before = running.api.calls.length;
    for (const host of foreign(port)) {
      const answer = await callApi(running.server, 'system/info', {}, { Host: host });
      expect(answer.status, host).toBe(403);
      expect(parseJson(answer).error?.code).toBe('FORBIDDEN');
    }
    expect(running.api.calls.length).toBe(before);
  });

  it('does not hand the token cookie to a foreign Host', async () => {
    const answer = await request(port, { path: `/?token=${running.server.token}`, headers: { Host: `evil.example:${port}` } });
    expect(answer.status).toBe(403);
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a request with no Host header at all', async () => {
    const answer = await request(port, { headers: { Host: undefined, ...bearer(running.server) } });
    expect([400, 403]).toContain(answer.status);
  });

  it('refuses the WebSocket upgrade with 403 for a foreign Host, even with the token', async () => {
    const outcome = await openEvents(port, { Host: `evil.example:${port}`, ...bearer(running.server) });
    expect(outcome.status).toBe(403);
    expect(running.api.listenerCount).toBe(0);
  });

  it('accepts the WebSocket upgrade for Host localhost:PORT', async () => {
    const outcome = await openEvents(port, { Host: `localhost:${port}`, ...bearer(running.server) });
    expect(outcome.status).toBe(101);
    outcome.socket?.close();
  });
});

describe('reliability 7 with --allow-remote on every interface', () => {
  let running: TestServer;
  beforeAll(async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    running = await startTestServer({ host: '0.0.0.0', allowRemote: true });
    stderr.mockRestore();
  });
  afterAll(() => running.stop());

  it("accepts this machine's hostname and still refuses any other name", async () => {
    const { port } = running.server;
    expect((await request(port, { headers: { Host: `${hostname()}:${port}`, ...bearer(running.server) } })).status).toBe(200);
    expect((await request(port, { headers: { Host: `evil.example:${port}`, ...bearer(running.server) } })).status).toBe(403);
  });
});
