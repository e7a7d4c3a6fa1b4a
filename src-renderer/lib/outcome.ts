import type { RunOutcome } from '../../src-shared/entities/run';

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

export { frozenLayersText, hiddenLayerCount, weightLayerNames } from '../../src-shared/model/frozen-layers';
export { runGap } from '../../src-shared/entities/run';
export { formatGap } from '../../src-shared/format';
