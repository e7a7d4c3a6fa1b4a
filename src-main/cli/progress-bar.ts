import type { RunProgress } from '../../src-shared/entities/run';
import { formatDuration, formatValue } from './format';

/**
 * One line, redrawn in place on a terminal: epoch, a bar over the whole run, loss, last accuracy, time left.
 */
export function progressLine(progress: RunProgress, lastAccuracy: number | null, width = 80): string {
  const done = (progress.epoch - 1) * progress.batches + progress.batch;
  const total = progress.epochs * progress.batches;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const text = ` ${Math.round(fraction * 100)
    .toString()
    .padStart(3)}% | loss ${formatValue(progress.loss)} | acc ${lastAccuracy === null ? '-' : lastAccuracy.toFixed(4)} | ETA ${formatDuration(progress.eta_ms)}`;
  const label = `epoch ${progress.epoch}/${progress.epochs} `;
  const barWidth = Math.max(10, Math.min(40, width - label.length - text.length - 2));
  const filled = Math.round(fraction * barWidth);
  return `${label}[${'='.repeat(filled)}${filled < barWidth ? '>' : ''}${' '.repeat(Math.max(0, barWidth - filled - 1))}]${text}`;
}

/**
 * `[=====>     ] 12/40 runs  name`: how many of a known number of things are done, and the one at hand, redrawn in
 * place on a terminal (`import`, `db copy`).
 */
export function countProgressLine(progress: { done: number; total: number; name: string }, unit: string, width = 80): string {
  const barWidth = 30;
  const filled = Math.round((progress.done / Math.max(1, progress.total)) * barWidth);
  const head = `[${'='.repeat(filled)}${filled < barWidth ? '>' : ''}${' '.repeat(Math.max(0, barWidth - filled - 1))}] ${progress.done}/${progress.total} ${unit}  `;
  return `${head}${progress.name}`.slice(0, Math.max(20, width - 1));
}
