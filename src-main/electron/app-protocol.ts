import { readFile as fsReadFile } from 'node:fs/promises';
import path from 'node:path';
import type { Privileges } from 'electron';
import { APP_ORIGIN, isAppUrl } from './origin';
import { contentTypeOf } from '../content-types';

/**
 * The `app://runboard/` protocol that serves the built renderer (`out/renderer`) in production. Loading from a
 * custom standard scheme instead of `file://` gives the page a real origin (so the navigation guard, the IPC sender
 * check and the CSP's 'self' all mean "our files") and keeps `file://` refused everywhere.
 *
 * Pure apart from reading files: the handler is a `(Request) => Promise<Response>` tested in Node.
 */

/** Registered with `protocol.registerSchemesAsPrivileged` before `ready`. No `bypassCSP`, no service workers. */
export const APP_SCHEME_PRIVILEGES: Readonly<Privileges> = Object.freeze({
  standard: true,
  secure: true,
  supportFetchAPI: true,
  // Vite emits <script type="module" crossorigin>: module scripts are fetched in CORS mode.
  corsEnabled: true,
  codeCache: true,
});

/**
 * Sent with every app:// response (reliability item 4). No `'unsafe-inline'`: Chart.js sets styles through the CSSOM,
 * which CSP does not restrict, and the same policy runs without violations in the browser tests through `serve`.
 * Fonts and images may be inlined by Vite as `data:` URLs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The Content-Type for a served file, by extension (shared with `serve`); unknown types are opaque bytes. */
export const contentTypeFor = contentTypeOf;

export type AppPathResult = { ok: true; path: string } | { ok: false; status: 400 | 403 | 404; reason: string };

type PathApi = Pick<typeof path, 'resolve' | 'relative' | 'isAbsolute' | 'sep'>;

/**
 * Maps an app:// URL to a file under `rootDir`, refusing anything that could leave it (MLflow's path traversal CVEs
 * are the checklist): `..` in any spelling (`%2e%2e`, `%252e` stays a literal name), encoded `/` or `\`, backslashes,
 * NUL bytes, another origin. A path ending in `/` means its `index.html`. `pathApi` exists so tests can run the
 * Windows rules on Linux.
 */
export function resolveAppPath(requestUrl: string, rootDir: string, appOrigin: string = APP_ORIGIN, pathApi: PathApi = path): AppPathResult {
  if (!isAppUrl(requestUrl, appOrigin)) return { ok: false, status: 403, reason: 'not an app URL' };
  const rawPath = new URL(requestUrl).pathname;
  if (/%(2f|5c|00)/i.test(rawPath) || rawPath.includes('\\')) return { ok: false, status: 400, reason: 'encoded separator or NUL in path' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.includes(':')) return { ok: false, status: 400, reason: 'forbidden character in path' };
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '.' || segment === '..')) return { ok: false, status: 403, reason: 'dot segment in path' };
  if (segments.length === 0 || decoded.endsWith('/')) segments.push('index.html');
  const root = pathApi.resolve(rootDir);
  const full = pathApi.resolve(root, ...segments);
  const relative = pathApi.relative(root, full);
  if (relative === '' || relative.startsWith('..') || pathApi.isAbsolute(relative)) return { ok: false, status: 403, reason: 'outside the renderer folder' };
  return { ok: true, path: full };
}

export interface AppProtocolOptions {
  /** The built renderer folder (`out/renderer`). */
  rootDir: string;
  appOrigin?: string;
  /** Reads a file; `fs.promises.readFile` by default (asar-aware under Electron). */
  readFile?: (filePath: string) => Promise<Uint8Array>;
}

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } });
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR';
}

/**
 * The handler for `protocol.handle('app', ...)`. GET and HEAD only. A path with no extension that does not exist
 * gets `index.html` (client-side routes); a missing asset is a 404, never the page.
 */
export function createAppProtocolHandler(options: AppProtocolOptions): (request: Request) => Promise<Response> {
  const appOrigin = options.appOrigin ?? APP_ORIGIN;
  const readFile = options.readFile ?? ((filePath: string) => fsReadFile(filePath));
  const serve = async (filePath: string, method: string): Promise<Response> => {
    const body = await readFile(filePath);
    const headers = {
      'content-type': contentTypeFor(filePath),
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    };
    return new Response(method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  };
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'Method not allowed');
    const target = resolveAppPath(request.url, options.rootDir, appOrigin);
    if (!target.ok) return textResponse(target.status, target.status === 404 ? 'Not found' : 'Forbidden');
    try {
      return await serve(target.path, request.method);
    } catch (error) {
      if (!isMissing(error)) {
        console.error(`Runboard could not read ${target.path}:`, error);
        return textResponse(500, 'Could not read the file');
      }
      if (path.extname(target.path) !== '') return textResponse(404, 'Not found');
      const index = resolveAppPath(`${appOrigin}/index.html`, options.rootDir, appOrigin);
      if (!index.ok) return textResponse(404, 'Not found');
      try {
        return await serve(index.path, request.method);
      } catch {
        return textResponse(404, 'Not found');
      }
    }
  };
}
