import { isMethod, contract, type Method, type MethodOutput } from '../../src-shared/api/contract';
import { AppError, type ApiResult } from '../../src-shared/api/errors';
import type { AnyEvent } from '../../src-shared/api/events';
import type { ApiHost } from '../../src-shared/api/host';
import { parseOrThrow } from '../../src-shared/api/validation';
import { EventBus } from './event-bus';
import type { Handlers } from './handlers';

/**
 * The contract, implemented once for every transport. Validates each input with the contract's schema,
 * runs its handler, and returns a result value: only `AppError` messages cross to a client; any other error
 * becomes INTERNAL, with its stack logged here.
 */
export class ApiService implements ApiHost {
  constructor(
    private readonly handlers: Handlers,
    private readonly events: EventBus = new EventBus(),
    private readonly log: (message: string, error: unknown) => void = (m, e) => console.error(m, e),
  ) {}

  async call<M extends Method>(method: M, input: unknown): Promise<ApiResult<MethodOutput<M>>> {
    if (typeof method !== 'string' || !isMethod(method)) {
      return { ok: false, error: { code: 'NOT_FOUND', message: `Unknown API method "${String(method)}".` } };
    }
    try {
      const parsed = parseOrThrow(contract[method].input, input ?? {});
      const handler = this.handlers[method] as (value: unknown) => Promise<MethodOutput<M>>;
      return { ok: true, value: await handler(parsed) };
    } catch (error) {
      if (error instanceof AppError) return { ok: false, error: error.toJSON() };
      this.log(`runboard: ${method} failed:`, error);
      return { ok: false, error: { code: 'INTERNAL', message: `Internal error in ${method}; details are in the Runboard log.` } };
    }
  }

  subscribe(listener: (event: AnyEvent) => void): () => void {
    return this.events.subscribe(listener);
  }
}
