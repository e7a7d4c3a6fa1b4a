import { APP_ORIGIN, APP_START_URL, originOf } from './origin';

/**
 * How the desktop app was asked to start, from argv and the environment. Pure, so every rule is tested in Node.
 */

/**
 * The value of `--db PATH` or `--db=PATH` in the app's argv (the same flag as the CLI), or undefined.
 * Electron's argv is `[electron, appDir, ...]` unpackaged and `[app, ...]` packaged, and Chromium may add switches,
 * so the flag is looked for anywhere. An empty value or a following switch (`--db --foo`) does not count.
 */
export function dbFlagFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg.startsWith('--db=')) return arg.slice('--db='.length) || undefined;
    if (arg === '--db') {
      const next = argv[i + 1];
      return next && !next.startsWith('--') ? next : undefined;
    }
  }
  return undefined;
}

/**
 * The Electron-ABI better-sqlite3 binary to load, from `RUNBOARD_SQLITE_BINDING` (set by scripts/start.js).
 * Ignored in a packaged app: electron-builder rebuilt better-sqlite3 for Electron there, and an environment
 * variable must not be able to make the app load a native library from elsewhere.
 */
export function sqliteBindingFrom(env: NodeJS.ProcessEnv, isPackaged: boolean): string | undefined {
  if (isPackaged) return undefined;
  const binding = env.RUNBOARD_SQLITE_BINDING?.trim();
  return binding ? binding : undefined;
}

export interface RendererSource {
  /** The URL the main window loads. */
  url: string;
  /** The origin every page, navigation and IPC sender must have. */
  origin: string;
  /** True when the renderer comes from electron-vite's dev server (hot reload), false for the built files on app://. */
  devServer: boolean;
}

/**
 * Where the renderer comes from: electron-vite's dev server (`ELECTRON_RENDERER_URL`, http(s) on a loopback host,
 * unpackaged only), otherwise the built files on `app://runboard/`.
 */
export function rendererSource(env: NodeJS.ProcessEnv, isPackaged: boolean): RendererSource {
  const devUrl = env.ELECTRON_RENDERER_URL;
  if (!isPackaged && devUrl) {
    const origin = originOf(devUrl);
    const host = origin ? new URL(devUrl).hostname : '';
    const loopback = host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
    if (origin && /^https?:$/.test(new URL(devUrl).protocol) && loopback) return { url: devUrl, origin, devServer: true };
  }
  return { url: APP_START_URL, origin: APP_ORIGIN, devServer: false };
}
