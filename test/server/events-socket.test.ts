import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { bearer, closed, epochEvent, eventually, nextMessage, openEvents, rawExchange, startTestServer, type TestServer } from './helpers';

function handshake(port: number, token: string): string {
  return [
    'GET /api/events HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    `Authorization: Bearer ${token}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
}

async function open(running: TestServer): Promise<WebSocket> {
  const outcome = await openEvents(running.server.port, bearer(running.server));
  if (!outcome.socket) throw new Error(`upgrade refused with ${outcome.status}`);
  return outcome.socket;
}

describe('events over WebSocket: GET /api/events', () => {
  let running: TestServer | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await running?.stop();
    running = undefined;
  });

  it('pushes every host event to every client as JSON { event, payload }, in order', async () => {
    running = await startTestServer();
    const first = await open(running);
    const second = await open(running);
    expect(running.api.listenerCount).toBe(2);
    const received: unknown[][] = [[], []];
    first.on('message', (data) => received[0]?.push(JSON.parse(String(data))));
    second.on('message', (data) => received[1]?.push(JSON.parse(String(data))));
    const events = [epochEvent(7, 1), epochEvent(7, 2), { event: 'run/progressed' as const, payload: { run_id: 7, progress: { epoch: 3, epochs: 10, batch: 4, batches: 20, loss: 0.3, eta_ms: 1200 } } }];
    for (const event of events) running.api.emit(event);
    await eventually(() => received[0]?.length === 3 && received[1]?.length === 3, 5_000, 'three events on both clients');
    expect(received[0]).toEqual(events);
    expect(received[1]).toEqual(events);
    first.close();
    second.close();
  });

  it('unsubscribes a client from the host when its socket closes', async () => {
    running = await startTestServer();
    const api = running.api;
    const staying = await open(running);
    const leaving = await open(running);
    expect(api.listenerCount).toBe(2);
    leaving.close();
    await closed(leaving);
    await eventually(() => api.listenerCount === 1, 5_000, 'one listener left');
    const message = nextMessage(staying);
    api.emit(epochEvent(1, 1));
    expect(await message).toEqual(epochEvent(1, 1));
    staying.terminate();
    await eventually(() => api.listenerCount === 0, 5_000, 'no listener left after an abrupt disconnect');
  });

  it('drops a client that stops answering the heartbeat, and keeps one that answers', async () => {
    running = await startTestServer({ heartbeatMs: 50 });
    const live = await open(running);
    const started = Date.now();
    // A raw client that completes the handshake and then never answers a ping.
    const dead = await rawExchange(running.server.port, [handshake(running.server.port, running.server.token)]);
    expect(dead.text).toMatch(/^HTTP\/1\.1 101 /);
    expect(dead.closedByServer).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(live.readyState).toBe(WebSocket.OPEN);
    expect(running.api.listenerCount).toBe(1);
    live.close();
  });

  it('closes a client that sends an oversized frame, and no one else', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    running = await startTestServer();
    const rude = await open(running);
    const polite = await open(running);
    polite.send('hello'); // ignored
    rude.send('x'.repeat(64 * 1024));
    expect(await closed(rude)).toBe(1009);
    await eventually(() => running?.api.listenerCount === 1, 5_000, 'the rude client unsubscribed');
    const message = nextMessage(polite);
    running.api.emit(epochEvent(2, 1));
    expect(await message).toEqual(epochEvent(2, 1));
    polite.close();
  });

  it('keeps publishing to others when one client is gone mid-send', async () => {
    running = await startTestServer();
    const gone = await open(running);
    const here = await open(running);
    gone.terminate();
    const message = nextMessage(here);
    running.api.emit(epochEvent(3, 1));
    expect(await message).toEqual(epochEvent(3, 1));
    here.close();
  });
});
