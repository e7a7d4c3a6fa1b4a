import type { ApiResult } from './errors';
import type { AnyEvent } from './events';
import type { Method, MethodOutput } from './contract';

/**
 * What every transport carries: a call by `domain/verb` name with an untrusted input, answered with a result
 * value (never a thrown error), and a stream of events. The host's `ApiService` implements it in-process; the
 * renderer's transports (Electron IPC, HTTP + WebSocket) implement it across a boundary.
 */
export interface ApiHost {
  call<M extends Method>(method: M, input: unknown): Promise<ApiResult<MethodOutput<M>>>;
  /** Registers a listener for every event; returns the function that removes it. */
  subscribe(listener: (event: AnyEvent) => void): () => void;
}
