/**
 * Image datasets in their stored form (`<name>.images` and `<name>.json`, see `imageMetadataSchema`): written from
 * IDX files or an image folder, read back as bytes. Pixels stay bytes in memory and on disk; a batch becomes floats
 * only when it is used, so the 60,000 Fashion-MNIST training images take 47 MB in a worker, not 188 MB.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AppError } from '../../src-shared/api/errors';
import type { LabelledTable } from './csv-dataset';
import { readIdxPair, type IdxFiles } from './idx';
import type { ImageFolderOptions } from './image-folder';
import { readImageFolder } from './image-folder';
import type { ImageMetadata, ImportedDatasetFolder } from './imported-datasets';
import { recogniseTrainingImages } from './known-datasets';

type FileRecord = ImageMetadata['files'][number];

/** One part of an image dataset, ready to store: bytes (count x height x width x channels) and labels. */
interface ImagePart {
  pixels: Uint8Array;
  labels: ArrayLike<number>;
}

interface ImagesToStore {
  channels: number;
  height: number;
  width: number;
  classes: string[];
  train: ImagePart;
  test: ImagePart | null;
  origin: string;
  files: FileRecord[];
}

function record(file: string): FileRecord {
  const bytes = readFileSync(file);
  return { name: basename(file), sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

/** Writes the stored form: all or nothing (see `ImportedDatasetFolder.write`). */
async function store(folder: ImportedDatasetFolder, name: string, images: ImagesToStore): Promise<ImageMetadata> {
  const { train, test } = images;
  const count = train.labels.length + (test?.labels.length ?? 0);
  return folder.write(name, 2, async (write) => {
    await write(train.pixels);
    if (test) await write(test.pixels);
    const labels = Buffer.alloc(count * 2);
    let at = 0;
    for (const part of [train, test]) {
      if (!part) continue;
      for (let i = 0; i < part.labels.length; i++, at += 2) labels.writeUInt16LE(part.labels[i] as number, at);
    }
    await write(labels);
    return {
      channels: images.channels,
      height: images.height,
      width: images.width,
      classes: images.classes,
      train_rows: train.labels.length,
      test_rows: test?.labels.length ?? 0,
      origin: images.origin,
      files: images.files,
    };
  });
}

function refuse(message: string): never {
  throw new AppError('BAD_INPUT', `Cannot import: ${message}.`, [{ field: 'path', message }]);
}

/**
 * Imports MNIST-style IDX files: the training pair, and the `t10k` pair as the dataset's own test part. Class names
 * are `classes` when given, the known names when the files are a known dataset's (Fashion-MNIST's clothes), else the
 * label values `0`..`K-1`.
 * @throws AppError(BAD_INPUT) for a bad file (magic number, dimensions, length, truncated `.gz`), label and image
 *   counts that differ, test images of another size than the training ones, or class names that do not fit the labels.
 */
export async function importIdx(folder: ImportedDatasetFolder, name: string, files: IdxFiles, classes?: string[], origin?: string): Promise<ImageMetadata> {
  const train = readIdxPair(files.trainImages, files.trainLabels);
  const test = files.testImages && files.testLabels ? readIdxPair(files.testImages, files.testLabels) : null;
  if (test && (test.images.height !== train.images.height || test.images.width !== train.images.width)) {
    refuse(`the test images are ${test.images.height} x ${test.images.width} but the training images ${train.images.height} x ${train.images.width}`);
  }
  let maxLabel = 0;
  for (const labels of [train.labels, test?.labels ?? new Uint8Array(0)]) for (const label of labels) maxLabel = Math.max(maxLabel, label);
  const rawSha = createHash('sha256').update(readRaw(files.trainImages)).digest('hex');
  const known = recogniseTrainingImages(rawSha);
  const names = classes ?? known?.classes ?? Array.from({ length: maxLabel + 1 }, (_, c) => String(c));
  if (names.length <= maxLabel) refuse(`the labels go up to ${maxLabel} but ${names.length} class names were given`);
  if (names.length < 2) refuse('a classifier needs at least two classes');
  const filesRead = [files.trainImages, files.trainLabels, ...(test ? [files.testImages as string, files.testLabels as string] : [])];
  return store(folder, name, {
    channels: 1,
    height: train.images.height,
    width: train.images.width,
    classes: names,
    train: { pixels: train.images.pixels, labels: train.labels },
    test: test ? { pixels: test.images.pixels, labels: test.labels } : null,
    origin: origin ?? (known ? `IDX files of ${known.title}: ${known.source}` : 'IDX files'),
    files: filesRead.map(record),
  });
}

/** The bytes of an IDX file as they are once gunzipped (for recognising a known dataset by content). */
function readRaw(file: string): Buffer {
  const bytes = readFileSync(file);
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
}

/**
 * Imports an image folder (see `readImageFolder`): every image resized to one size, as bytes, no test part.
 * Returns the metadata and the files that were skipped.
 */
export async function importImageFolder(folder: ImportedDatasetFolder, name: string, root: string, options: ImageFolderOptions = {}): Promise<{ metadata: ImageMetadata; skipped: { file: string; reason: string }[] }> {
  const images = await readImageFolder(root, options);
  const metadata = await store(folder, name, {
    channels: images.channels,
    height: images.height,
    width: images.width,
    classes: images.classes,
    train: { pixels: images.pixels, labels: images.labels },
    test: null,
    origin: `image folder ${basename(root)} (${images.count} images${images.skipped.length > 0 ? `, ${images.skipped.length} files skipped` : ''})`,
    files: [],
  });
  return { metadata, skipped: images.skipped };
}

const sampleBytes = (m: ImageMetadata) => m.channels * m.height * m.width;

function checkLength(file: string, metadata: ImageMetadata, actual: number): void {
  const rows = metadata.train_rows + metadata.test_rows;
  const expected = rows * sampleBytes(metadata) + rows * 2;
  if (actual !== expected) {
    throw new AppError('BAD_INPUT', `Dataset "${metadata.name}" was changed on disk since it was imported (${file} holds ${actual} bytes, not ${expected}). Delete it and import it again.`, [
      { field: 'dataset', message: `dataset "${metadata.name}" was changed on disk since it was imported` },
    ]);
  }
}

function decodeLabels(bytes: Uint8Array, metadata: ImageMetadata): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const labels = new Int32Array(bytes.byteLength / 2);
  for (let i = 0; i < labels.length; i++) {
    const label = view.getUint16(i * 2, true);
    if (label >= metadata.classes.length) throw new AppError('BAD_INPUT', `Dataset "${metadata.name}" is damaged: a label (${label}) has no class. Delete it and import it again.`);
    labels[i] = label;
  }
  return labels;
}

/** The whole stored dataset: pixels as bytes (training part, then test part) and labels. */
export function readStoredImages(file: string, metadata: ImageMetadata): LabelledTable {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new AppError('BAD_INPUT', `Cannot read dataset ${file}: ${(error as Error).message}`);
  }
  checkLength(file, metadata, bytes.length);
  const rows = metadata.train_rows + metadata.test_rows;
  const pixelBytes = rows * sampleBytes(metadata);
  return {
    featureNames: [],
    width: sampleBytes(metadata),
    features: new Uint8Array(bytes.buffer, bytes.byteOffset, pixelBytes),
    labels: decodeLabels(bytes.subarray(pixelBytes), metadata),
    classes: metadata.classes,
    rows,
    testRows: metadata.test_rows,
  };
}

/** Only the labels, read from the end of the file: what the host needs to check a split, without the pixels. */
export function readStoredLabels(file: string, metadata: ImageMetadata): Int32Array {
  const rows = metadata.train_rows + metadata.test_rows;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new AppError('BAD_INPUT', `Cannot read dataset ${file}: ${(error as Error).message}`);
  }
  try {
    const labels = Buffer.alloc(rows * 2);
    const read = readSync(fd, labels, 0, labels.length, rows * sampleBytes(metadata));
    if (read !== labels.length) checkLength(file, metadata, rows * sampleBytes(metadata) + read);
    return decodeLabels(labels, metadata);
  } finally {
    closeSync(fd);
  }
}

/** One sample's bytes, read from the file without reading the others. */
export function readStoredSample(file: string, metadata: ImageMetadata, row: number): Uint8Array {
  const size = sampleBytes(metadata);
  const out = Buffer.alloc(size);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, out, 0, size, row * size);
  } finally {
    closeSync(fd);
  }
  return out;
}
