/**
 * `runboard datasets fetch mnist|fashion-mnist`: downloads the official IDX files, checks every file's SHA-256 before
 * anything is imported, and imports them as one dataset (the t10k pair as its test part). A file whose checksum does
 * not match is removed and the fetch fails; nothing is imported. A mirror (`--mirror URL`, or the environment variable
 * `RUNBOARD_DATASETS_MIRROR`) serves the same file names; one that compressed the files again is accepted when the
 * decompressed content has the official checksum.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AppError } from '../../src-shared/api/errors';
import type { IdxFiles } from './idx';
import { KNOWN_DATASETS, knownDataset, type KnownDataset, type KnownFile } from './known-datasets';

export interface FetchProgress {
  /** Bytes received so far, over every file, and the total expected. */
  bytes: number;
  total: number;
  file: string;
}

export interface FetchOptions {
  /** Where the files are, instead of the official address: `<mirror>/<file>.gz`. */
  mirror?: string | undefined;
  onProgress?: ((progress: FetchProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** The known dataset of that name. @throws AppError(BAD_INPUT) listing the ones that can be fetched. */
export function fetchable(name: string): KnownDataset {
  const known = knownDataset(name);
  if (!known) {
    const message = `"${name}" cannot be fetched; one of ${KNOWN_DATASETS.map((d) => d.name).join(', ')}`;
    throw new AppError('BAD_INPUT', `Cannot fetch: ${message}.`, [{ field: 'dataset', message }]);
  }
  return known;
}

function urlOf(known: KnownDataset, file: KnownFile, mirror: string | undefined): string {
  const base = mirror ? (mirror.endsWith('/') ? mirror : `${mirror}/`) : known.baseUrl;
  return `${base}${file.name}.gz`;
}

/** Downloads one file to `target`, returning its SHA-256; progress as bytes arrive. */
async function download(url: string, target: string, signal: AbortSignal | undefined, onBytes: (bytes: number) => void): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new AppError('IO_ERROR', `Cannot download ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}. Check the network, or download from a mirror (runboard datasets fetch --mirror URL, or RUNBOARD_DATASETS_MIRROR=URL for the app and serve).`);
  }
  if (!response.ok || !response.body) throw new AppError('IO_ERROR', `Cannot download ${url}: the server answered ${response.status} ${response.statusText}.`);
  const hash = createHash('sha256');
  const out = createWriteStream(target, { flags: 'wx' });
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      onBytes(chunk.length);
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  return hash.digest('hex');
}

/** Whether a downloaded file is the official one, or the same content compressed again by a mirror. */
function verified(file: KnownFile, path: string, sha256: string): boolean {
  if (sha256 === file.sha256) return true;
  try {
    return createHash('sha256').update(gunzipSync(readFileSync(path))).digest('hex') === file.rawSha256;
  } catch {
    return false;
  }
}

/**
 * Downloads and checks every file of a known dataset into a fresh folder under `workDir`, then hands the files to
 * `importFiles` (which imports them); the downloads are removed afterwards whatever happens.
 * @throws AppError IO_ERROR (network, server), BAD_INPUT (a checksum that does not match: that file is removed and
 *   nothing is imported); the signal's reason when cancelled.
 */
export async function fetchKnownDataset<T>(known: KnownDataset, workDir: string, options: FetchOptions, importFiles: (files: IdxFiles) => Promise<T>): Promise<T> {
  const dir = join(workDir, `.fetch-${known.name}-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const total = known.files.reduce((sum, f) => sum + f.bytes, 0);
  let bytes = 0;
  try {
    const paths: string[] = [];
    for (const file of known.files) {
      const url = urlOf(known, file, options.mirror);
      const path = join(dir, `${file.name}.gz`);
      const sha256 = await download(url, path, options.signal, (n) => {
        bytes += n;
        options.onProgress?.({ bytes, total, file: file.name });
      });
      if (!verified(file, path, sha256)) {
        rmSync(path, { force: true });
        const message = `${file.name}.gz from ${url} has SHA-256 ${sha256}, not the official ${file.sha256}: the download is damaged or not the official file; it was removed and nothing was imported`;
        throw new AppError('BAD_INPUT', `Cannot fetch ${known.name}: ${message}.`, [{ field: 'dataset', message }]);
      }
      paths.push(path);
    }
    const [trainImages, trainLabels, testImages, testLabels] = paths as [string, string, string, string];
    return await importFiles({ trainImages, trainLabels, testImages, testLabels });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
