import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindingPath, BUILD_OUTPUTS } from '../../scripts/start-mode.js';

/**
 * The desktop window end to end, through Playwright's Electron launcher (reliability items 1 and 2). It needs what
 * this project's machines cannot have (Electron's binary comes from github.com), so it skips itself, saying why.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const electronDir = path.join(root, 'node_modules', 'electron');

function installedElectronBinary(): string | null {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = installedElectronBinary();
const electronVersion = (JSON.parse(readFileSync(path.join(electronDir, 'package.json'), 'utf8')) as { version: string }).version;
const sqliteBinding = bindingPath(root, electronVersion);
const hasBinary = binary !== null;

function skipReason(): string | null {
  if (!hasBinary) return 'Electron binary not installed on this machine';
  if (!existsSync(sqliteBinding)) return `no Electron build of better-sqlite3 at ${path.relative(root, sqliteBinding)} (run npm start once)`;
  const missing = BUILD_OUTPUTS.filter((file) => !existsSync(path.join(root, file)));
  if (missing.length > 0) return `the app is not built (${missing.join(', ')} missing; run npm run build)`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no display (run under xvfb-run)';
  return null;
}

const reason = skipReason();
const suffix = reason ? ` [skipped: ${reason}]` : '';

type PageGlobals = Record<string, unknown> & { location: { href: string }; open(url: string): unknown };

describe('desktop window (Electron)', () => {
  it.skipIf(reason !== null)(`shows the app sandboxed, with window.runboard as its only bridge, and refuses to leave it${suffix}`, async () => {
    const { _electron } = await import('playwright-core');
    const dir = mkdtempSync(path.join(tmpdir(), 'runboard-electron-e2e-'));
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== 'ELECTRON_RUN_AS_NODE') env[key] = value;
    const app = await _electron.launch({
      executablePath: binary!,
      args: [root],
      env: { ...env, RUNBOARD_DB: path.join(dir, 'e2e.db'), RUNBOARD_SQLITE_BINDING: sqliteBinding },
      timeout: 60_000,
    });
    try {
      const page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
      expect(page.url()).toBe('app://runboard/index.html');

      const globals = await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        const bridge = g.runboard as Record<string, unknown> | undefined;
        return {
          require: typeof g.require,
          process: typeof g.process,
          ipcRenderer: typeof g.ipcRenderer,
          electron: typeof g.electron,
          runboard: typeof bridge,
          keys: Object.keys(bridge ?? {}).sort(),
        };
      });
      expect(globals).toEqual({ require: 'undefined', process: 'undefined', ipcRenderer: 'undefined', electron: 'undefined', runboard: 'object', keys: ['call', 'onEvent', 'saveFile'] });

      const info = (await page.evaluate(() => (globalThis as unknown as { runboard: { call(m: string, i: unknown): Promise<unknown> } }).runboard.call('system/info', {}))) as {
        ok: boolean;
        value?: { host: string };
      };
      expect(info).toMatchObject({ ok: true, value: { host: 'desktop' } });

      // window.open is denied (http is not even handed to the system browser), and navigation away is refused.
      const windowsBefore = app.windows().length;
      await page.evaluate(() => (globalThis as unknown as PageGlobals).open('http://example.com/'));
      for (const url of ['file:///etc/passwd', 'https://example.com/']) {
        await page.evaluate((target) => {
          (globalThis as unknown as PageGlobals).location.href = target;
        }, url);
        await page.waitForTimeout(500);
        expect(page.url()).toBe('app://runboard/index.html');
      }
      expect(app.windows().length).toBe(windowsBefore);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
