/**
 * Origins of the desktop app's renderer. Pure (no `electron` import) so the security decisions built on it are unit-tested.
 *
 * Node's WHATWG `URL` reports `origin === 'null'` for schemes it does not know (`app:`), while Chromium treats our
 * scheme as a standard one with a real origin, so origins are computed here from protocol and host instead.
 */

/** The custom scheme the packaged renderer is served from (registered as standard + secure before `ready`). */
export const APP_SCHEME = 'app';
/** The host part of every app URL: `app://runboard/index.html`. */
export const APP_HOST = 'runboard';
/** The origin of the production renderer. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The page the main window loads in production. */
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

/**
 * `scheme://host[:port]` of a hierarchical URL, lower-cased; `null` for URLs without a host (`file:`, `about:`,
 * `data:`, `blob:`, `javascript:`), for URLs carrying credentials, and for anything that does not parse.
 */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol === 'file:' || parsed.host === '') return null;
  // `app://runboard@evil.example/` has host evil.example; refuse user info outright, it has no use here.
  if (parsed.username !== '' || parsed.password !== '') return null;
  return `${parsed.protocol}//${parsed.host}`.toLowerCase();
}

/** True when `url` is a page of the app: same scheme, host and port as `appOrigin`. */
export function isAppUrl(url: string, appOrigin: string): boolean {
  const origin = originOf(url);
  return origin !== null && origin === appOrigin.toLowerCase();
}
