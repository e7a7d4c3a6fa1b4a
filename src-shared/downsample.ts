/**
 * Reduces a series to at most `budget` points, keeping its shape: the first and last points always, and in each
 * bucket between them the points holding the bucket's minimum and maximum (so spikes, such as a diverging loss,
 * survive). Points whose value is not a finite number are kept as bucket extremes too, so gaps stay visible.
 * Returns the input unchanged when it already fits.
 */
export function downsample<T>(points: readonly T[], budget: number, valueOf: (point: T) => number): T[] {
  const n = points.length;
  if (budget < 2) throw new RangeError('budget must be at least 2');
  if (n <= budget) return points.slice();
  const inner = budget - 2;
  const bucketCount = Math.max(1, Math.floor(inner / 2));
  const out: T[] = [points[0] as T];
  const span = (n - 2) / bucketCount;
  for (let b = 0; b < bucketCount; b++) {
    const start = 1 + Math.floor(b * span);
    const end = Math.min(n - 1, 1 + Math.floor((b + 1) * span));
    if (start >= end) continue;
    let minIndex = start;
    let maxIndex = start;
    let odd = -1;
    for (let i = start; i < end; i++) {
      const v = valueOf(points[i] as T);
      if (!Number.isFinite(v)) {
        if (odd < 0) odd = i;
        continue;
      }
      if (v < valueOf(points[minIndex] as T) || !Number.isFinite(valueOf(points[minIndex] as T))) minIndex = i;
      if (v > valueOf(points[maxIndex] as T) || !Number.isFinite(valueOf(points[maxIndex] as T))) maxIndex = i;
    }
    const picked = [...new Set([minIndex, maxIndex, ...(odd >= 0 ? [odd] : [])])].sort((a, b2) => a - b2).slice(0, 2);
    for (const i of picked) out.push(points[i] as T);
  }
  out.push(points[n - 1] as T);
  return out;
}
