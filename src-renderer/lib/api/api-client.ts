import type { ApiHost } from '../../../src-shared/api/host';
import type { Method, MethodInput, MethodOutput } from '../../../src-shared/api/contract';
import { events, type AnyEvent, type EventName, type EventPayload } from '../../../src-shared/api/events';
import { ApiCallError } from './api-call-error';

export type EventListener<E extends EventName> = (payload: EventPayload<E>) => void;

/** The renderer's one way to reach the host, whatever carries it (Electron IPC or HTTP + WebSocket). */
export interface ApiClient {
  /** Calls a contract method. Resolves with its output; rejects with an `ApiCallError` (code, message, fields). */
  call<M extends Method>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Listens to one event; returns the function that stops listening. Payloads are schema-checked first. */
  on<E extends EventName>(event: E, listener: EventListener<E>): () => void;
  dispose(): void;
}

export function createApiClient(transport: ApiHost): ApiClient {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  const dispatch = (message: AnyEvent): void => {
    // The name comes from across a boundary: only the contract's events are dispatched.
    if (!Object.prototype.hasOwnProperty.call(events, message.event)) return;
    const forEvent = listeners.get(message.event);
    if (!forEvent || forEvent.size === 0) return;
    const parsed = events[message.event].safeParse(message.payload);
    if (!parsed.success) {
      console.warn(`Runboard: ignored a malformed ${message.event} event`, parsed.error.issues);
      return;
    }
    for (const listener of [...forEvent]) {
      try {
        listener(parsed.data);
      } catch (error) {
        console.error(`Runboard: a ${message.event} listener failed`, error);
      }
    }
  };
  const unsubscribe = transport.subscribe(dispatch);

  return {
    async call<M extends Method>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      let result;
      try {
        result = await transport.call(method, input);
      } catch (error) {
        if (error instanceof ApiCallError) throw error;
        throw new ApiCallError(method, 'NETWORK_ERROR', error instanceof Error ? error.message : String(error));
      }
      if (result.ok) return result.value;
      throw ApiCallError.fromApiError(method, result.error);
    },
    on<E extends EventName>(event: E, listener: EventListener<E>): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      return () => set.delete(untyped);
    },
    dispose(): void {
      unsubscribe();
      listeners.clear();
    },
  };
}
