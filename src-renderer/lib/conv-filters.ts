/**
 * The first convolution's filters as small images: the kernel is [kernel height, kernel width, input channels,
 * filters] (TensorFlow.js's order); each filter is drawn from its first input channel on a blue-white-red scale, or as
 * colour when the input has three channels (RGB). One scale serves every filter, at initialisation and at the end,
 * so that what training changed shows as a change of colour.
 */
import type { ConvFilters } from '../../src-shared/entities/model-summary';

export type Rgb = [number, number, number];

export interface FilterImage {
  /** Row by row, one colour per kernel cell. */
  cells: Rgb[];
}

export interface FilterSet {
  height: number;
  width: number;
  /** Drawn in colour from three input channels, rather than from the first channel on the blue-red scale. */
  rgb: boolean;
  /** The largest absolute weight, initial and final together: the ends of the shared scale. */
  limit: number;
  initial: FilterImage[];
  final: FilterImage[] | null;
}

const WHITE: Rgb = [255, 255, 255];
const BLUE: Rgb = [33, 102, 172];
const RED: Rgb = [178, 24, 43];

/** -1 is blue, 0 white, 1 red (a diverging scale: the sign of a weight matters as much as its size). */
export function divergingColour(t: number): Rgb {
  const clamped = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const end = clamped < 0 ? BLUE : RED;
  const a = Math.abs(clamped);
  return [0, 1, 2].map((c) => Math.round((WHITE[c] as number) + ((end[c] as number) - (WHITE[c] as number)) * a)) as Rgb;
}

function largestMagnitude(...arrays: (readonly number[] | null)[]): number {
  let limit = 0;
  for (const values of arrays) for (const v of values ?? []) if (Number.isFinite(v)) limit = Math.max(limit, Math.abs(v));
  return limit > 0 ? limit : 1;
}

function images(values: readonly number[], shape: ConvFilters['shape'], rgb: boolean, limit: number): FilterImage[] {
  const [height, width, channels, count] = shape;
  const at = (y: number, x: number, c: number, f: number): number => values[((y * width + x) * channels + c) * count + f] ?? 0;
  return Array.from({ length: count }, (_, f) => ({
    cells: Array.from({ length: height * width }, (_, i) => {
      const y = Math.floor(i / width);
      const x = i % width;
      if (!rgb) return divergingColour(at(y, x, 0, f) / limit);
      return [0, 1, 2].map((c) => Math.round(255 * Math.max(0, Math.min(1, 0.5 + at(y, x, c, f) / (2 * limit))))) as Rgb;
    }),
  }));
}

/** Every filter of the first convolution, at initialisation and (once the run ended) at the end. */
export function filterSet(filters: ConvFilters): FilterSet {
  const [height, width, channels] = filters.shape;
  const rgb = channels === 3;
  const limit = largestMagnitude(filters.initial, filters.final);
  return {
    height,
    width,
    rgb,
    limit,
    initial: images(filters.initial, filters.shape, rgb, limit),
    final: filters.final ? images(filters.final, filters.shape, rgb, limit) : null,
  };
}
