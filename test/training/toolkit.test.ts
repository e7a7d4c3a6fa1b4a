import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetCatalogue, type DatasetSource } from '../../src-main/datasets';
import { loadBackend } from '../../src-main/training/worker/backends';
import { checkpointFiles, readManifest } from '../../src-main/training/checkpoint';
import type { Tf } from '../../src-main/training/worker/model';
import { prepareRun, seedMathRandom, type RunCallbacks, type TrainJob } from '../../src-main/training/worker/run-training';
import type { Evaluation, WeightHistograms } from '../../src-shared/entities/evaluation';
import { trainConfigSchema, type TrainConfigInput } from '../../src-shared/entities/train-config';
import { useTempDir } from '../helpers/temp';

let tf: Tf;
const catalogue = new DatasetCatalogue({ userDir: null });
const tempDir = useTempDir();

beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

interface Trained {
  status: string;
  epochs: Record<string, number>[];
  after: Record<string, number>;
  artifacts: Record<string, unknown>;
  outcome: Awaited<ReturnType<ReturnType<typeof prepareRun>['train']>>['outcome'];
  sizes: { train: number; val: number; test: number };
}

async function train(input: Partial<TrainConfigInput>, job: Partial<TrainJob> = {}, source?: DatasetSource): Promise<Trained> {
  const config = { ...trainConfigSchema.parse({ dataset: 'iris', hidden: [16], epochs: 3, batch_size: 16, lr: 0.05, backend: 'wasm', ...input }), seed: input.seed ?? 3 };
  seedMathRandom(config.seed);
  const run = prepareRun(tf, { config, dataset: source ?? catalogue.source(config.dataset), checkpointDir: null, initialWeights: null, frozenLayers: [], ...job });
  const epochs: Record<string, number>[] = [];
  const after: Record<string, number> = {};
  const artifacts: Record<string, unknown> = {};
  const callbacks: RunCallbacks = {
    shouldStop: () => false,
    onEpoch: (_e, m) => void epochs.push(m),
    onMetrics: (_s, m) => Object.assign(after, m),
    onArtifact: (name, data) => (artifacts[name] = data),
  };
  const { status, outcome } = await run.train(callbacks);
  return { status, epochs, after, artifacts, outcome, sizes: { train: run.trainSize, val: run.valSize, test: run.testSize } };
}

describe('overfit one batch first', () => {
  it('a single digit is learnt perfectly in 100 steps', async () => {
    const run = await train({ dataset: 'digits', hidden: [256, 256], overfit_batch: 1, epochs: 100, lr: 0.01 });
    expect(run.sizes.train).toBe(1);
    expect(run.epochs.at(-1)?.train_accuracy).toBe(1);
  });
});

describe('regularisation and optimisers', () => {
  const kernelNorm = (run: Trained) => {
    const h = run.artifacts.histograms as WeightHistograms;
    return h.layers.reduce((sum, layer) => sum + (layer.final?.std ?? 0), 0);
  };

  it('weight decay shrinks the weights (PyTorch meaning), and AdamW decays them too', async () => {
    const plain = await train({ epochs: 10, dropout: 0 });
    const decayed = await train({ epochs: 10, dropout: 0, weight_decay: 0.1 });
    expect(kernelNorm(decayed)).toBeLessThan(kernelNorm(plain));
    const adam = await train({ epochs: 10, optimizer: 'adam', lr: 0.01 });
    const adamw = await train({ epochs: 10, optimizer: 'adamw', lr: 0.01, weight_decay: 0.5 });
    expect(kernelNorm(adamw)).toBeLessThan(kernelNorm(adam));
  });

  it('sgd with Nesterov momentum and rmsprop train and differ from plain momentum', async () => {
    const momentum = await train({ epochs: 5 });
    const nesterov = await train({ epochs: 5, nesterov: true });
    const rmsprop = await train({ epochs: 5, optimizer: 'rmsprop', lr: 0.005, momentum: 0 });
    expect(nesterov.epochs).not.toEqual(momentum.epochs);
    expect(rmsprop.epochs.at(-1)?.train_loss).toBeLessThan(rmsprop.epochs[0]?.train_loss ?? 0);
  });

  it("logs each epoch's learning rate, following the schedule", async () => {
    const run = await train({ epochs: 5, lr: 0.1, lr_schedule: 'step:2,0.5' });
    expect(run.epochs.map((m) => m.lr)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('initialisers shape the initial weights: uniform:0,1 gives a [0,1) kernel, zeros gives zeros', async () => {
    const run = await train({ init: 'uniform:0,1', epochs: 1 });
    const first = (run.artifacts.histograms as WeightHistograms).layers[0]?.initial;
    expect(first?.min).toBeGreaterThanOrEqual(0);
    expect(first?.max).toBeLessThan(1);
    expect(first?.mean).toBeCloseTo(0.5, 1);
    const zeros = await train({ init: 'zeros', epochs: 1 });
    expect((zeros.artifacts.histograms as WeightHistograms).layers[0]?.initial).toMatchObject({ min: 0, max: 0 });
  });
});

describe('splits, early stopping and error analysis', () => {
  it('evaluates a test split once, after training, and reports errors per split', async () => {
    const run = await train({ dataset: 'digits', hidden: [32], epochs: 3, test_split: 0.1 });
    expect(run.sizes.train + run.sizes.val + run.sizes.test).toBe(1797);
    expect(Math.abs(run.sizes.val - 360)).toBeLessThanOrEqual(5);
    expect(Math.abs(run.sizes.test - 180)).toBeLessThanOrEqual(5);
    expect(run.after.test_accuracy).toBeGreaterThan(0.5);
    const val = run.artifacts['evaluation-val'] as Evaluation;
    const test = run.artifacts['evaluation-test'] as Evaluation;
    expect(val.confusion.flat().reduce((a, b) => a + b, 0)).toBe(run.sizes.val);
    expect(test.confusion.flat().reduce((a, b) => a + b, 0)).toBe(run.sizes.test);
    expect(val.image_shape).toEqual([1, 8, 8]);
    expect(val.total_misclassified).toBe(Math.round(run.sizes.val * (1 - val.accuracy)));
    const confidences = val.misclassified.map((m) => m.confidence);
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    expect(val.misclassified[0]?.features).toHaveLength(64);
    expect(val.misclassified[0]?.true_label).not.toBe(val.misclassified[0]?.predicted_label);
  });

  it('early stopping ends a run that stops improving, records the best epoch, and keeps final and best weights', async () => {
    const dir = tempDir();
    const run = await train({ dataset: 'iris', hidden: [64], epochs: 300, optimizer: 'adam', lr: 0.05, dropout: 0, early_stopping: '3' }, { checkpointDir: dir });
    expect(run.outcome.stop_reason).toBe('early_stopping');
    expect(run.epochs.length).toBeLessThan(300);
    expect(run.outcome.best_epoch).toBe(run.epochs.length - 3);
    expect(run.outcome.restored_best).toBe(true);
    expect(run.outcome.checkpoint).toEqual({ final: true, best: true });
    expect(readManifest(checkpointFiles(dir, 'best').manifest).epoch).toBe(run.outcome.best_epoch);
    expect(readManifest(checkpointFiles(dir, 'final').manifest).epoch).toBe(run.epochs.length);
  });
});

describe('augmentation', () => {
  it('changes training, is repeatable with the seed, and leaves validation untouched', async () => {
    const options: Partial<TrainConfigInput> = { dataset: 'digits', hidden: [32], epochs: 2 };
    const augment = 'shift=1,rotate=10,noise=0.05';
    const plain = await train(options);
    const a = await train({ ...options, augment });
    const b = await train({ ...options, augment });
    expect(a.epochs).toEqual(b.epochs);
    expect(a.epochs[0]?.train_loss).not.toBe(plain.epochs[0]?.train_loss);

    // A learning rate too small to move any weight keeps both networks as initialised (the same seed): what they
    // score on validation data then shows whether that data was augmented. Training is scored on augmented batches.
    const still = { ...options, lr: 1e-30, dropout: 0 };
    const stillPlain = await train(still);
    const stillAugmented = await train({ ...still, augment });
    expect(stillAugmented.epochs.map((m) => [m.val_loss, m.val_accuracy]), 'validation scores, epoch by epoch').toEqual(stillPlain.epochs.map((m) => [m.val_loss, m.val_accuracy]));
    expect((stillAugmented.artifacts['evaluation-val'] as Evaluation).confusion).toEqual((stillPlain.artifacts['evaluation-val'] as Evaluation).confusion);
    expect(stillAugmented.epochs[0]?.train_loss, 'training batches are augmented').not.toBe(stillPlain.epochs[0]?.train_loss);
  });
});

describe('checkpoints and fine-tuning', () => {
  it('keeps frozen layers bit-identical and changes the others', async () => {
    const dir = tempDir();
    await train({ dataset: 'digits', hidden: [32, 16], epochs: 2 }, { checkpointDir: dir });
    const parent = checkpointFiles(dir, 'final');
    const child = tempDir();
    const run = await train(
      { dataset: 'digits', hidden: [32, 16], epochs: 2, lr: 0.1, freeze: '0', seed: 9 },
      { checkpointDir: child, initialWeights: { manifest: parent.manifest, replaceOutput: false }, frozenLayers: [0] },
    );
    expect(run.outcome.frozen_layers).toEqual([0]);
    const weights = (files: { manifest: string; weights: string }, layer: number) => {
      const manifest = readManifest(files.manifest);
      const all = new Float32Array(readFileSync(files.weights).buffer.slice(0));
      const entry = manifest.weights[layer]?.tensors[0];
      const size = (entry?.shape ?? []).reduce((x, y) => x * y, 1);
      return Buffer.from(all.slice(entry?.offset ?? 0, (entry?.offset ?? 0) + size).buffer);
    };
    const after = checkpointFiles(child, 'final');
    expect(weights(after, 0).equals(weights(parent, 0))).toBe(true);
    expect(weights(after, 1).equals(weights(parent, 1))).toBe(false);
    expect(weights(after, 2).equals(weights(parent, 2))).toBe(false);
    const histograms = run.artifacts.histograms as WeightHistograms;
    expect(histograms.layers[0]?.frozen).toBe(true);
    expect(histograms.layers[0]?.final).toEqual(histograms.layers[0]?.initial);
  });

  it('replaces the output layer when the new dataset has another number of classes', async () => {
    const dir = tempDir();
    const parent = await train({ dataset: 'digits', hidden: [32], epochs: 1 }, { checkpointDir: dir });
    const csv = join(tempDir(), 'two.csv');
    const digits = readFileSync(catalogue.source('digits').kind === 'csv' ? (catalogue.source('digits') as { file: string }).file : '', 'utf8').trim().split('\n');
    const rows = digits.slice(1).filter((line) => /,(0|1)$/.test(line));
    writeFileSync(csv, [digits[0], ...rows].join('\n'));
    const source: DatasetSource = { ...(catalogue.source('digits') as Extract<DatasetSource, { kind: 'csv' }>), name: 'zero-one', file: csv };
    const run = await train(
      { dataset: 'digits', hidden: [32], epochs: 2 },
      { initialWeights: { manifest: checkpointFiles(dir, 'final').manifest, replaceOutput: true }, frozenLayers: [0] },
      source,
    );
    expect(run.outcome.output_layer_replaced).toBe(true);
    expect((run.artifacts['evaluation-val'] as Evaluation).classes).toEqual(['0', '1']);
    const before = (parent.artifacts.histograms as WeightHistograms).layers;
    const after = (run.artifacts.histograms as WeightHistograms).layers;
    expect(before.map((layer) => layer.shape)).toEqual([
      [64, 32],
      [32, 10],
    ]);
    // The hidden layer is the parent's (frozen here, so unchanged); the output layer is a new one with 2 classes.
    expect(after.map((layer) => layer.shape)).toEqual([
      [64, 32],
      [32, 2],
    ]);
    expect(after[0]?.initial).toEqual(before[0]?.final);
    expect(after[0]?.final).toEqual(before[0]?.final);
    expect(after[1]?.name).toBe('output');
  });
});

describe('memory', () => {
  it('a toolkit run (test split, augmentation, early stopping, freezing, checkpoints) leaves no tensors behind', async () => {
    const baseline = tf.memory().numTensors;
    await train(
      { dataset: 'digits', hidden: [16, 8], epochs: 6, test_split: 0.1, augment: 'shift=1,noise=0.1', early_stopping: '1', weight_decay: 0.01, lr_schedule: 'cosine' },
      { checkpointDir: tempDir(), frozenLayers: [1] },
    );
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
