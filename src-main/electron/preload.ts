import type { IpcRendererEvent } from 'electron';
import { contextBridge, ipcRenderer } from 'electron';
import type { ApiResult } from '../../src-shared/api/errors';
import type { AnyEvent } from '../../src-shared/api/events';
import type { DesktopBridge } from './bridge';
import { BRIDGE_KEY, CALL_CHANNEL, EVENT_CHANNEL, SAVE_FILE_CHANNEL } from './channels';

/**
 * The sandboxed preload (built as CommonJS: `out/preload/preload.cjs`). It exposes exactly one object,
 * `window.runboard`, with three functions; `ipcRenderer`, `require`, `process` and Electron's event objects never
 * reach the page. Imports other than `electron` are type-only or bundled (channels.ts), since a sandboxed preload
 * can require nothing else.
 */

const bridge: DesktopBridge = {
  call(method: string, input: unknown): Promise<ApiResult<unknown>> {
    return (ipcRenderer.invoke(CALL_CHANNEL, method, input) as Promise<ApiResult<unknown>>).catch(
      // Only transport failures land here (an input that cannot be cloned, the main process going away):
      // the API itself answers with values. Keep the promise's "never rejects" contract.
      (error: unknown): ApiResult<unknown> => ({
        ok: false,
        error: { code: 'INTERNAL', message: `The call could not reach Runboard: ${error instanceof Error ? error.message : String(error)}` },
      }),
    );
  },
  onEvent(listener: (event: AnyEvent) => void): () => void {
    // Wrap the listener so the page receives the payload only, never the IpcRendererEvent (which holds `sender`).
    const forward = (_event: IpcRendererEvent, payload: AnyEvent): void => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    };
  },
  saveFile(suggestedName: string, content: string | Uint8Array, mimeType: string): Promise<{ saved: boolean; path?: string }> {
    return ipcRenderer.invoke(SAVE_FILE_CHANNEL, suggestedName, content, mimeType) as Promise<{ saved: boolean; path?: string }>;
  },
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
