import type { RunOutcome, RunSummary } from '../../src-shared/entities/run';
import { generalisationGap } from '../../src-shared/overfitting';
import { metricToChartValue } from './format';

/** Why a run ended, in a sentence: `Early stopping at epoch 14; best epoch 9 restored`. Null while it runs. */
export function stopReasonText(outcome: RunOutcome | null, epochs: number): string | null {
  if (!outcome || outcome.stop_reason === null) return null;
  switch (outcome.stop_reason) {
    case 'completed':
      return `Completed all ${epochs} epoch${epochs === 1 ? '' : 's'}`;
    case 'early_stopping': {
      const best = outcome.best_epoch === null ? '' : outcome.restored_best ? `; best epoch ${outcome.best_epoch} restored` : `; best epoch ${outcome.best_epoch}`;
      return `Early stopping at epoch ${epochs}${best}`;
    }
    case 'stopped':
      return `Stopped at epoch ${epochs}`;
    case 'diverged':
      return `Diverged at epoch ${Math.max(1, epochs)}`;
    case 'failed':
      return 'Failed';
    case 'pruned':
      return `Pruned at epoch ${epochs} by successive halving: not among the best trials at its rung`;
  }
}

/** `hidden 0, 1` / `hidden 0, output` for the frozen dense layers of a model with `hiddenLayers` hidden layers. */
export function frozenLayersText(layers: readonly number[], hiddenLayers: number | null): string {
  return layers.map((layer) => (hiddenLayers !== null && layer === hiddenLayers ? 'output' : `hidden ${layer}`)).join(', ');
}

/** Number of hidden layers from the logged `hidden` param (`"32,16"` -> 2, `""` -> 0). */
export function hiddenLayerCount(run: Pick<RunSummary, 'params'>): number | null {
  const hidden = run.params['hidden'];
  if (hidden === undefined || hidden === null) return null;
  const text = String(hidden).trim();
  return text === '' ? 0 : text.split(',').length;
}

/** Final training minus final validation accuracy, or null when either is missing or not finite. */
export function runGap(run: Pick<RunSummary, 'metrics'>): number | null {
  const train = metricToChartValue(run.metrics['train_accuracy']);
  const val = metricToChartValue(run.metrics['val_accuracy']);
  return generalisationGap(train ?? undefined, val ?? undefined);
}

/** A gap as signed text with three decimals: `+0.083`. */
export function formatGap(gap: number | null): string {
  if (gap === null) return '—';
  const text = Math.abs(gap) < 0.0005 ? '0.000' : gap.toFixed(3);
  return gap > 0 && text !== '0.000' ? `+${text}` : text;
}
