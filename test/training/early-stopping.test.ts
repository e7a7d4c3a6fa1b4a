/**
 * `--early-stopping PATIENCE:MIN_DELTA`: "on validation loss" (README); an epoch counts as an improvement only when
 * validation loss falls by more than MIN_DELTA below the best so far. The oracle replays that rule over the
 * validation losses the run logged, and the fixture is checked to stop elsewhere without the min delta.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetCatalogue } from '../../src-main/datasets';
import { loadBackend } from '../../src-main/training/worker/backends';
import type { Tf } from '../../src-main/training/worker/model';
import { prepareRun, seedMathRandom } from '../../src-main/training/worker/run-training';
import { trainConfigSchema } from '../../src-shared/entities/train-config';

let tf: Tf;
const catalogue = new DatasetCatalogue({ userDir: null });

beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

interface Stop {
  reason: 'completed' | 'early_stopping';
  /** Epochs run. */
  epochs: number;
  best: number | null;
}

/** The README's rule, replayed over a run's validation losses. */
function expectedStop(losses: readonly number[], patience: number, minDelta: number): Stop {
  let best = Infinity;
  let bestEpoch: number | null = null;
  let since = 0;
  for (const [index, loss] of losses.entries()) {
    const epoch = index + 1;
    if (bestEpoch === null || loss < best - minDelta) {
      best = loss;
      bestEpoch = epoch;
      since = 0;
    } else if (++since >= patience) {
      return { reason: 'early_stopping', epochs: epoch, best: bestEpoch };
    }
  }
  return { reason: 'completed', epochs: losses.length, best: bestEpoch };
}

async function run(earlyStopping: string, epochs: number) {
  const config = { ...trainConfigSchema.parse({ dataset: 'iris', hidden: [16], dropout: 0, optimizer: 'adam', lr: 0.01, epochs, batch_size: 16, early_stopping: earlyStopping, backend: 'wasm' }), seed: 4 };
  seedMathRandom(config.seed);
  const prepared = prepareRun(tf, { config, dataset: catalogue.source('iris'), checkpointDir: null, initialWeights: null, frozenLayers: [] });
  const losses: number[] = [];
  const { outcome } = await prepared.train({
    shouldStop: () => false,
    onEpoch: (_epoch, metrics) => void losses.push(metrics.val_loss as number),
    onMetrics: () => undefined,
    onArtifact: () => undefined,
  });
  return { losses, outcome };
}

describe('early stopping', () => {
  it('counts an epoch as an improvement only when validation loss falls by more than MIN_DELTA', async () => {
    const patience = 2;
    const minDelta = 0.05;
    const { losses, outcome } = await run(`${patience}:${minDelta}`, 60);
    const expected = expectedStop(losses, patience, minDelta);
    expect({ reason: outcome.stop_reason, epochs: losses.length, best: outcome.best_epoch }).toEqual(expected);
    expect(expected.reason, 'the run stopped early').toBe('early_stopping');
    // Without the min delta, the same losses would not have stopped the run there.
    expect(expectedStop(losses, patience, 0)).not.toEqual(expected);
  });

  it('with no MIN_DELTA, any fall in validation loss is an improvement', async () => {
    const patience = 2;
    const { losses, outcome } = await run(`${patience}`, 40);
    expect({ reason: outcome.stop_reason, epochs: losses.length, best: outcome.best_epoch }).toEqual(expectedStop(losses, patience, 0));
  });
});
