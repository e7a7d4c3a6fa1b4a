import type { Session, WebContents } from 'electron';
import { isAppUrl } from './origin';

/**
 * Navigation and permission policy for every web contents (reliability item 2). The decisions are pure functions;
 * `guardWebContents` and `denyAllPermissions` wire them to Electron objects passed in, so this module never imports
 * `electron` at run time and its wiring is tested with fakes.
 */

/** Only pages of the app itself may load in a Runboard window: another origin, `file:`, `data:`, `about:` are refused. */
export function isAllowedNavigation(url: string, appOrigin: string): boolean {
  return isAppUrl(url, appOrigin);
}

/**
 * The URL to hand to the system browser for a `window.open` / `target="_blank"` link, or null to drop it.
 * Only plain `https:` URLs without credentials leave the app; `http:`, `file:`, custom schemes (which could launch
 * other programs) and anything unparsable are dropped.
 */
export function externalUrlToOpen(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' || parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') return null;
  return parsed.href;
}

/** Every permission a page can ask for (camera, notifications, clipboard-read, fullscreen...) is refused. */
export function isPermissionAllowed(_permission: string, _requestingUrl: string | undefined): boolean {
  return false;
}

export interface GuardOptions {
  /** The origin pages must have: `app://runboard` in production, the dev server's origin under `electron-vite dev`. */
  appOrigin: string;
  /** Opens a URL in the system browser (`shell.openExternal`). Receives only URLs `externalUrlToOpen` accepted. */
  openExternal(url: string): Promise<void> | void;
  /** Where refused navigations are reported; console.warn by default. */
  log?(message: string): void;
}

/**
 * Installs the navigation policy on one web contents: refuses navigations and redirects to other origins (main frame
 * and subframes), denies every new window (opening https links in the system browser instead) and refuses `<webview>`.
 * Call it from `app.on('web-contents-created')` so no web contents escapes it.
 */
export function guardWebContents(contents: WebContents, options: GuardOptions): void {
  const log = options.log ?? ((message: string) => console.warn(message));
  const refuse = (what: string, url: string, event: { preventDefault(): void }): void => {
    event.preventDefault();
    log(`Runboard refused ${what} to ${url}`);
  };
  contents.on('will-navigate', (event) => {
    if (!isAllowedNavigation(event.url, options.appOrigin)) refuse('a navigation', event.url, event);
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAllowedNavigation(event.url, options.appOrigin)) refuse(event.isMainFrame ? 'a navigation' : 'a frame navigation', event.url, event);
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url, options.appOrigin)) refuse('a redirect', event.url, event);
  });
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrlToOpen(url);
    if (external) {
      void Promise.resolve(options.openExternal(external)).catch((error: unknown) => log(`Runboard could not open ${external}: ${String(error)}`));
    } else {
      log(`Runboard refused to open a window for ${url}`);
    }
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('Runboard refused to attach a <webview>');
  });
}

/** Denies every permission request and check on a session (the default session holds our only window). */
export function denyAllPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => callback(isPermissionAllowed(permission, details.requestingUrl)));
  ses.setPermissionCheckHandler((_contents, permission, _origin, details) => isPermissionAllowed(permission, details.requestingUrl));
  ses.setDevicePermissionHandler(() => false);
}
