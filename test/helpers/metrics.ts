/** Metrics that measure the machine, not the learning: they differ between two runs of the same seed. */
export const TIMING_METRICS = ['epoch_seconds', 'samples_per_second'] as const;

/** An epoch's metrics without the timing ones, for comparing runs that must learn identically. */
export function learning<V>(metrics: Record<string, V>): Record<string, V> {
  const out = { ...metrics };
  for (const key of TIMING_METRICS) delete out[key];
  return out;
}
