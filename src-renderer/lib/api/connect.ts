import { createDesktopTransport } from './desktop-transport';
import { createHttpTransport } from './http-transport';
import type { Transport } from './transport';

/** Picks the transport at startup: the desktop app's preload bridge when present, else HTTP + WebSocket to `serve`. */
export function connectTransport(): Transport {
  return window.runboard ? createDesktopTransport(window.runboard) : createHttpTransport();
}
