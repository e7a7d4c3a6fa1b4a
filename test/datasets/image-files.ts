/** Tiny image datasets written by the tests: IDX files (optionally gzipped) and image folders of PNG and JPEG files. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** An IDX image file: magic 0x00000803, count, rows, columns, then the bytes. */
export function idxImages(count: number, height: number, width: number, pixel: (i: number, y: number, x: number) => number): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(height, 8);
  header.writeUInt32BE(width, 12);
  const data = Buffer.alloc(count * height * width);
  for (let i = 0; i < count; i++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[(i * height + y) * width + x] = pixel(i, y, x);
  return Buffer.concat([header, data]);
}

/** An IDX label file: magic 0x00000801, count, then one byte per label. */
export function idxLabels(labels: readonly number[]): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels)]);
}

/**
 * A folder of MNIST-style IDX files: `train` and optionally `test` images of 4 x 4 whose class is drawn in them (class c
 * lights row c), gzipped or not.
 */
export function writeIdxFolder(dir: string, options: { train: number; test?: number; classes?: number; gzip?: boolean }): string {
  mkdirSync(dir, { recursive: true });
  const classes = options.classes ?? 3;
  const write = (name: string, bytes: Buffer) => writeFileSync(join(dir, options.gzip ? `${name}.gz` : name), options.gzip ? gzipSync(bytes) : bytes);
  const part = (prefix: string, count: number) => {
    const labels = Array.from({ length: count }, (_, i) => i % classes);
    write(`${prefix}-images-idx3-ubyte`, idxImages(count, 4, 4, (i, y) => (y === labels[i] ? 255 : 0)));
    write(`${prefix}-labels-idx1-ubyte`, idxLabels(labels));
  };
  part('train', options.train);
  if (options.test) part('t10k', options.test);
  return dir;
}

/** A PNG of `width` x `height`, RGBA, filled by `colour(x, y)` -> [r, g, b]. */
export function png(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): Buffer {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      image.data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return PNG.sync.write(image);
}

export function jpg(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return jpeg.encode({ data, width, height }, 95).data;
}

/** An image folder: `classes` maps a class folder to its files (name -> bytes). */
export function writeImageFolder(dir: string, classes: Record<string, Record<string, Buffer | string>>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, files] of Object.entries(classes)) {
    mkdirSync(join(dir, name), { recursive: true });
    for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, name, file), bytes);
  }
  return dir;
}
