/**
 * An image folder as a dataset, as torchvision's `ImageFolder` reads it: one subfolder per class (the class name is the
 * folder's name), PNG and JPEG files inside. Every image is decoded, resized to one size and kept as bytes; files
 * that cannot be read are skipped and reported by name; the import is refused when a class ends up empty.
 */
import { readFile, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { AppError } from '../../src-shared/api/errors';
import { compareClassNames } from './csv-checker';
import { IMAGE_EXTENSIONS, decodeImage, resizeImage, toGrey } from './image-decode';
import type { ImportProgress } from './csv-import';

export interface ImageFolderOptions {
  /** Width and height every image is resized to; default: the first image's size. */
  size?: { width: number; height: number } | undefined;
  /** Keep one grey channel; default: grey when every image is grey, else RGB. */
  grayscale?: boolean | undefined;
  onProgress?: ((progress: ImportProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** Images decoded into one buffer: count x height x width x channels bytes (channels last, as TensorFlow wants them). */
export interface DecodedImages {
  channels: number;
  height: number;
  width: number;
  count: number;
  pixels: Uint8Array;
  labels: Uint16Array;
  classes: string[];
  /** Files that were not used, and why. */
  skipped: { file: string; reason: string }[];
}

/** Imports stop at this many bytes of pixels (a folder of photos at full size is not a training set). */
export const MAX_IMAGE_BYTES = 1024 * 1024 * 1024;
const MAX_SIDE = 1024;
const YIELD_EVERY = 32;

function refuse(message: string): never {
  throw new AppError('BAD_INPUT', `Cannot import: ${message}.`, [{ field: 'path', message }]);
}

/** `32x32` or `28` (square). */
export function parseImageSize(text: string): { width: number; height: number } | null {
  const match = /^\s*(\d+)\s*(?:[x×]\s*(\d+))?\s*$/i.exec(text);
  if (!match) return null;
  const width = Number(match[1]);
  const height = Number(match[2] ?? match[1]);
  if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) return null;
  return { width, height };
}

interface ClassFiles {
  name: string;
  files: string[];
}

async function listClasses(root: string): Promise<{ classes: ClassFiles[]; skipped: DecodedImages['skipped'] }> {
  const skipped: DecodedImages['skipped'] = [];
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    refuse(`${root} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort(compareClassNames);
  if (folders.length === 0) refuse(`${root} holds no class folders: an image folder has one subfolder per class, with PNG or JPEG images inside`);
  const classes: ClassFiles[] = [];
  for (const folder of folders) {
    const files = (await readdir(join(root, folder), { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort(compareClassNames);
    const images = files.filter((file) => (IMAGE_EXTENSIONS as readonly string[]).includes(extname(file).toLowerCase()));
    for (const other of files.filter((file) => !images.includes(file))) skipped.push({ file: join(folder, other), reason: 'not a .png, .jpg or .jpeg file' });
    classes.push({ name: folder, files: images.map((file) => join(folder, file)) });
  }
  const total = classes.reduce((sum, c) => sum + c.files.length, 0);
  if (total === 0) refuse(`${root} holds no PNG or JPEG images in its class folders (${folders.join(', ')})`);
  return { classes, skipped };
}

/**
 * Reads an image folder. Yields to the event loop every few images (a server stays responsive), reports progress
 * as the share of files read, and stops when `signal` aborts (rejecting with its reason).
 * @throws AppError(BAD_INPUT) for a folder with no class folders or no images, a single class, or a class left empty
 *   once unreadable files are skipped (their names and reasons are in the message); PAYLOAD_TOO_LARGE past 1 GiB.
 */
export async function readImageFolder(root: string, options: ImageFolderOptions = {}): Promise<DecodedImages> {
  const { classes, skipped } = await listClasses(root);
  if (classes.length < 2) refuse(`${root} holds one class folder (${classes[0]?.name}); a classifier needs at least two`);
  const total = classes.reduce((sum, c) => sum + c.files.length, 0);
  let size = options.size ?? null;
  const rgbImages: Uint8Array[] = [];
  const labels: number[] = [];
  let allGrey = true;
  let done = 0;
  let bytes = 0;
  for (const [label, { files }] of classes.entries()) {
    for (const file of files) {
      if (done % YIELD_EVERY === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        options.signal?.throwIfAborted();
        options.onProgress?.({ fraction: done / total, rows: labels.length });
      }
      done++;
      let image;
      try {
        image = decodeImage(await readFile(join(root, file)));
      } catch (error) {
        skipped.push({ file, reason: (error as Error).message });
        continue;
      }
      size ??= { width: image.width, height: image.height };
      if (size.width > MAX_SIDE || size.height > MAX_SIDE) refuse(`the first image, ${file}, is ${size.width} x ${size.height}; give --size (at most ${MAX_SIDE} x ${MAX_SIDE})`);
      allGrey &&= image.grey;
      rgbImages.push(resizeImage(image.rgb, image.width, image.height, 3, size.width, size.height));
      labels.push(label);
      bytes += size.width * size.height * 3;
      if (bytes > MAX_IMAGE_BYTES) {
        throw new AppError('PAYLOAD_TOO_LARGE', `Cannot import ${root}: the images take more than ${MAX_IMAGE_BYTES / 1024 / 1024 / 1024} GiB at ${size.width} x ${size.height}; import them smaller (--size) or fewer.`);
      }
    }
  }
  options.onProgress?.({ fraction: 1, rows: labels.length });
  const counts = classes.map((_, label) => labels.filter((l) => l === label).length);
  const empty = classes.filter((_, label) => counts[label] === 0).map((c) => c.name);
  if (empty.length > 0) {
    const why = skipped.filter((s) => empty.some((name) => s.file.startsWith(`${name}/`) || s.file.startsWith(`${name}\\`)));
    refuse(`${root}: class ${empty.map((n) => `"${n}"`).join(', ')} has no readable image${why.length > 0 ? ` (skipped: ${why.slice(0, 5).map((s) => `${s.file}: ${s.reason}`).join('; ')}${why.length > 5 ? '; ...' : ''})` : ''}`);
  }
  const grey = options.grayscale ?? allGrey;
  const channels = grey ? 1 : 3;
  const { width, height } = size as { width: number; height: number };
  const per = width * height * channels;
  const pixels = new Uint8Array(per * rgbImages.length);
  rgbImages.forEach((rgb, i) => pixels.set(grey ? toGrey(rgb) : rgb, i * per));
  return { channels, height, width, count: labels.length, pixels, labels: Uint16Array.from(labels), classes: classes.map((c) => basename(c.name)), skipped };
}
