/**
 * How the events WebSocket delivers (`server/events-socket.ts`): uncompressed frames, a burst that a reading client
 * takes in full, a client that stops reading dropped once its backlog passes 16 MiB, and every subscription ended
 * the moment the server closes.
 */
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EventsSocket } from '../../src-main/server/events-socket';
import type { AnyEvent } from '../../src-shared/api/events';
import { bearer, closed, eventually, FakeApiHost, openEvents, startTestServer, type TestServer } from './helpers';

/** A run/epoch-logged event whose metrics weigh about `bytes`. */
function heavyEvent(index: number, bytes: number): AnyEvent {
  const metrics: Record<string, number> = {};
  // Each entry, `"metric_000000":N,`, is about 20 bytes of JSON.
  for (let i = 0; i < Math.ceil(bytes / 20); i++) metrics[`metric_${String(i).padStart(6, '0')}`] = index;
  return { event: 'run/epoch-logged', payload: { run_id: 1, epoch: index, time: index, metrics } };
}

describe('event delivery', () => {
  let running: TestServer | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('sends uncompressed frames even to a client that offers compression', async () => {
    running = await startTestServer();
    const { socket } = await openEvents(running.server.port, bearer(running.server));
    expect(socket?.extensions).toBe('');
    socket?.close();
  });

  it('delivers a burst of events in full to a client that reads them (a few MiB of backlog is no reason to drop it)', async () => {
    running = await startTestServer();
    const { socket } = await openEvents(running.server.port, bearer(running.server));
    let received = 0;
    // Done when every event is in, or when the server drops the client.
    const done = new Promise<void>((resolve) => {
      socket?.on('message', () => {
        if (++received === 100) resolve();
      });
      socket?.once('close', () => resolve());
    });
    for (let i = 0; i < 100; i++) running.api.emit(heavyEvent(i, 48 * 1024));
    await done;
    expect(received).toBe(100);
    expect(running.api.listenerCount).toBe(1);
    socket?.close();
  });

  it('drops a client that stops reading once more than 16 MiB wait for it', async () => {
    running = await startTestServer();
    const { port, token } = running.server;
    const stalled = connect(port, '127.0.0.1');
    stalled.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      stalled.once('connect', () => {
        stalled.write(
          `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
        stalled.once('data', () => {
          stalled.pause();
          resolve();
        });
      });
    });
    await eventually(() => running?.api.listenerCount === 1, 5_000, 'the stalled client subscribed');
    const event = heavyEvent(0, 64 * 1024);
    // 48 MiB: more than the kernel's buffers on both ends can absorb, plus the 16 MiB allowed to wait.
    for (let i = 0; i < 768 && running.api.listenerCount > 0; i++) running.api.emit(event);
    expect(running.api.listenerCount).toBe(0);
    stalled.destroy();
  });

  it('ends every subscription as soon as close() is called', async () => {
    running = await startTestServer();
    const clients = [await openEvents(running.server.port, bearer(running.server)), await openEvents(running.server.port, bearer(running.server))];
    expect(running.api.listenerCount).toBe(2);
    const closing = running.server.close();
    expect(running.api.listenerCount).toBe(0);
    await closing;
    for (const { socket } of clients) socket?.terminate();
  });
});

describe('EventsSocket on its own', () => {
  it('counts its clients, each with one subscription, and drops them all on close', async () => {
    const api = new FakeApiHost();
    const events = new EventsSocket(api, 60_000);
    const http = createServer();
    http.on('upgrade', (request, socket, head) => events.accept(request, socket, head));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    const port = (http.address() as { port: number }).port;
    try {
      const clients = await Promise.all(
        [1, 2].map(
          () =>
            new Promise<WebSocket>((resolve, reject) => {
              const client = new WebSocket(`ws://127.0.0.1:${port}/`);
              client.once('open', () => resolve(client));
              client.once('error', reject);
            }),
        ),
      );
      await eventually(() => events.clientCount === 2, 5_000, 'two clients');
      expect(api.listenerCount).toBe(2);
      events.close();
      expect([events.clientCount, api.listenerCount]).toEqual([0, 0]);
      for (const client of clients) await closed(client);
    } finally {
      events.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
