import type { AnyEvent } from '../../../src-shared/api/events';
import type { ApiResult } from '../../../src-shared/api/errors';
import type { Method, MethodOutput } from '../../../src-shared/api/contract';
import type { DesktopBridge } from './desktop-bridge';
import type { Transport } from './transport';
import { toApiResult } from './result-envelope';

/** The desktop app's transport: the preload's `window.runboard` bridge over Electron IPC. */
export function createDesktopTransport(bridge: DesktopBridge): Transport {
  return {
    kind: 'desktop',
    connection: 'open',
    async call<M extends Method>(method: M, input: unknown): Promise<ApiResult<MethodOutput<M>>> {
      let answer: unknown;
      try {
        answer = await bridge.call(method, input);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, error: { code: 'INTERNAL', message: `The app could not run ${method}: ${message}` } };
      }
      const result = toApiResult(answer);
      if (!result) return { ok: false, error: { code: 'INTERNAL', message: `The app answered ${method} with something unexpected.` } };
      return result as ApiResult<MethodOutput<M>>;
    },
    subscribe(listener: (event: AnyEvent) => void): () => void {
      return bridge.onEvent(listener);
    },
    onConnectionChange(): () => void {
      return () => {};
    },
    saveFile(suggestedName, content, mimeType) {
      return bridge.saveFile(suggestedName, content, mimeType);
    },
    dispose(): void {},
  };
}
