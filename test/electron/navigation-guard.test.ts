import { EventEmitter } from 'node:events';
import type { HandlerDetails, Session, WebContents, WindowOpenHandlerResponse } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import {
  denyAllPermissions,
  externalUrlToOpen,
  guardWebContents,
  isAllowedNavigation,
  isPermissionAllowed,
} from '../../src-main/electron/navigation-guard';
import { APP_ORIGIN, originOf } from '../../src-main/electron/origin';

// Reliability item 2: navigation to another origin, file:// or window.open is refused.
describe('isAllowedNavigation', () => {
  it.each(['app://runboard/index.html', 'app://runboard/', 'app://runboard/runs/3?tab=metrics#loss', 'APP://RUNBOARD/index.html'])(
    'allows a page of the app: %s',
    (url) => expect(isAllowedNavigation(url, APP_ORIGIN)).toBe(true),
  );

  it.each([
    ['another site', 'https://evil.example/'],
    ['plain http', 'http://runboard/'],
    ['a file', 'file:///etc/passwd'],
    ['a file under the app', 'file:///opt/Runboard/resources/app.asar/out/renderer/index.html'],
    ['another app host', 'app://evil/index.html'],
    ['a look-alike host', 'app://runboard.evil.example/'],
    ['user info that hides the real host', 'app://runboard@evil.example/'],
    ['a port on the app host', 'app://runboard:8080/'],
    ['data', 'data:text/html,<script>alert(1)</script>'],
    ['javascript', 'javascript:alert(1)'],
    ['about:blank', 'about:blank'],
    ['a blob', 'blob:app://runboard/6b1f0a9e'],
    ['devtools', 'devtools://devtools/bundled/inspector.html'],
    ['chrome', 'chrome://gpu'],
    ['garbage', 'not a url'],
    ['empty', ''],
  ])('refuses %s', (_what, url) => expect(isAllowedNavigation(url, APP_ORIGIN)).toBe(false));

  it('follows the dev server origin exactly, port included', () => {
    expect(isAllowedNavigation('http://localhost:5173/runs', 'http://localhost:5173')).toBe(true);
    expect(isAllowedNavigation('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isAllowedNavigation('https://localhost:5173/', 'http://localhost:5173')).toBe(false);
  });

  it('computes real origins for our custom scheme (Node alone would say "null")', () => {
    expect(new URL('app://runboard/x').origin).toBe('null');
    expect(originOf('app://runboard/x')).toBe('app://runboard');
    expect(originOf('file:///x')).toBeNull();
  });
});

describe('externalUrlToOpen', () => {
  it('passes https links to the system browser', () => {
    expect(externalUrlToOpen('https://www.tensorflow.org/js/guide/platform_environment')).toBe('https://www.tensorflow.org/js/guide/platform_environment');
  });

  it.each(['http://example.com/', 'file:///etc/passwd', 'smb://host/share', 'ms-settings:privacy', 'javascript:alert(1)', 'app://runboard/', 'https://user:pw@example.com/', 'nonsense'])(
    'drops %s',
    (url) => expect(externalUrlToOpen(url)).toBeNull(),
  );
});

describe('permissions', () => {
  it.each(['media', 'geolocation', 'notifications', 'clipboard-read', 'fullscreen', 'openExternal', 'hid', 'unknown'])('refuses %s', (permission) => {
    expect(isPermissionAllowed(permission, 'app://runboard/index.html')).toBe(false);
  });

  it('installs deny-all request, check and device handlers on the session', () => {
    const handlers: Record<string, (...args: never[]) => unknown> = {};
    const fakeSession = {
      setPermissionRequestHandler: (h: (...args: never[]) => unknown) => (handlers.request = h),
      setPermissionCheckHandler: (h: (...args: never[]) => unknown) => (handlers.check = h),
      setDevicePermissionHandler: (h: (...args: never[]) => unknown) => (handlers.device = h),
    };
    denyAllPermissions(fakeSession as unknown as Session);
    const callback = vi.fn();
    (handlers.request as (...args: unknown[]) => void)({}, 'media', callback, { requestingUrl: 'app://runboard/' });
    expect(callback).toHaveBeenCalledWith(false);
    expect((handlers.check as (...args: unknown[]) => unknown)({}, 'clipboard-read', 'app://runboard', { requestingUrl: 'app://runboard/' })).toBe(false);
    expect((handlers.device as (...args: unknown[]) => unknown)({})).toBe(false);
  });
});

/** A stand-in for WebContents: an event emitter that records its window-open handler. */
class FakeContents extends EventEmitter {
  openHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined;
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void {
    this.openHandler = handler;
  }
}

function navigationEvent(url: string, extra: Record<string, unknown> = {}) {
  return { url, isMainFrame: true, preventDefault: vi.fn(), ...extra };
}

describe('guardWebContents', () => {
  function setup() {
    const contents = new FakeContents();
    const openExternal = vi.fn(async () => {});
    const log = vi.fn();
    guardWebContents(contents as unknown as WebContents, { appOrigin: APP_ORIGIN, openExternal, log });
    return { contents, openExternal, log };
  }

  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])('%s: refuses another origin and file://, lets app pages through', (name) => {
    const { contents } = setup();
    for (const url of ['https://evil.example/', 'file:///etc/passwd']) {
      const event = navigationEvent(url);
      contents.emit(name, event);
      expect(event.preventDefault).toHaveBeenCalled();
    }
    const ours = navigationEvent('app://runboard/index.html');
    contents.emit(name, ours);
    expect(ours.preventDefault).not.toHaveBeenCalled();
  });

  it('refuses a subframe navigating to another origin', () => {
    const { contents } = setup();
    const event = navigationEvent('https://evil.example/', { isMainFrame: false });
    contents.emit('will-frame-navigate', event);
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('denies every window.open; https links go to the system browser, nothing else does', () => {
    const { contents, openExternal } = setup();
    const open = (url: string) => contents.openHandler!({ url, frameName: '', features: '', disposition: 'new-window', referrer: { url: '', policy: 'default' } });
    expect(open('https://github.com/')).toEqual({ action: 'deny' });
    expect(open('app://runboard/index.html')).toEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(open('http://example.com/')).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
    expect(openExternal).toHaveBeenCalledWith('https://github.com/');
  });

  it('refuses to attach a <webview>', () => {
    const { contents } = setup();
    const event = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', event, { nodeIntegration: true }, { src: 'https://evil.example/' });
    expect(event.preventDefault).toHaveBeenCalled();
  });
});
