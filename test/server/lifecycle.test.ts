import { writeFile, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src-main/server/index';
import { bearer, closed, eventually, FakeApiHost, makeRendererDir, openEvents, startTestServer } from './helpers';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap' || name === 'TCPSocketWrap').length;
}

/** A raw connection that made one keep-alive request, or none at all; resolves `closed` when the server hangs up. */
function idleConnection(port: number, token: string, sendRequest: boolean): Promise<{ closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const gone = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      if (!sendRequest) {
        socket.write('GET / HTTP/1.1\r\n'); // headers never finished
        resolve({ closed: gone });
        return;
      }
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: keep-alive\r\n\r\n`);
      socket.once('data', () => resolve({ closed: gone }));
    });
    socket.once('error', reject);
  });
}

describe('close() leaves nothing behind', () => {
  it('closes keep-alive and half-sent connections and WebSockets, unsubscribes, and frees the port', async () => {
    const baseline = tcpHandles();
    const running = await startTestServer();
    const { server, api } = running;
    const keepAlive = await idleConnection(server.port, server.token, true);
    const halfSent = await idleConnection(server.port, server.token, false);
    const events = await openEvents(server.port, bearer(server));
    expect(events.status).toBe(101);
    expect(api.listenerCount).toBe(1);

    await server.close();

    expect(api.listenerCount).toBe(0);
    await keepAlive.closed;
    await halfSent.closed;
    if (events.socket) await closed(events.socket);
    // The listening handle finishes closing on the next turn of the event loop; nothing else may be left.
    await eventually(() => tcpHandles() === baseline, 1_000, 'every TCP handle closed');
    expect(await portIsFree(server.port)).toBe(true);
    await running.renderer.cleanup();
  });

  it('resolves every time it is called, and refuses connections afterwards', async () => {
    const running = await startTestServer();
    const { server } = running;
    await Promise.all([server.close(), server.close()]);
    await server.close();
    await expect(new Promise((resolve, reject) => connect(server.port, '127.0.0.1').once('connect', resolve).once('error', reject))).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await running.renderer.cleanup();
  });

  it('reports a taken port as CONFLICT, naming --port', async () => {
    const running = await startTestServer();
    const attempt = startServer({ api: new FakeApiHost(), rendererDir: running.renderer.rendererDir, port: running.server.port });
    await expect(attempt).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('--port') });
    await running.stop();
  });

  it('refuses to start without a built UI, saying how to build it', async () => {
    const fixture = await makeRendererDir();
    await rm(join(fixture.rendererDir, 'index.html'));
    await expect(startServer({ api: new FakeApiHost(), rendererDir: fixture.rendererDir, port: 0 })).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: expect.stringContaining('npm run build'),
    });
    await expect(startServer({ api: new FakeApiHost(), rendererDir: join(fixture.base, 'nowhere'), port: 0 })).rejects.toMatchObject({ code: 'IO_ERROR' });
    await writeFile(join(fixture.rendererDir, 'index.html'), '<!doctype html>');
    const server = await startServer({ api: new FakeApiHost(), rendererDir: fixture.rendererDir, port: 0 });
    await server.close();
    await fixture.cleanup();
  });
});
