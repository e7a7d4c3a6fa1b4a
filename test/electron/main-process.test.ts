import type { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * src-main/electron/main.ts end to end against a recording fake of `electron` (the real module is never loaded) and
 * the real core on a temporary database: the order of the pre-`ready` calls, the window's options, the db flag,
 * the IPC transport reaching the real API, quitting through core.dispose(), and the error dialog on a bad database.
 */
const fake = vi.hoisted(() => {
  const state = {
    calls: [] as string[],
    schemes: [] as unknown[],
    protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
    ipcHandlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
    windows: [] as Array<{ options: Record<string, unknown>; loaded: string[]; webContents: Record<string, unknown> }>,
    errorBoxes: [] as Array<[string, string]>,
    exitCodes: [] as number[],
    quits: 0,
    readyResolve: undefined as undefined | (() => void),
    app: undefined as unknown as EventEmitter & Record<string, unknown>,
  };
  return state;
});

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  const app = new Emitter() as EventEmitter & Record<string, unknown>;
  Object.assign(app, {
    isPackaged: false,
    enableSandbox: () => fake.calls.push('enableSandbox'),
    setName: () => fake.calls.push('setName'),
    setAppUserModelId: () => {},
    requestSingleInstanceLock: () => (fake.calls.push('requestSingleInstanceLock'), true),
    whenReady: () => {
      fake.calls.push('whenReady');
      return new Promise<void>((resolve) => (fake.readyResolve = resolve));
    },
    quit: () => {
      fake.quits++;
      const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
      app.emit('before-quit', event);
    },
    exit: (code: number) => fake.exitCodes.push(code),
    getPath: () => tmpdir(),
  });
  fake.app = app;
  let nextId = 1;
  class BrowserWindow extends Emitter {
    static getAllWindows = () => instances.filter((w) => !w.destroyed);
    static fromWebContents = () => null;
    destroyed = false;
    webContents: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      super();
      const id = nextId++;
      const contents = new Emitter() as EventEmitter & Record<string, unknown>;
      const record = { options, loaded: [] as string[], webContents: contents };
      Object.assign(contents, {
        id,
        mainFrame: { url: 'app://runboard/index.html', parent: null, frameTreeNodeId: id * 10, detached: false },
        getURL: () => 'app://runboard/index.html',
        isDestroyed: () => false,
        send: () => {},
      });
      this.webContents = contents;
      fake.windows.push(record);
      instances.push(this);
      this.loadURL = async (url: string) => void record.loaded.push(url);
    }
    loadURL: (url: string) => Promise<void>;
    isDestroyed() {
      return this.destroyed;
    }
    show() {}
  }
  const instances: BrowserWindow[] = [];
  const session = { defaultSession: { setPermissionRequestHandler() {}, setPermissionCheckHandler() {}, setDevicePermissionHandler() {} } };
  return {
    app,
    BrowserWindow,
    session,
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => {
        fake.calls.push('registerSchemesAsPrivileged');
        fake.schemes.push(...schemes);
      },
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => fake.protocolHandlers.set(scheme, handler),
    },
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => fake.ipcHandlers.set(channel, handler),
      removeHandler: (channel: string) => fake.ipcHandlers.delete(channel),
    },
    dialog: { showErrorBox: (title: string, message: string) => fake.errorBoxes.push([title, message]), showSaveDialog: async () => ({ canceled: true }) },
    shell: { openExternal: async () => {} },
    utilityProcess: { fork: () => { throw new Error('no training in this test'); } },
  };
});

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the Electron main process', () => {
  let dir: string;
  const savedArgv = process.argv;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'runboard-main-'));
    vi.resetModules();
    fake.calls.length = 0;
    fake.schemes.length = 0;
    fake.protocolHandlers.clear();
    fake.ipcHandlers.clear();
    fake.windows.length = 0;
    fake.errorBoxes.length = 0;
    fake.exitCodes.length = 0;
    fake.quits = 0;
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });

  afterEach(() => {
    process.argv = savedArgv;
    fake.app?.removeAllListeners();
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the scheme and the sandbox before ready, opens the --db file, shows one secure window and quits through core.dispose()', async () => {
    const dbPath = path.join(dir, 'desk.db');
    process.argv = ['/usr/bin/electron', '/app', '--db', dbPath];
    await import('../../src-main/electron/main');

    // Before `ready`: privileged scheme, sandbox, single-instance lock; nothing else yet.
    expect(fake.calls.slice(0, 4)).toEqual(['registerSchemesAsPrivileged', 'enableSandbox', 'setName', 'requestSingleInstanceLock']);
    expect(fake.schemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(fake.windows).toHaveLength(0);

    fake.readyResolve!();
    await until(() => fake.windows.length === 1 && fake.windows[0]!.loaded.length === 1, 'the window');
    const [win] = fake.windows;
    expect(win!.loaded).toEqual(['app://runboard/index.html']);
    const prefs = win!.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(prefs.preload)).toMatch(/out[\\/]preload[\\/]preload\.cjs$/);
    expect(fake.protocolHandlers.has('app')).toBe(true);

    // The IPC transport reaches the real API on the --db file, for our main frame only.
    const call = fake.ipcHandlers.get('runboard:call')!;
    const contents = win!.webContents as { mainFrame: object };
    const info = (await call({ sender: contents, senderFrame: contents.mainFrame }, 'system/info', {})) as { ok: boolean; value: { db_path: string; host: string } };
    expect(info).toMatchObject({ ok: true, value: { host: 'desktop' } });
    expect(path.resolve(info.value.db_path)).toBe(path.resolve(dbPath));
    const foreign = await call({ sender: contents, senderFrame: { ...contents.mainFrame, url: 'https://evil.example/' } }, 'system/info', {});
    expect(foreign).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    // Quitting is held until the core is disposed, then happens for real; the IPC handlers are gone.
    expect(existsSync(`${dbPath}-wal`)).toBe(true);
    (fake.app.quit as () => void)();
    await until(() => fake.quits === 2, 'the second quit after dispose');
    expect(fake.ipcHandlers.size).toBe(0);
    expect(existsSync(`${dbPath}-wal`)).toBe(false); // the database was closed (SQLite removes the WAL file on close)
  });

  it('shows the AppError in a dialog and exits with 1 when the database cannot be opened', async () => {
    process.argv = ['/usr/bin/electron', '/app', `--db=${path.join(dir, 'missing-folder', 'x.db')}`];
    await import('../../src-main/electron/main');
    fake.readyResolve!();
    await until(() => fake.exitCodes.length > 0, 'the exit');
    expect(fake.exitCodes).toEqual([1]);
    expect(fake.errorBoxes).toHaveLength(1);
    expect(fake.errorBoxes[0]![0]).toBe('Runboard could not start');
    expect(fake.errorBoxes[0]![1]).toContain('missing-folder');
    expect(fake.windows).toHaveLength(0);
  });
});
