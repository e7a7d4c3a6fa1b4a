/**
 * Decoding and resizing one image for an import: PNG through pngjs, JPEG through jpeg-js (both pure JavaScript, so
 * nothing native has to be built or unpacked for Electron), then a resize to the dataset's size: an area average
 * when shrinking (every source pixel counts, no aliasing), bilinear with pixel centres when growing.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** An image as 8-bit RGB, row-major, 3 bytes per pixel (alpha is dropped, as PIL's `convert('RGB')` does). */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
  /** Every pixel has R = G = B. */
  grey: boolean;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

/** Larger images are refused before decoding (a 10,000 x 10,000 photo would take 400 MB decoded). */
const MAX_PIXELS = 4096 * 4096;

/**
 * Runs a decoder; its own words for a file it cannot read ("unknown JPEG marker 0", "There are some read requests
 * waitng on finished stream") are kept, after what they mean to a user: the file is cut short or damaged.
 */
function decoding<T>(format: 'PNG' | 'JPEG', decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new Error(`a damaged or cut-short ${format} file (the decoder says: ${(error as Error).message || String(error)})`);
  }
}

/** Decodes a PNG or JPEG by its signature; throws an Error whose message says what is wrong with the file. */
export function decodeImage(bytes: Buffer): RgbImage {
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) {
    const png = decoding('PNG', () => PNG.sync.read(bytes));
    ({ width, height } = png);
    rgba = png.data;
  } else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    const image = decoding('JPEG', () => jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 256 }));
    ({ width, height } = image);
    rgba = image.data;
  } else {
    throw new Error('not a PNG or JPEG image');
  }
  if (width * height > MAX_PIXELS) throw new Error(`${width} x ${height} pixels is larger than ${MAX_PIXELS / 1024 / 1024} megapixels`);
  if (width === 0 || height === 0) throw new Error('the image has no pixels');
  const rgb = new Uint8Array(width * height * 3);
  let grey = true;
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    const r = rgba[p] as number;
    const g = rgba[p + 1] as number;
    const b = rgba[p + 2] as number;
    rgb[q] = r;
    rgb[q + 1] = g;
    rgb[q + 2] = b;
    if (r !== g || g !== b) grey = false;
  }
  return { width, height, rgb, grey };
}

/** Source index ranges and weights of each output position along one axis (area average or bilinear). */
function axisWeights(from: number, to: number): { start: number; weights: Float64Array }[] {
  const scale = from / to;
  return Array.from({ length: to }, (_, i) => {
    if (scale > 1) {
      // Shrinking: output pixel i covers source [i*scale, (i+1)*scale).
      const left = i * scale;
      const right = left + scale;
      const start = Math.floor(left);
      const end = Math.min(from, Math.ceil(right));
      const weights = new Float64Array(end - start);
      for (let s = start; s < end; s++) weights[s - start] = (Math.min(right, s + 1) - Math.max(left, s)) / scale;
      return { start, weights };
    }
    // Growing (or the same size): bilinear between the two nearest pixel centres.
    const centre = Math.min(from - 1, Math.max(0, (i + 0.5) * scale - 0.5));
    const start = Math.min(Math.floor(centre), Math.max(0, from - 2));
    if (from === 1) return { start: 0, weights: Float64Array.of(1) };
    const t = centre - start;
    return { start, weights: Float64Array.of(1 - t, t) };
  });
}

/** Resizes an interleaved image with `channels` bytes per pixel; returns it unchanged when the size is already right. */
export function resizeImage(pixels: Uint8Array, width: number, height: number, channels: number, toWidth: number, toHeight: number): Uint8Array {
  if (width === toWidth && height === toHeight) return pixels;
  const columns = axisWeights(width, toWidth);
  const rows = axisWeights(height, toHeight);
  // Columns first into a float buffer (height x toWidth), then rows.
  const across = new Float64Array(height * toWidth * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < toWidth; x++) {
      const { start, weights } = columns[x] as { start: number; weights: Float64Array };
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += (weights[k] as number) * (pixels[((y * width) + start + k) * channels + c] as number);
        across[(y * toWidth + x) * channels + c] = sum;
      }
    }
  }
  const out = new Uint8Array(toHeight * toWidth * channels);
  for (let y = 0; y < toHeight; y++) {
    const { start, weights } = rows[y] as { start: number; weights: Float64Array };
    for (let x = 0; x < toWidth; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += (weights[k] as number) * (across[((start + k) * toWidth + x) * channels + c] as number);
        out[(y * toWidth + x) * channels + c] = Math.min(255, Math.max(0, Math.round(sum)));
      }
    }
  }
  return out;
}

/** ITU-R BT.601 luma, as PIL's `convert('L')`. */
export function toGrey(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0, p = 0; i < out.length; i++, p += 3) {
    out[i] = Math.round(((rgb[p] as number) * 299 + (rgb[p + 1] as number) * 587 + (rgb[p + 2] as number) * 114) / 1000);
  }
  return out;
}
