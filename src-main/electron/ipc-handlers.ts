import path from 'node:path';
import type { FileFilter, SaveDialogOptions } from 'electron';
import { isMethod } from '../../src-shared/api/contract';
import type { ApiResult } from '../../src-shared/api/errors';
import { AppError } from '../../src-shared/api/errors';
import type { ApiHost } from '../../src-shared/api/host';
import { isAppUrl } from './origin';

/**
 * What the IPC transport decides, kept apart from `ipcMain` so each rule is tested in Node (reliability item 3).
 * ipc.ts only gathers facts from Electron's event objects and calls these.
 */

/**
 * True only for a call from the main frame of our window showing one of our pages. Subframes, frames that have
 * navigated away or were destroyed (`frameUrl` null), and pages of another origin are refused.
 */
export function isTrustedSender(frameUrl: string | null | undefined, isMainFrame: boolean, appOrigin: string): boolean {
  return isMainFrame && typeof frameUrl === 'string' && isAppUrl(frameUrl, appOrigin);
}

export const FORBIDDEN_RESULT: ApiResult<never> = Object.freeze({
  ok: false,
  error: Object.freeze({ code: 'FORBIDDEN', message: 'This page is not allowed to call Runboard.' }),
}) as ApiResult<never>;

/**
 * One `runboard:call`: refuse an untrusted sender before the API is touched, refuse an unknown method name, then hand
 * the untrusted input to `api.call`, which validates it with the contract's schema. Never throws.
 */
export async function handleCall(api: ApiHost, trusted: boolean, method: unknown, input: unknown): Promise<ApiResult<unknown>> {
  if (!trusted) return FORBIDDEN_RESULT;
  if (typeof method !== 'string' || !isMethod(method)) {
    const shown = typeof method === 'string' ? JSON.stringify(method.slice(0, 100)) : typeof method;
    return { ok: false, error: { code: 'NOT_FOUND', message: `Unknown API method ${shown}.` } };
  }
  try {
    return await api.call(method, input);
  } catch (error) {
    // api.call returns failures as values; a throw here is a bug, logged with its stack and never shown as is.
    console.error(`Runboard API method ${method} threw:`, error);
    return { ok: false, error: { code: 'INTERNAL', message: 'Internal error; see the application log.' } };
  }
}

/** Largest export the Save dialog writes: 256 MiB of text. */
export const MAX_SAVE_CHARS = 256 * 1024 * 1024;
const MAX_NAME_CHARS = 200;

export interface SaveRequest {
  /** A bare file name, safe on every platform: no folders, no reserved characters. */
  fileName: string;
  /** Text (written as UTF-8) or bytes (a Parquet export, a PNG chart), written as they are. */
  content: string | Uint8Array;
  mimeType: string;
}

const EXTENSION_FOR_MIME: Readonly<Record<string, string>> = {
  'text/csv': 'csv',
  'application/json': 'json',
  'text/markdown': 'md',
  'text/plain': 'txt',
  'application/x-tex': 'tex',
  'application/vnd.apache.parquet': 'parquet',
  'image/png': 'png',
  'image/svg+xml': 'svg',
  'text/html': 'html',
};

const FILTER_NAMES: Readonly<Record<string, string>> = {
  csv: 'CSV (comma-separated values)',
  json: 'JSON',
  md: 'Markdown',
  txt: 'Text',
  tex: 'LaTeX',
  parquet: 'Parquet',
  png: 'PNG image',
  svg: 'SVG image',
  html: 'HTML report',
};

/**
 * Reduces a name the page suggested to a bare, portable file name: the last path segment only, without control or
 * reserved characters, leading dots or trailing dots and spaces, at most 200 characters, and not a Windows device
 * name. Falls back to `runboard-export.<ext>`.
 */
export function safeFileName(suggested: string, mimeType = ''): string {
  const lastSegment = suggested.split(/[/\\]/).pop() ?? '';
  let name = lastSegment.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (name.length > MAX_NAME_CHARS) {
    const ext = path.extname(name).slice(0, 16);
    name = name.slice(0, MAX_NAME_CHARS - ext.length) + ext;
  }
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(name)) name = `_${name}`;
  if (name === '') {
    const ext = EXTENSION_FOR_MIME[mimeType.split(';')[0]!.trim().toLowerCase()];
    name = ext ? `runboard-export.${ext}` : 'runboard-export';
  }
  return name;
}

/** Checks the three untrusted arguments of `runboard:save-file`; throws `AppError('BAD_INPUT')` naming the bad one. */
export function parseSaveRequest(suggestedName: unknown, content: unknown, mimeType: unknown, maxChars = MAX_SAVE_CHARS): SaveRequest {
  if (typeof suggestedName !== 'string') throw new AppError('BAD_INPUT', 'suggestedName must be a string', [{ field: 'suggestedName', message: 'must be a string' }]);
  if (typeof content !== 'string' && !(content instanceof Uint8Array)) throw new AppError('BAD_INPUT', 'content must be a string or bytes', [{ field: 'content', message: 'must be a string or a Uint8Array' }]);
  if (typeof mimeType !== 'string' || mimeType.length > 200) throw new AppError('BAD_INPUT', 'mimeType must be a short string', [{ field: 'mimeType', message: 'must be a string of at most 200 characters' }]);
  if ((typeof content === 'string' ? content.length : content.byteLength) > maxChars) throw new AppError('PAYLOAD_TOO_LARGE', `The export is larger than ${Math.round(maxChars / 1024 / 1024)} MiB; export fewer runs.`);
  return { fileName: safeFileName(suggestedName, mimeType), content, mimeType };
}

/** Save dialog filters: the file's own type first, then "All files". */
export function saveDialogFilters(fileName: string, mimeType: string): FileFilter[] {
  const ext = path.extname(fileName).slice(1).toLowerCase() || EXTENSION_FOR_MIME[mimeType.split(';')[0]!.trim().toLowerCase()] || '';
  const all: FileFilter = { name: 'All files', extensions: ['*'] };
  if (!ext) return [all];
  return [{ name: FILTER_NAMES[ext] ?? `${ext.toUpperCase()} file`, extensions: [ext] }, all];
}

export interface SaveFileDeps {
  showSaveDialog(options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string | undefined }>;
  writeFile(filePath: string, content: string | Uint8Array): Promise<void>;
  /** The folder the dialog opens in (the user's Downloads), or null to let the system choose. */
  defaultDir: string | null;
}

/**
 * Asks where to save, then writes. The only path ever written is the one the user picked in the native dialog.
 * Resolves `{ saved: false }` on cancel; rejects with the file system's error when the write fails.
 */
export async function saveWithDialog(request: SaveRequest, deps: SaveFileDeps): Promise<{ saved: boolean; path?: string }> {
  const result = await deps.showSaveDialog({
    title: 'Save export',
    defaultPath: deps.defaultDir ? path.join(deps.defaultDir, request.fileName) : request.fileName,
    filters: saveDialogFilters(request.fileName, request.mimeType),
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  });
  if (result.canceled || !result.filePath) return { saved: false };
  await deps.writeFile(result.filePath, request.content);
  return { saved: true, path: result.filePath };
}
