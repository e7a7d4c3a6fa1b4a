import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnyEvent } from '../../src-shared/api/events';
import type { ApiHost } from '../../src-shared/api/host';

// ipc.ts against a recording fake of `electron` (the real module is never loaded): the wiring from Electron's event
// objects to the sender check (reliability item 3).
const fake = vi.hoisted(() => ({
  handlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
  windows: [] as unknown[],
  saveDialog: vi.fn(),
}));

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => fake.handlers.set(channel, handler),
    removeHandler: (channel: string) => fake.handlers.delete(channel),
  },
  BrowserWindow: { fromWebContents: () => null },
  dialog: { showSaveDialog: fake.saveDialog },
  app: { getPath: () => '/home/me/Downloads' },
}));

const { registerIpc } = await import('../../src-main/electron/ipc');

interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
  frameTreeNodeId: number;
  detached: boolean;
}

function frame(url: string, id: number, parent: FakeFrame | null = null): FakeFrame {
  return { url, parent, frameTreeNodeId: id, detached: false };
}

function fakeWindow(id: number, url = 'app://runboard/index.html') {
  const mainFrame = frame(url, id * 100);
  const sent: unknown[][] = [];
  const webContents = { id, mainFrame, getURL: () => mainFrame.url, isDestroyed: () => false, send: (...args: unknown[]) => sent.push(args) };
  return { isDestroyed: () => false, webContents, sent };
}

describe('registerIpc', () => {
  let listeners: Array<(event: AnyEvent) => void>;
  let call: ReturnType<typeof vi.fn>;
  let ours: ReturnType<typeof fakeWindow>;
  let dispose: () => void;

  beforeEach(() => {
    fake.handlers.clear();
    listeners = [];
    call = vi.fn(async () => ({ ok: true, value: [] }));
    const api: ApiHost = {
      call: call as unknown as ApiHost['call'],
      subscribe: (listener) => {
        listeners.push(listener);
        return () => listeners.splice(listeners.indexOf(listener), 1);
      },
    };
    ours = fakeWindow(1);
    dispose = registerIpc({ api, appOrigin: 'app://runboard', windows: () => [ours] as never });
  });

  const invoke = (channel: string, event: unknown, ...args: unknown[]) => fake.handlers.get(channel)!(event, ...args);

  it('answers our main frame', async () => {
    const result = await invoke('runboard:call', { sender: ours.webContents, senderFrame: ours.webContents.mainFrame }, 'runs/list', {});
    expect(result).toEqual({ ok: true, value: [] });
    expect(call).toHaveBeenCalledWith('runs/list', {});
  });

  it('refuses a subframe of our window, a foreign page, a destroyed frame and another web contents, before the API', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const main = ours.webContents.mainFrame;
    const stranger = fakeWindow(2);
    const events = [
      { sender: ours.webContents, senderFrame: frame('app://runboard/index.html', 101, main) },
      { sender: ours.webContents, senderFrame: { ...main, url: 'https://evil.example/' } },
      { sender: ours.webContents, senderFrame: null },
      { sender: ours.webContents, senderFrame: { ...main, detached: true } },
      { sender: stranger.webContents, senderFrame: stranger.webContents.mainFrame },
    ];
    for (const event of events) {
      expect(await invoke('runboard:call', event, 'runs/list', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    await expect(invoke('runboard:save-file', events[0], 'a.csv', 'x', 'text/csv')).rejects.toThrow(/not allowed/);
    warn.mockRestore();
    expect(call).not.toHaveBeenCalled();
    expect(fake.saveDialog).not.toHaveBeenCalled();
  });

  it('pushes API events to our windows showing our pages only', () => {
    const away = fakeWindow(3, 'https://evil.example/');
    dispose();
    dispose = registerIpc({ api: { call: call as never, subscribe: (l) => (listeners.push(l), () => {}) }, appOrigin: 'app://runboard', windows: () => [ours, away] as never });
    const event = { event: 'run/progressed', payload: { run_id: 1 } } as unknown as AnyEvent;
    for (const listener of listeners) listener(event);
    expect(ours.sent).toContainEqual(['runboard:event', event]);
    expect(away.sent).toEqual([]);
  });

  it('removes its handlers and its subscription on dispose', () => {
    dispose();
    expect(fake.handlers.size).toBe(0);
    expect(listeners).toHaveLength(0);
  });
});
