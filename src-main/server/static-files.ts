import { constants as fsConstants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { contentTypeOf } from '../content-types';
import { sendText } from './responses';

/**
 * Serves the built renderer. A client-supplied path is decoded exactly once and refused when it could leave the
 * root in any spelling (`..`, `%2e%2e%2f`, `%252e`, `\`, `//`, NUL, a drive letter); what remains is resolved,
 * then resolved again through symlinks, and read only when both stay under the root's real path.
 */

/** Every character that has no business in a decoded URL path: controls (NUL included), `\` and a leftover `%`. */
const FORBIDDEN_DECODED = /[\u0000-\u001f\u007f\\%]/;

/**
 * The path segments of a raw request path (`/assets/app.js` -> `['assets', 'app.js']`), or undefined when the
 * path must be refused with 400. A trailing slash is ignored.
 */
export function safePathSegments(rawPath: string): string[] | undefined {
  if (!rawPath.startsWith('/') || rawPath.startsWith('//')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (FORBIDDEN_DECODED.test(decoded)) return undefined;
  const segments = decoded.slice(1).split('/');
  if (segments.at(-1) === '') segments.pop();
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || segment.includes(':')) return undefined;
  }
  return segments;
}

export function isInside(rootReal: string, candidate: string): boolean {
  return candidate === rootReal || candidate.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
}

/** An opened regular file under the root. */
interface OpenedFile {
  path: string;
  handle: FileHandle;
  size: number;
}

/** Why no file was opened: nothing by that name (a client route may apply), or something there that is not served. */
type NotOpened = 'missing' | 'refused';

/**
 * Opens the file the segments name. Refused: a hidden name (a segment starting with `.`), anything that is not a
 * regular file, and anything whose real path (through symlinks) leaves `rootReal`. Nothing outside the root is
 * ever opened: the check runs on the real path, and the open refuses a final symlink swapped in since.
 */
async function openUnderRoot(rootReal: string, segments: string[]): Promise<OpenedFile | NotOpened> {
  if (segments.some((segment) => segment.startsWith('.'))) return 'refused';
  const candidate = resolve(rootReal, ...segments);
  if (!isInside(rootReal, candidate)) return 'refused';
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'refused';
  }
  if (!isInside(rootReal, real) || real === rootReal) return 'refused';
  let handle: FileHandle;
  try {
    handle = await open(real, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  } catch {
    return 'refused';
  }
  try {
    const stats = await handle.stat();
    if (stats.isFile()) return { path: real, handle, size: stats.size };
  } catch {
    // fall through: an entry we cannot stat is not served
  }
  await handle.close();
  return 'refused';
}

export class StaticFiles {
  /** @param rootReal the renderer folder, already through `realpath` (see {@link openStaticRoot}). */
  constructor(private readonly rootReal: string) {}

  /** Answers a GET or HEAD for a non-API path. */
  async serve(request: IncomingMessage, response: ServerResponse, rawPath: string): Promise<void> {
    const segments = safePathSegments(rawPath);
    if (segments === undefined) {
      sendText(response, 400, 'Bad request path.');
      return;
    }
    const wanted = segments.length === 0 ? ['index.html'] : segments;
    let file = await openUnderRoot(this.rootReal, wanted);
    if (file === 'missing' && isClientRoute(wanted)) file = await openUnderRoot(this.rootReal, ['index.html']);
    if (typeof file === 'string') {
      sendText(response, 404, 'Not found.');
      return;
    }
    await this.send(request, response, file);
  }

  private async send(request: IncomingMessage, response: ServerResponse, file: OpenedFile): Promise<void> {
    const relative = file.path.slice(this.rootReal.length + 1).split(sep);
    response.writeHead(200, {
      'Content-Type': contentTypeOf(file.path),
      'Content-Length': String(file.size),
      'Cache-Control': cachePolicy(relative),
    });
    if (request.method === 'HEAD') {
      response.end();
      await file.handle.close();
      return;
    }
    try {
      // The stream closes the handle when it ends or fails.
      await pipeline(file.handle.createReadStream(), response);
    } catch (error) {
      // A browser that navigates away mid-file is not a server error.
      if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    }
  }
}

/** A path the single-page app routes itself (`/runs/12`): no extension, and not under `assets/`. */
function isClientRoute(segments: string[]): boolean {
  const last = segments.at(-1);
  return last !== undefined && segments[0] !== 'assets' && extname(last) === '';
}

/** Built assets carry a content hash in their names, so they never change; everything else is revalidated. */
function cachePolicy(relative: string[]): string {
  return relative.length > 1 && relative[0] === 'assets' ? 'private, max-age=31536000, immutable' : 'no-cache';
}

/** The renderer folder's real path, checked to hold an `index.html`; undefined when the UI is not built there. */
export async function openStaticRoot(rendererDir: string): Promise<string | undefined> {
  let rootReal: string;
  try {
    rootReal = await realpath(rendererDir);
  } catch {
    return undefined;
  }
  const index = await openUnderRoot(rootReal, ['index.html']);
  if (typeof index === 'string') return undefined;
  await index.handle.close();
  return rootReal;
}
