/**
 * How fast a run trained, from what every run records: when it started and when each epoch ended (its metrics'
 * time). An epoch's time covers its training batches and its validation, as Keras's "s/epoch" does.
 */

/** Seconds each epoch took; `epochEnds` in ms since the Unix epoch, in epoch order. */
export function epochSeconds(startedAt: number, epochEnds: readonly number[]): number[] {
  return epochEnds.map((end, i) => (end - (i === 0 ? startedAt : (epochEnds[i - 1] as number))) / 1000);
}

/**
 * The median seconds per epoch and the training samples per second it makes; null before the first epoch ends.
 * The first epoch also loads the data and warms the backend up, so it is left out once there are three or more.
 */
export function trainingSpeed(startedAt: number, epochEnds: readonly number[], trainSize: number): { secondsPerEpoch: number; samplesPerSecond: number } | null {
  const all = epochSeconds(startedAt, epochEnds).filter((s) => s > 0);
  if (all.length === 0) return null;
  const steady = all.length >= 3 ? all.slice(1) : all;
  const sorted = [...steady].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const secondsPerEpoch = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { secondsPerEpoch, samplesPerSecond: trainSize / secondsPerEpoch };
}
