import type { ApiResult } from '../../src-shared/api/errors';
import type { AnyEvent } from '../../src-shared/api/events';

/**
 * What the preload exposes to the page as `window.runboard`, and nothing else. The renderer declares the same
 * shape in src-renderer/lib/api/desktop-bridge.ts (it may not import from src-main); keep the two identical.
 */
export interface DesktopBridge {
  /** Calls an API method by `domain/verb` name. Never rejects: failures come back as `{ ok: false, error }`. */
  call(method: string, input: unknown): Promise<ApiResult<unknown>>;
  /** Registers a listener for every host event; returns the function that removes it. */
  onEvent(listener: (event: AnyEvent) => void): () => void;
  /**
   * Asks the user where to save `content` with a native Save dialog (the page never supplies a path) and writes it:
   * text as UTF-8, bytes as they are. Resolves `{ saved: false }` when the user cancels; rejects when the file cannot
   * be written.
   */
  saveFile(suggestedName: string, content: string | Uint8Array, mimeType: string): Promise<{ saved: boolean; path?: string }>;
}
