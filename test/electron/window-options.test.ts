import { describe, expect, it } from 'vitest';
import { mainWindowOptions, SECURE_WEB_PREFERENCES } from '../../src-main/electron/window-options';

// Reliability item 1: every window is isolated, sandboxed and without Node.
describe('main window options', () => {
  const options = mainWindowOptions({ preloadPath: '/app/out/preload/preload.cjs', iconPath: '/app/assets/icon.png' });
  const prefs = options.webPreferences!;

  it.each([
    ['contextIsolation', true],
    ['sandbox', true],
    ['nodeIntegration', false],
    ['nodeIntegrationInWorker', false],
    ['nodeIntegrationInSubFrames', false],
    ['webSecurity', true],
    ['allowRunningInsecureContent', false],
    ['experimentalFeatures', false],
    ['webviewTag', false],
    ['enableWebSQL', false],
    ['spellcheck', false],
  ] as const)('sets %s to %s explicitly', (flag, value) => {
    expect(prefs[flag]).toBe(value);
  });

  it('loads only the built CommonJS preload and enables no Blink feature', () => {
    expect(prefs.preload).toBe('/app/out/preload/preload.cjs');
    expect(prefs.preload).toMatch(/\.cjs$/);
    expect(prefs.enableBlinkFeatures).toBeUndefined();
    expect(prefs.additionalArguments).toBeUndefined();
  });

  it('cannot be weakened by a caller: the shared preferences are frozen', () => {
    expect(Object.isFrozen(SECURE_WEB_PREFERENCES)).toBe(true);
    expect(() => {
      (SECURE_WEB_PREFERENCES as { sandbox: boolean }).sandbox = false;
    }).toThrow(TypeError);
  });

  it('is titled Runboard, starts hidden on a dark background and has a usable minimum size', () => {
    expect(options.title).toBe('Runboard');
    expect(options.show).toBe(false);
    expect(options.backgroundColor).toMatch(/^#[0-9a-f]{6}$/i);
    expect(options.minWidth).toBeGreaterThanOrEqual(800);
    expect(options.minHeight).toBeGreaterThanOrEqual(500);
    expect(options.width).toBeGreaterThanOrEqual(options.minWidth!);
    expect(options.height).toBeGreaterThanOrEqual(options.minHeight!);
    expect(options.icon).toBe('/app/assets/icon.png');
  });
});
