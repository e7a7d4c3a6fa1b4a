import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { AnyEvent } from '../../src-shared/api/events';
import type { ApiHost } from '../../src-shared/api/host';
import { logError } from './log';

/** Default interval between heartbeat pings, in milliseconds; a client that misses one whole interval is dropped. */
export const DEFAULT_HEARTBEAT_MS = 30_000;

/** A client whose unsent backlog grows past this many bytes is too slow to follow the events and is dropped. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Clients only listen; anything they send is ignored, and a frame larger than this closes the socket. */
const MAX_INCOMING_BYTES = 4 * 1024;

/**
 * `GET /api/events` as a WebSocket: each client gets every event the host publishes, as JSON `{ event, payload }`.
 * The HTTP layer has already checked Host, Origin and token before handing the upgrade over.
 */
export class EventsSocket {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MAX_INCOMING_BYTES, perMessageDeflate: false });
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly unsubscribers = new Map<WebSocket, () => void>();
  private readonly heartbeat: NodeJS.Timeout;

  /** @param heartbeatMs interval between pings, in milliseconds. */
  constructor(
    private readonly api: ApiHost,
    heartbeatMs = DEFAULT_HEARTBEAT_MS,
  ) {
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  /** Number of connected clients (each holds one subscription). */
  get clientCount(): number {
    return this.unsubscribers.size;
  }

  /** Completes the WebSocket handshake of an already authorised upgrade request. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.server.handleUpgrade(request, socket, head, (client) => this.attach(client));
  }

  /** Drops every client, removes their subscriptions and stops the heartbeat. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const client of [...this.unsubscribers.keys()]) {
      this.detach(client);
      client.terminate();
    }
    this.server.close();
  }

  private attach(client: WebSocket): void {
    this.alive.set(client, true);
    client.on('pong', () => this.alive.set(client, true));
    client.on('error', (error) => {
      // A protocol error from the client (oversized or malformed frame): drop it, the server carries on.
      logError('events socket client error', error);
      client.terminate();
    });
    client.on('close', () => this.detach(client));
    this.unsubscribers.set(
      client,
      this.api.subscribe((event) => this.send(client, event)),
    );
  }

  private detach(client: WebSocket): void {
    const unsubscribe = this.unsubscribers.get(client);
    if (!unsubscribe) return;
    this.unsubscribers.delete(client);
    unsubscribe();
  }

  private send(client: WebSocket, event: AnyEvent): void {
    if (client.readyState !== WebSocket.OPEN) return;
    if (client.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.detach(client);
      client.terminate();
      return;
    }
    try {
      client.send(JSON.stringify({ event: event.event, payload: event.payload }));
    } catch (error) {
      logError(`could not send event ${event.event}`, error);
    }
  }

  private beat(): void {
    for (const client of this.unsubscribers.keys()) {
      if (this.alive.get(client) !== true) {
        this.detach(client);
        client.terminate();
        continue;
      }
      this.alive.set(client, false);
      client.ping();
    }
  }
}
