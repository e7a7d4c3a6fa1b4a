/** Helpers of the image import by path (see state/image-import.svelte.ts). */
import type { Parsed } from '../../src-shared/entities/specs';
import { datasetNameFromFile } from './csv-import';

/** A dataset name from a folder's path: its last folder (`/data/flowers/` -> `flowers`); empty for an empty path. */
export function datasetNameFromPath(path: string): string {
  const last = path.trim().replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  return last === '' ? '' : datasetNameFromFile(last);
}

/** `32x32` (or `32×32`, `32 x 32`) -> { width, height }; empty text is no size (the first image's). */
export function parseImageSize(text: string): Parsed<{ width: number; height: number } | null> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: null };
  const match = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(trimmed);
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (!match || width < 1 || height < 1 || width > 1024 || height > 1024) return { ok: false, message: 'WIDTHxHEIGHT in pixels, each from 1 to 1024, e.g. 32x32' };
  return { ok: true, value: { width, height } };
}
