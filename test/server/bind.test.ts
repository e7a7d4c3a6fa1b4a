import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src-shared/api/errors';
import { startServer } from '../../src-main/server/index';
import { FakeApiHost, makeRendererDir, request, startTestServer, type RendererFixture, type TestServer } from './helpers';

/** A non-loopback IPv4 address of this machine, when it has one. */
function externalAddress(): string | undefined {
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return undefined;
}

/** Why the tests that connect from another interface skip on a machine that has none. */
const NO_EXTERNAL_ADDRESS = 'this machine has no non-loopback IPv4 address (only lo): there is no other interface to connect from';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('reliability 6: listens on 127.0.0.1 unless told otherwise', () => {
  let running: TestServer | undefined;
  let fixture: RendererFixture | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await running?.stop();
    await fixture?.cleanup();
    running = undefined;
    fixture = undefined;
  });

  it('binds to 127.0.0.1 by default and prints a loopback URL carrying the token', async () => {
    running = await startTestServer();
    const { server } = running;
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const answer = await request(server.port, { path: '/', headers: { Authorization: `Bearer ${server.token}` } });
    expect(answer.status).toBe(200);
  });

  it('cannot be reached on another interface of the machine', async (ctx) => {
    const external = externalAddress();
    if (!external) ctx.skip(NO_EXTERNAL_ADDRESS);
    running = await startTestServer();
    await expect(request(running.server.port, { connectHost: external })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('generates a different random token each start', async () => {
    running = await startTestServer();
    const second = await startTestServer();
    try {
      expect(second.server.token).not.toBe(running.server.token);
    } finally {
      await second.stop();
    }
  });

  for (const host of ['0.0.0.0', '::', '192.168.1.20', 'gpu-box.example']) {
    it(`refuses to listen on ${host} without allowRemote, naming the --allow-remote flag`, async () => {
      fixture = await makeRendererDir();
      const api = new FakeApiHost();
      const attempt = startServer({ api, rendererDir: fixture.rendererDir, host, port: 0 });
      await expect(attempt).rejects.toBeInstanceOf(AppError);
      await expect(attempt).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('--allow-remote') });
    });
  }

  it('binds nothing when it refuses', async () => {
    fixture = await makeRendererDir();
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(startServer({ api: new FakeApiHost(), rendererDir: fixture.rendererDir, host: '0.0.0.0', port })).rejects.toThrow(/--allow-remote/);
    expect(await portIsFree(port)).toBe(true);
  });

  it('accepts other loopback spellings without the flag', async () => {
    running = await startTestServer({ host: 'localhost' });
    const answer = await request(running.server.port, {
      connectHost: new URL(running.server.url).hostname.replace(/^\[|\]$/g, ''),
      headers: { Host: `localhost:${running.server.port}`, Authorization: `Bearer ${running.server.token}` },
    });
    expect(answer.status).toBe(200);
  });

  it('with allowRemote, listens on every interface, warns on stderr, and still requires the token', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    running = await startTestServer({ host: '0.0.0.0', allowRemote: true });
    const warnings = stderr.mock.calls.map((call) => String(call[0])).join('');
    expect(warnings).toMatch(/warning/i);
    expect(warnings).toContain('reachable from other machines');
    const { server } = running;
    expect((await request(server.port)).status).toBe(401);
    expect((await request(server.port, { headers: { Authorization: `Bearer ${server.token}` } })).status).toBe(200);
  });

  it('with allowRemote, another interface of the machine reaches it, and still needs the token', async (ctx) => {
    const external = externalAddress();
    if (!external) ctx.skip(NO_EXTERNAL_ADDRESS);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    running = await startTestServer({ host: '0.0.0.0', allowRemote: true });
    const { server } = running;
    const headers = { Host: `${external}:${server.port}` };
    expect((await request(server.port, { connectHost: external, headers })).status).toBe(401);
    expect((await request(server.port, { connectHost: external, headers: { ...headers, Authorization: `Bearer ${server.token}` } })).status).toBe(200);
  });

  it('does not warn on loopback', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    running = await startTestServer({ allowRemote: true });
    expect(stderr).not.toHaveBeenCalled();
  });

  it('refuses a bad port or a guessable token', async () => {
    fixture = await makeRendererDir();
    const api = new FakeApiHost();
    await expect(startServer({ api, rendererDir: fixture.rendererDir, port: 70_000 })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(startServer({ api, rendererDir: fixture.rendererDir, port: 0, token: 'short' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(startServer({ api, rendererDir: fixture.rendererDir, port: 0, token: 'has spaces in it, and ; too' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('uses a chosen token when it is long enough', async () => {
    running = await startTestServer({ token: 'a-chosen-token-0123456789' });
    expect(running.server.url).toMatch(/\?token=a-chosen-token-0123456789$/);
  });
});
