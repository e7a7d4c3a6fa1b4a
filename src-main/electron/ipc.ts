import { writeFile } from 'node:fs/promises';
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import type { ApiHost } from '../../src-shared/api/host';
import { CALL_CHANNEL, EVENT_CHANNEL, SAVE_FILE_CHANNEL } from './channels';
import { handleCall, isTrustedSender, parseSaveRequest, saveWithDialog } from './ipc-handlers';
import { isAppUrl } from './origin';

export interface IpcOptions {
  api: ApiHost;
  /** The origin our pages have (`app://runboard`, or the dev server's). */
  appOrigin: string;
  /** The windows that may call the API and receive its events. */
  windows(): readonly BrowserWindow[];
}

/**
 * Whether an invoke came from the main frame of one of our windows showing one of our pages. Reads `senderFrame`
 * synchronously: it becomes null once the frame navigates or is destroyed.
 */
function isTrustedEvent(event: IpcMainInvokeEvent, options: IpcOptions): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.detached) return false;
  const sender: WebContents = event.sender;
  const ours = options.windows().some((win) => !win.isDestroyed() && win.webContents.id === sender.id);
  if (!ours) return false;
  const isMainFrame = frame.parent === null && frame.frameTreeNodeId === sender.mainFrame.frameTreeNodeId;
  return isTrustedSender(frame.url, isMainFrame, options.appOrigin);
}

function downloadsDir(): string | null {
  try {
    return app.getPath('downloads');
  } catch {
    return null;
  }
}

/**
 * The desktop transport: `runboard:call` (sender check, method name check, then `api.call`, which validates the
 * payload), `runboard:save-file` (native Save dialog; the page never supplies a path) and `runboard:event` pushes.
 * Returns the function that removes the handlers and the event subscription.
 */
export function registerIpc(options: IpcOptions): () => void {
  ipcMain.handle(CALL_CHANNEL, (event, method: unknown, input: unknown) => {
    const trusted = isTrustedEvent(event, options);
    if (!trusted) console.warn(`Runboard refused an API call from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
    return handleCall(options.api, trusted, method, input);
  });

  ipcMain.handle(SAVE_FILE_CHANNEL, async (event, suggestedName: unknown, content: unknown, mimeType: unknown) => {
    if (!isTrustedEvent(event, options)) {
      console.warn(`Runboard refused a save request from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
      throw new Error('This page is not allowed to save files.');
    }
    const request = parseSaveRequest(suggestedName, content, mimeType);
    const parent = BrowserWindow.fromWebContents(event.sender);
    return saveWithDialog(request, {
      showSaveDialog: (dialogOptions) => (parent ? dialog.showSaveDialog(parent, dialogOptions) : dialog.showSaveDialog(dialogOptions)),
      writeFile: (filePath, content) => (typeof content === 'string' ? writeFile(filePath, content, 'utf8') : writeFile(filePath, content)),
      defaultDir: downloadsDir(),
    });
  });

  const unsubscribe = options.api.subscribe((event) => {
    for (const win of options.windows()) {
      if (win.isDestroyed()) continue;
      const contents = win.webContents;
      if (contents.isDestroyed() || !isAppUrl(contents.getURL(), options.appOrigin)) continue;
      contents.send(EVENT_CHANNEL, event);
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(CALL_CHANNEL);
    ipcMain.removeHandler(SAVE_FILE_CHANNEL);
  };
}
