import type { Histogram } from '../../src-shared/entities/evaluation';

/** Two histograms on one set of bins, so they can be drawn as overlaid bars. */
export interface OverlaidHistograms {
  /** The shared bins' outer edges: the x axis spans them. */
  low: number;
  high: number;
  /** Bin centres. */
  centres: number[];
  initial: number[];
  final: number[] | null;
}

/**
 * Puts the initial and final histograms of a layer on shared equal-width bins spanning both ranges. Each source
 * bin's count is spread over the shared bins it overlaps, in proportion to the overlap (counts are kept: each
 * series still sums to the number of weights).
 */
export function overlayHistograms(initial: Histogram, final: Histogram | null, bins = 40): OverlaidHistograms {
  const sources = final ? [initial, final] : [initial];
  let low = Math.min(...sources.map((h) => h.min));
  let high = Math.max(...sources.map((h) => h.max));
  if (!(high > low)) {
    low -= 0.5;
    high += 0.5;
  }
  const width = (high - low) / bins;
  const centres = Array.from({ length: bins }, (_, i) => low + (i + 0.5) * width);
  return { low, high, centres, initial: rebin(initial, low, width, bins), final: final ? rebin(final, low, width, bins) : null };
}

function rebin(histogram: Histogram, low: number, width: number, bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  const n = histogram.counts.length;
  if (n === 0) return out;
  const sourceWidth = (histogram.max - histogram.min) / n;
  const binOf = (x: number): number => Math.min(bins - 1, Math.max(0, Math.floor((x - low) / width)));
  histogram.counts.forEach((count, i) => {
    if (count === 0) return;
    if (sourceWidth === 0) {
      out[binOf(histogram.min)] = (out[binOf(histogram.min)] as number) + count;
      return;
    }
    const a = histogram.min + i * sourceWidth;
    const b = a + sourceWidth;
    for (let j = binOf(a); j <= binOf(b - sourceWidth * 1e-9); j++) {
      const overlap = Math.min(b, low + (j + 1) * width) - Math.max(a, low + j * width);
      if (overlap > 0) out[j] = (out[j] as number) + (count * overlap) / sourceWidth;
    }
  });
  return out;
}

/** A number in a histogram's caption: four significant digits, or exponent notation for tiny values. */
export function formatStat(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e5) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}
