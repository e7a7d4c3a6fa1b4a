import type { ApiResult } from '../../../src-shared/api/errors';
import type { AnyEvent } from '../../../src-shared/api/events';

/** Result of a native save dialog: `saved` is false when the user cancelled. */
export interface SaveFileResult {
  saved: boolean;
  path?: string;
}

/**
 * The one object the Electron preload exposes to the page (`contextBridge.exposeInMainWorld('runboard', ...)`).
 * Every call is validated again in the main process; the page never sees `ipcRenderer` itself.
 */
export interface DesktopBridge {
  /** Calls a contract method by `domain/verb` name; resolves with a result value, never rejects for app errors. */
  call(method: string, input: unknown): Promise<ApiResult<unknown>>;
  /** Registers a listener for every host event; returns the function that removes it. */
  onEvent(listener: (event: AnyEvent) => void): () => void;
  /**
   * Shows the native save dialog and writes `content` to the chosen file: text as UTF-8, bytes as they are.
   */
  saveFile(suggestedName: string, content: string | Uint8Array, mimeType: string): Promise<SaveFileResult>;
}

declare global {
  interface Window {
    /** Present only in the desktop app. */
    runboard?: DesktopBridge;
  }
}
