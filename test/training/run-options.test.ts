/**
 * Each training option reaches the run that `prepareRun` trains (the worker's call site), not only its own helper:
 * an option read from the wrong field, or not passed on, makes one of these fail. Options with their own files:
 * dropout (dropout.test.ts), standardize (standardize.test.ts), early stopping (early-stopping.test.ts); weight
 * decay, Nesterov, augmentation, the test split, initialisers, freezing and overfit-one-batch (toolkit.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetCatalogue } from '../../src-main/datasets';
import { loadBackend } from '../../src-main/training/worker/backends';
import type { Tf } from '../../src-main/training/worker/model';
import { prepareRun, seedMathRandom } from '../../src-main/training/worker/run-training';
import type { Evaluation, WeightHistograms } from '../../src-shared/entities/evaluation';
import { trainConfigSchema, type TrainConfigInput } from '../../src-shared/entities/train-config';

let tf: Tf;
const catalogue = new DatasetCatalogue({ userDir: null });

beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

interface Trained {
  epochs: Record<string, number>[];
  /** Batches seen in each epoch. */
  batches: number[];
  sizes: { train: number; val: number };
  artifacts: Record<string, unknown>;
}

/** A short seeded iris run; `input` overrides the defaults below. */
async function train(input: Partial<TrainConfigInput>): Promise<Trained> {
  const config = { ...trainConfigSchema.parse({ dataset: 'iris', hidden: [16], dropout: 0, epochs: 2, batch_size: 16, lr: 0.05, backend: 'wasm', ...input }), seed: 3 };
  seedMathRandom(config.seed);
  const run = prepareRun(tf, { config, dataset: catalogue.source(config.dataset), checkpointDir: null, initialWeights: null, frozenLayers: [] });
  const trained: Trained = { epochs: [], batches: [], sizes: { train: run.trainSize, val: run.valSize }, artifacts: {} };
  await run.train({
    shouldStop: () => false,
    onEpoch: (_epoch, metrics) => void trained.epochs.push(metrics),
    onProgress: (progress) => {
      trained.batches[progress.epoch - 1] = progress.batch;
    },
    onMetrics: () => undefined,
    onArtifact: (name, data) => (trained.artifacts[name] = data),
  });
  return trained;
}

describe('training options reach the run', () => {
  it('epochs: one logged epoch each', async () => {
    expect((await train({ epochs: 4 })).epochs).toHaveLength(4);
  });

  it('val_split: the share of each class held out for validation, and what validation scores', async () => {
    const run = await train({ val_split: 0.4 });
    expect(run.sizes).toEqual({ train: 90, val: 60 });
    const confusion = (run.artifacts['evaluation-val'] as Evaluation).confusion;
    expect(confusion.map((row) => row.reduce((a, b) => a + b, 0)), 'each class keeps its share').toEqual([20, 20, 20]);
  });

  it('batch_size: the number of batches per epoch', async () => {
    expect((await train({ batch_size: 50 })).batches).toEqual([3, 3]);
    expect((await train({ batch_size: 7 })).batches).toEqual([18, 18]);
  });

  it('hidden: the size of each dense layer, named as its layer', async () => {
    const layers = ((await train({ hidden: [12, 5], epochs: 1 })).artifacts.histograms as WeightHistograms).layers;
    expect(layers.map((layer) => [layer.name, layer.shape])).toEqual([
      ['linear(12)', [4, 12]],
      ['linear(5)', [12, 5]],
      ['output', [5, 3]],
    ]);
  });

  it('activation, optimizer, momentum, lr and bias_init each change the run', async () => {
    const base = await train({});
    expect((await train({})).epochs, 'seeded: the same options, the same run').toEqual(base.epochs);
    const changed: [string, Partial<TrainConfigInput>][] = [
      ['activation', { activation: 'tanh' }],
      ['optimizer', { optimizer: 'adam' }],
      ['momentum', { momentum: 0 }],
      ['lr', { lr: 0.01 }],
      ['bias_init', { bias_init: 'constant:0.5' }],
    ];
    for (const [option, input] of changed) expect((await train(input)).epochs, option).not.toEqual(base.epochs);
  });

  it("lr_schedule sets the optimiser's rate each epoch, not only the logged lr", async () => {
    // From epoch 2 the rate is 1e-30 of the base: too small to move any weight, so validation scores stop changing.
    const run = await train({ epochs: 3, lr: 0.1, lr_schedule: 'step:1,1e-30' });
    expect(run.epochs[0]?.lr).toBe(0.1);
    expect(run.epochs[1]?.lr).toBeCloseTo(1e-31, 40);
    const scores = run.epochs.map((m) => [m.val_loss, m.val_accuracy]);
    expect(scores[1]).toEqual(scores[0]);
    expect(scores[2]).toEqual(scores[0]);
    // With the base rate throughout, they do change.
    const constant = await train({ epochs: 3, lr: 0.1 });
    expect(constant.epochs[1]?.val_loss).not.toBe(constant.epochs[0]?.val_loss);
  });
});
