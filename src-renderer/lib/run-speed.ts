import type { MetricValue } from '../../src-shared/entities/run';
import { formatDuration } from './format';
import { formatCount } from './model-summary-text';

/**
 * How fast a run trains, from the metrics each epoch logs: `epoch_seconds` (the whole epoch, validation included) and
 * `samples_per_second` (training samples only), the last epoch's: `1.7 s per epoch · 499 samples/s`. Null for a run
 * that logged neither (runs of Runboard 0.1, or before its first epoch).
 */
export function speedText(metrics: Readonly<Record<string, MetricValue>>): string | null {
  const seconds = metrics['epoch_seconds'];
  const samples = metrics['samples_per_second'];
  const parts: string[] = [];
  if (typeof seconds === 'number') parts.push(`${seconds < 60 ? `${Number(seconds.toPrecision(seconds < 10 ? 2 : 3))} s` : formatDuration(seconds)} per epoch`);
  if (typeof samples === 'number') parts.push(`${formatCount(Math.round(samples))} samples/s`);
  return parts.length === 0 ? null : parts.join(' · ');
}
