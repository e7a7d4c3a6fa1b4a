/**
 * The IDX files of MNIST and Fashion-MNIST (LeCun's format): a big-endian magic number (two zero bytes, the element
 * type, the number of dimensions), one 32-bit size per dimension, then the elements. Images are `idx3-ubyte`
 * (count x rows x columns, unsigned bytes), labels `idx1-ubyte`. Files may be gzipped (`.gz`).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AppError } from '../../src-shared/api/errors';

const UBYTE = 0x08;

export interface IdxImages {
  count: number;
  height: number;
  width: number;
  /** count x height x width bytes, row-major. */
  pixels: Uint8Array;
}

/** The IDX files of one dataset: training images and labels, and the `t10k` pair kept as the test split. */
export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string | null;
  testLabels: string | null;
}

function refuse(file: string, message: string): never {
  throw new AppError('BAD_INPUT', `Cannot import ${basename(file)}: ${message}.`, [{ field: 'path', message: `${basename(file)}: ${message}` }]);
}

/** The file's bytes, gunzipped when it is gzipped (by its magic bytes, whatever its name). */
function readBytes(file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    refuse(file, `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    refuse(file, code === 'Z_BUF_ERROR' ? 'the .gz file is truncated (unexpected end of file); download it again' : `the .gz file is damaged (${(error as Error).message})`);
  }
}

/** Reads the header, checking the magic number, the dimensions and that the data is exactly as long as they say. */
function readIdx(file: string, dimensions: 1 | 3): { sizes: number[]; data: Uint8Array } {
  const bytes = readBytes(file);
  const kind = dimensions === 3 ? 'an IDX image file (idx3-ubyte)' : 'an IDX label file (idx1-ubyte)';
  if (bytes.length < 4) refuse(file, `it is ${bytes.length} bytes long, too short for ${kind}`);
  const magic = bytes.readUInt32BE(0);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UBYTE || bytes[3] !== dimensions) {
    refuse(file, `its magic number is 0x${magic.toString(16).padStart(8, '0')}, not 0x0000080${dimensions}: it is not ${kind}`);
  }
  const headerSize = 4 + 4 * dimensions;
  if (bytes.length < headerSize) refuse(file, `its header is cut short (${bytes.length} bytes)`);
  const sizes = Array.from({ length: dimensions }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  if (sizes.some((size) => size === 0)) refuse(file, `its dimensions ${sizes.join(' x ')} hold no data`);
  const expected = sizes.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerSize;
  if (actual !== expected) {
    refuse(file, `its header says ${sizes.join(' x ')} = ${expected} bytes of data but it holds ${actual}${actual < expected ? ' (truncated?)' : ''}`);
  }
  return { sizes, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerSize, expected) };
}

export function readIdxImages(file: string): IdxImages {
  const { sizes, data } = readIdx(file, 3);
  const [count, height, width] = sizes as [number, number, number];
  if (height > 1024 || width > 1024) refuse(file, `its images are ${height} x ${width}, larger than 1024 x 1024`);
  return { count, height, width, pixels: data };
}

export function readIdxLabels(file: string): Uint8Array {
  return readIdx(file, 1).data;
}

/** Reads an image file and its label file, checking that they hold as many images as labels. */
export function readIdxPair(imagesFile: string, labelsFile: string): { images: IdxImages; labels: Uint8Array } {
  const images = readIdxImages(imagesFile);
  const labels = readIdxLabels(labelsFile);
  if (labels.length !== images.count) {
    refuse(labelsFile, `it holds ${labels.length} labels but ${basename(imagesFile)} holds ${images.count} images`);
  }
  return { images, labels };
}

const NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The file of that IDX name in `dir`, gzipped or not (MNIST's mirrors use both `-idx3-ubyte` and `.idx3-ubyte`). */
function findIn(dir: string, entries: readonly string[], name: string): string | null {
  const dotted = name.replace(/-(idx\d-ubyte)$/, '.$1');
  for (const candidate of [name, `${name}.gz`, dotted, `${dotted}.gz`]) if (entries.includes(candidate)) return join(dir, candidate);
  return null;
}

/**
 * Finds the IDX files of a dataset from a folder that holds them, or from one of the files: the training pair is
 * required, the `t10k` pair optional (both or neither). Returns null when `path` is not an IDX dataset at all.
 * @throws AppError(BAD_INPUT) when a file of a pair is missing.
 */
export function findIdxFiles(path: string): IdxFiles | null {
  let dir = path;
  try {
    if (!statSync(path).isDirectory()) dir = dirname(path);
  } catch {
    return null;
  }
  if (dir !== path && !/idx\d-ubyte(\.gz)?$/.test(basename(path))) return null;
  const entries = existsSync(dir) ? readdirSync(dir) : [];
  const trainImages = findIn(dir, entries, NAMES.trainImages);
  const trainLabels = findIn(dir, entries, NAMES.trainLabels);
  const testImages = findIn(dir, entries, NAMES.testImages);
  const testLabels = findIn(dir, entries, NAMES.testLabels);
  if (!trainImages && !trainLabels && !testImages && !testLabels) return null;
  const missing = (name: string) => {
    const message = `${dir} holds IDX files but not ${name}[.gz]`;
    throw new AppError('BAD_INPUT', `Cannot import: ${message}.`, [{ field: 'path', message }]);
  };
  if (!trainImages) missing(NAMES.trainImages);
  if (!trainLabels) missing(NAMES.trainLabels);
  if (testImages && !testLabels) missing(NAMES.testLabels);
  if (testLabels && !testImages) missing(NAMES.testImages);
  return { trainImages: trainImages as string, trainLabels: trainLabels as string, testImages, testLabels };
}
