import type { ApiHost } from '../../../src-shared/api/host';
import type { SaveFileResult } from './desktop-bridge';

/**
 * State of the live-event channel. The desktop's IPC is always `open`; the browser's WebSocket goes
 * `connecting` -> `open`, and `reconnecting` while it retries after a drop (events may be missed meanwhile).
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

/** An `ApiHost` across a boundary, plus what only a host process can do for the page (saving a file). */
export interface Transport extends ApiHost {
  readonly kind: 'desktop' | 'http';
  readonly connection: ConnectionState;
  /** Called on every connection state change; returns the function that stops listening. */
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  /**
   * Saves a file: a native save dialog in the desktop app, a browser download otherwise. `content` is text (saved as
   * UTF-8) or bytes (Parquet, PNG).
   */
  saveFile(suggestedName: string, content: string | Uint8Array, mimeType: string): Promise<SaveFileResult>;
  dispose(): void;
}
