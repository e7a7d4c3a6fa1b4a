import { join } from 'node:path';
import { app, BrowserWindow, dialog, protocol, session, shell, utilityProcess } from 'electron';
import { isAppError } from '../../src-shared/api/errors';
import type { Core } from '../core';
import { openCore } from '../core';
import { silentRunTimeoutMs } from '../core';
import { LoopbackTracking } from '../interop/mlflow/tracking-server';
import { appRoot, localFilesDir, rendererDir, resolveDbLocation } from '../paths';
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol';
import { registerIpc } from './ipc';
import { dbFlagFromArgv, rendererSource, sqliteBindingFrom } from './launch-options';
import { denyAllPermissions, guardWebContents } from './navigation-guard';
import { APP_SCHEME } from './origin';
import { UtilityWorkerLauncher } from './utility-launcher';
import { mainWindowOptions } from './window-options';

/**
 * The Electron main process (built to out/main/index.js). It hosts the same core as `serve` and the CLI, on the same
 * database file, and shows it in one sandboxed window. Everything here is wiring; the decisions live in the pure
 * modules next to it, which are unit-tested.
 *
 * This file is an ES module: only its synchronous top level runs before `ready`, which is where the scheme, the
 * sandbox and the single-instance lock must be set up. Never `await app.whenReady()` at the top level (it hangs).
 */

/** How long quitting waits for the core to stop runs and close the database before giving up. */
const DISPOSE_TIMEOUT_MS = 10_000;

const renderer = rendererSource(process.env, app.isPackaged);
let core: Core | undefined;
let coreOpening: Promise<Core> | undefined;
let disposeIpc: (() => void) | undefined;
let mainWindow: BrowserWindow | null = null;
let quitState: 'running' | 'disposing' | 'done' = 'running';

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
app.enableSandbox();
app.setName('Runboard');
if (process.platform === 'win32') app.setAppUserModelId('dev.runboard.app');

// Every web contents, including any a bug or an attacker manages to create, gets the navigation policy.
app.on('web-contents-created', (_event, contents) => {
  guardWebContents(contents, { appOrigin: renderer.origin, openExternal: (url) => shell.openExternal(url) });
});

if (!app.requestSingleInstanceLock()) {
  // Another Runboard window is open on this profile: it is focused (below, in that process) and this one leaves.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', onBeforeQuit);
  // Ctrl-C in the terminal of `npm start`, or a service manager's SIGTERM: quit the normal way, so runs end as stopped.
  process.once('SIGINT', () => app.quit());
  process.once('SIGTERM', () => app.quit());
  app.whenReady().then(start).catch(failStartup);
}

async function start(): Promise<void> {
  denyAllPermissions(session.defaultSession);
  if (!renderer.devServer) protocol.handle(APP_SCHEME, createAppProtocolHandler({ rootDir: rendererDir(), appOrigin: renderer.origin }));

  const nativeBinding = sqliteBindingFrom(process.env, app.isPackaged);
  const db = resolveDbLocation(dbFlagFromArgv(process.argv), process.env);
  // MLflow clients log into the app through a loopback server that runs only while switched on in Settings.
  let tracking: LoopbackTracking | undefined;
  coreOpening = openCore({
    db,
    host: 'desktop',
    watchExternalChanges: true,
    silentRunMs: silentRunTimeoutMs(process.env.RUNBOARD_SILENT_RUN_MINUTES),
    trackingServer: (parts) => (tracking = new LoopbackTracking(parts, join(localFilesDir(db), 'tracking-server.json'))),
    launcher: new UtilityWorkerLauncher((entry, args, options) => utilityProcess.fork(entry, args, options)),
    ...(nativeBinding ? { nativeBinding } : {}),
  });
  core = await coreOpening;
  if (quitState !== 'running') return; // quit was asked while the database opened; before-quit disposes it
  await tracking?.resume();

  disposeIpc = registerIpc({ api: core.api, appOrigin: renderer.origin, windows: () => BrowserWindow.getAllWindows() });
  createMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
}

function createMainWindow(): void {
  const root = appRoot();
  const options = mainWindowOptions({ preloadPath: join(root, 'out', 'preload', 'preload.cjs'), iconPath: join(root, 'assets', 'icon.png') });
  // The four flags that matter most are restated literally where the window is made: Electronegativity reads the
  // object passed to `new BrowserWindow` and cannot follow a function call, and no edit elsewhere can weaken them.
  const win = new BrowserWindow({
    ...options,
    webPreferences: { ...options.webPreferences, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, disableBlinkFeatures: 'Auxclick' },
  });
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  win.webContents.on('render-process-gone', (_event, details) => {
    console.error(`Runboard's window process ended (${details.reason}, exit code ${details.exitCode})`);
  });
  win.loadURL(renderer.url).catch((error: unknown) => {
    console.error(`Runboard could not load ${renderer.url}:`, error);
    dialog.showErrorBox('Runboard could not show its window', `Loading ${renderer.url} failed: ${error instanceof Error ? error.message : String(error)}`);
  });
}

/** Holds the quit until the core has marked running runs stopped and closed the database (or the timeout passed). */
function onBeforeQuit(event: { preventDefault(): void }): void {
  if (quitState === 'done' || !coreOpening) return;
  event.preventDefault();
  if (quitState === 'disposing') return;
  quitState = 'disposing';
  void disposeAll().finally(() => {
    quitState = 'done';
    app.quit();
  });
}

async function disposeAll(): Promise<void> {
  disposeIpc?.();
  disposeIpc = undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`Runboard gave up waiting for the database to close after ${DISPOSE_TIMEOUT_MS} ms`);
      resolve();
    }, DISPOSE_TIMEOUT_MS);
  });
  const dispose = (async () => {
    const opened = core ?? (await coreOpening?.catch(() => undefined));
    await opened?.dispose();
  })().catch((error: unknown) => console.error('Runboard could not close cleanly:', error));
  await Promise.race([dispose, timeout]);
  clearTimeout(timer);
}

/** Opening the core failed (a database from a newer version, a corrupt file...): say so in a dialog, then leave. */
function failStartup(error: unknown): void {
  const message = isAppError(error) ? error.message : `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  if (!isAppError(error)) console.error('Runboard could not start:', error);
  dialog.showErrorBox('Runboard could not start', message);
  quitState = 'disposing';
  void disposeAll().finally(() => app.exit(1));
}
