import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/** The renderer's page background (`--bg` in src-renderer/app.css), so nothing flashes before the first paint. */
export const WINDOW_BACKGROUND = '#f5f7fa';

/**
 * The security-relevant web preferences of every Runboard window (Electron's security checklist, reliability item 1).
 * Frozen and exported on its own so a test can assert each flag, and so `will-attach-webview` could reuse it.
 */
export const SECURE_WEB_PREFERENCES: Readonly<WebPreferences> = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  enableWebSQL: false,
  plugins: false,
  navigateOnDragDrop: false,
  // Middle-click (auxclick) could open a link in a new window; the window-open handler denies it anyway.
  disableBlinkFeatures: 'Auxclick',
  safeDialogs: true,
  spellcheck: false,
});

export interface WindowOptionsInput {
  /** Absolute path of the built CommonJS preload (`out/preload/preload.cjs`). */
  preloadPath: string;
  /** Window icon (used on Linux and Windows; macOS takes the bundle's icon). */
  iconPath?: string;
}

/**
 * Options for the main window. Pure data: no `electron` import at run time. The window starts hidden and is shown
 * on `ready-to-show`, so the user never sees an empty frame.
 */
export function mainWindowOptions({ preloadPath, iconPath }: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    title: 'Runboard',
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: WINDOW_BACKGROUND,
    autoHideMenuBar: false,
    ...(iconPath ? { icon: iconPath } : {}),
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: preloadPath },
  };
}
