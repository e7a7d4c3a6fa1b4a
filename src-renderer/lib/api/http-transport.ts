import type { AnyEvent } from '../../../src-shared/api/events';
import type { ApiResult } from '../../../src-shared/api/errors';
import type { Method, MethodOutput } from '../../../src-shared/api/contract';
import { ApiCallError } from './api-call-error';
import { downloadFile } from './browser-download';
import { toApiResult } from './result-envelope';
import type { ConnectionState, Transport } from './transport';

export interface HttpTransportOptions {
  /** The page's origin; `location.origin` by default. */
  origin?: string;
  /** First reconnect delay in milliseconds; doubles on each failure up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

function isEventMessage(value: unknown): value is AnyEvent {
  return typeof value === 'object' && value !== null && typeof (value as { event?: unknown }).event === 'string' && 'payload' in value;
}

/**
 * The browser's transport for `runboard serve`: each call is `POST /api/<domain>/<verb>` with a JSON body,
 * events arrive on a WebSocket at `/api/events` that reconnects with exponential backoff when it drops.
 * Auth is the HttpOnly session cookie the server set when the user opened the printed `/?token=` URL.
 *
 * Failures that never reached the contract (no answer, or an answer that is not an envelope) are thrown
 * as `ApiCallError` with code `NETWORK_ERROR` or `BAD_RESPONSE`; everything else is a result value.
 */
export function createHttpTransport(options: HttpTransportOptions = {}): Transport {
  const origin = options.origin ?? location.origin;
  const minDelayMs = options.minDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const eventListeners = new Set<(event: AnyEvent) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = 'connecting';
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let delayMs = minDelayMs;
  let disposed = false;

  const setState = (next: ConnectionState): void => {
    if (next === state) return;
    state = next;
    for (const listener of [...stateListeners]) listener(next);
  };

  const scheduleReconnect = (): void => {
    if (disposed || retryTimer !== null) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      openSocket();
    }, delayMs);
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  };

  const openSocket = (): void => {
    if (disposed) return;
    const url = new URL('/api/events', origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      delayMs = minDelayMs;
      setState('open');
    });
    ws.addEventListener('message', (message: MessageEvent<unknown>) => {
      if (typeof message.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        console.warn('Runboard: ignored an event that is not JSON');
        return;
      }
      if (!isEventMessage(parsed)) return;
      for (const listener of [...eventListeners]) listener(parsed);
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = null;
      if (disposed) return;
      setState('reconnecting');
      scheduleReconnect();
    });
  };

  openSocket();

  return {
    kind: 'http',
    get connection() {
      return state;
    },
    async call<M extends Method>(method: M, input: unknown): Promise<ApiResult<MethodOutput<M>>> {
      let response: Response;
      try {
        response = await fetch(new URL(`/api/${method}`, origin), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
          cache: 'no-store',
        });
      } catch {
        throw new ApiCallError(method, 'NETWORK_ERROR', 'The Runboard server did not answer. Is `runboard serve` still running?');
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        body = undefined;
      }
      const result = toApiResult(body);
      if (!result) {
        throw new ApiCallError(method, 'BAD_RESPONSE', `The server answered ${method} with HTTP ${response.status} and no result.`);
      }
      return result as ApiResult<MethodOutput<M>>;
    },
    subscribe(listener: (event: AnyEvent) => void): () => void {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnectionChange(listener: (state: ConnectionState) => void): () => void {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    saveFile: downloadFile,
    dispose(): void {
      disposed = true;
      if (retryTimer !== null) clearTimeout(retryTimer);
      retryTimer = null;
      const ws = socket;
      socket = null;
      ws?.close();
      eventListeners.clear();
      stateListeners.clear();
    },
  };
}
