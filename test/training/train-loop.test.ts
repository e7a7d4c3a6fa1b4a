import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetCatalogue } from '../../src-main/datasets';
import { loadBackend } from '../../src-main/training/worker/backends';
import type { Tf } from '../../src-main/training/worker/model';
import { prepareRun, seedMathRandom } from '../../src-main/training/worker/run-training';
import type { LoopCallbacks } from '../../src-main/training/worker/train-loop';
import { trainConfigSchema, type ResolvedTrainConfig } from '../../src-shared/entities/train-config';

let tf: Tf;
const catalogue = new DatasetCatalogue({ userDir: null });

beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

const config = (overrides: Partial<ResolvedTrainConfig> = {}): ResolvedTrainConfig => ({
  ...trainConfigSchema.parse({ dataset: 'iris', hidden: [16], epochs: 3, batch_size: 16, lr: 0.05, backend: 'wasm' }),
  seed: 3,
  ...overrides,
});

async function train(cfg: ResolvedTrainConfig, extra: Partial<LoopCallbacks> = {}) {
  seedMathRandom(cfg.seed);
  const run = prepareRun(tf, { config: cfg, dataset: catalogue.source(cfg.dataset), checkpointDir: null, initialWeights: null, frozenLayers: [] });
  const epochs: Record<string, number>[] = [];
  const { status: outcome } = await run.train({
    shouldStop: () => false,
    onEpoch: (_e, m) => void epochs.push(m),
    onMetrics: () => undefined,
    onArtifact: () => undefined,
    ...extra,
  });
  return { outcome, epochs, run };
}

describe('training loop', () => {
  it('logs mean training loss and accuracy and validation loss and accuracy for every epoch', async () => {
    const { outcome, epochs, run } = await train(config());
    expect(outcome).toBe('finished');
    expect(epochs).toHaveLength(3);
    for (const m of epochs) {
      expect(Object.keys(m).sort()).toEqual(['lr', 'train_accuracy', 'train_loss', 'val_accuracy', 'val_loss']);
      expect(m.train_accuracy).toBeGreaterThanOrEqual(0);
      expect(m.val_accuracy).toBeLessThanOrEqual(1);
    }
    expect(run.trainSize + run.valSize).toBe(150);
    expect(run.valSize).toBe(30);
  });

  it('learns: iris is fitted and generalises (over 85% of a 30-flower validation set)', async () => {
    const { epochs } = await train(config({ epochs: 40, hidden: [16], optimizer: 'adam', lr: 0.02, dropout: 0 }));
    expect(epochs.at(-1)?.train_accuracy).toBeGreaterThan(0.95);
    expect(epochs.at(-1)?.val_accuracy).toBeGreaterThan(0.85);
  });

  it('gives the same result for the same seed on the same backend, and a different one for another seed', async () => {
    const a = await train(config({ seed: 11 }));
    const b = await train(config({ seed: 11 }));
    const c = await train(config({ seed: 12 }));
    expect(b.epochs).toEqual(a.epochs);
    expect(c.epochs).not.toEqual(a.epochs);
  });

  it('leaves no tensors behind, and does not grow from epoch to epoch', async () => {
    const baseline = tf.memory().numTensors;
    const perEpoch: number[] = [];
    await train(config({ epochs: 4, hidden: [16, 8], dropout: 0.3 }), { onEpoch: () => void perEpoch.push(tf.memory().numTensors) });
    expect(new Set(perEpoch).size).toBe(1);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('stops within one batch when asked, discarding the partial epoch', async () => {
    let batches = 0;
    let stopAt = -1;
    const { outcome, epochs } = await train(config({ epochs: 5 }), {
      onProgress: () => {
        batches++;
        if (batches === 10) stopAt = batches;
      },
      shouldStop: () => stopAt > 0,
    });
    expect(outcome).toBe('stopped');
    expect(batches).toBe(10);
    expect(epochs).toHaveLength(1);
  });

  it('ends as diverged within the batch whose loss is not finite, reporting it', async () => {
    const baseline = tf.memory().numTensors;
    const { outcome, epochs } = await train(config({ dataset: 'digits', epochs: 10, lr: 100, momentum: 0.99, hidden: [64], activation: 'linear', dropout: 0 }));
    expect(outcome).toBe('diverged');
    const last = epochs.at(-1) as Record<string, number>;
    expect(Number.isFinite(last.train_loss ?? last.val_loss)).toBe(false);
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
