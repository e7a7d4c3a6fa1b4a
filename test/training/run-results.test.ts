/**
 * What a run leaves behind (`worker/run-training.ts`), in this process on the cpu backend with tiny runs: its
 * artifacts in order, its outcome field by field, its saved weights' manifest, and what a stopped or diverged run
 * does not claim (no evaluation, no final weights).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetCatalogue } from '../../src-main/datasets';
import { checkpointFiles, readManifest } from '../../src-main/training/checkpoint';
import { loadBackend } from '../../src-main/training/worker/backends';
import type { Tf } from '../../src-main/training/worker/model';
import { modelChoice, prepareRun, seedMathRandom, type RunCallbacks, type TrainJob } from '../../src-main/training/worker/run-training';
import type { ConvFilters } from '../../src-shared/entities/model-summary';
import type { WeightHistograms } from '../../src-shared/entities/evaluation';
import { trainConfigSchema, type TrainConfigInput } from '../../src-shared/entities/train-config';
import { useTempDir } from '../helpers/temp';

let tf: Tf;
const catalogue = new DatasetCatalogue({ userDir: null });
const tempDir = useTempDir();

beforeAll(async () => {
  ({ tf } = await loadBackend('cpu'));
});

async function run(input: Partial<TrainConfigInput>, job: Partial<TrainJob> = {}, callbacks: Partial<RunCallbacks> = {}) {
  const config = { ...trainConfigSchema.parse({ dataset: 'iris', hidden: [4], epochs: 2, batch_size: 32, lr: 0.05, backend: 'cpu', ...input }), seed: 3 };
  seedMathRandom(config.seed);
  const baseline = tf.memory().numTensors;
  const prepared = prepareRun(tf, { config, dataset: catalogue.source(config.dataset), checkpointDir: null, initialWeights: null, frozenLayers: [], ...job });
  const artifacts: [string, unknown][] = [];
  const metrics: [number, Record<string, number>][] = [];
  const epochs: Record<string, number>[] = [];
  const result = await prepared.train({
    shouldStop: () => false,
    onEpoch: (_epoch, m) => void epochs.push(m),
    onMetrics: (step, m) => void metrics.push([step, m]),
    onArtifact: (name, data) => void artifacts.push([name, data]),
    ...callbacks,
  });
  expect(tf.memory().numTensors).toBe(baseline);
  return { prepared, result, artifacts, metrics, epochs, names: artifacts.map(([name]) => name) };
}

describe('a finished run', () => {
  it('reports the model, the weight histograms before and after, and the validation and test evaluations, in that order', async () => {
    const r = await run({ test_split: 0.2 });
    expect(r.names).toEqual(['model', 'histograms', 'histograms', 'evaluation-val', 'evaluation-test']);
    const [initial, final] = r.artifacts.filter(([name]) => name === 'histograms').map(([, data]) => data as WeightHistograms);
    expect(initial?.layers.map((l) => [l.layer, l.name, l.shape, l.frozen, l.final])).toEqual([
      [0, 'linear(4)', [4, 4], false, null],
      [1, 'output', [4, 3], false, null],
    ]);
    expect(final?.layers.map((l) => l.initial)).toEqual(initial?.layers.map((l) => l.initial));
    expect(final?.layers.every((l) => l.final !== null)).toBe(true);
    expect(r.metrics).toEqual([[2, { test_loss: expect.any(Number), test_accuracy: expect.any(Number) }]]);
    expect(r.result).toEqual({
      status: 'finished',
      outcome: {
        stop_reason: 'completed',
        best_epoch: expect.any(Number),
        restored_best: false,
        frozen_layers: [],
        output_layer_replaced: false,
        checkpoint: { final: false, best: false },
        train_size: r.prepared.trainSize,
        val_size: r.prepared.valSize,
        test_size: r.prepared.testSize,
      },
    });
    expect([r.prepared.trainSize, r.prepared.valSize, r.prepared.testSize]).toEqual([90, 30, 30]);
  });

  it('without a test split: no test metrics, no test evaluation', async () => {
    const r = await run({});
    expect(r.names).toEqual(['model', 'histograms', 'histograms', 'evaluation-val']);
    expect(r.metrics).toEqual([]);
    expect(r.result.outcome.test_size).toBe(0);
  });

  it('a convolutional model also reports its first convolution’s filters, before and after training', async () => {
    const r = await run({ dataset: 'digits', layers: 'conv2d(2,3), conv2d(2,3)', epochs: 1, batch_size: 256 });
    expect(r.names).toEqual(['model', 'histograms', 'filters', 'histograms', 'filters', 'evaluation-val']);
    const [before, after] = r.artifacts.filter(([name]) => name === 'filters').map(([, data]) => data as ConvFilters);
    expect(before).toMatchObject({ layer: 'conv2d(2,3)', shape: [3, 3, 1, 2], final: null });
    expect(before?.initial).toHaveLength(18);
    expect(after?.initial).toEqual(before?.initial);
    expect(after?.final).toHaveLength(18);
    expect(after?.final).not.toEqual(before?.initial);
  });

  it('saves its final weights with a manifest that can rebuild the model (the MLP shorthand recorded as such)', async () => {
    const dir = tempDir();
    const r = await run({ hidden: [5], activation: 'tanh' }, { checkpointDir: dir });
    expect(r.result.outcome.checkpoint).toEqual({ final: true, best: false });
    const manifest = readManifest(checkpointFiles(dir, 'final').manifest);
    expect(manifest).toMatchObject({
      layers: 'linear(5),tanh,dropout(0.2)',
      mlp: { hidden: [5], activation: 'tanh' },
      input_shape: { kind: 'flat', size: 4 },
      classes: ['setosa', 'versicolor', 'virginica'],
      feature_names: catalogue.table('iris').featureNames,
      epoch: 2,
    });
    expect(readFileSync(checkpointFiles(dir, 'final').weights).byteLength).toBe((4 * 5 + 5 + 5 * 3 + 3) * 4);
  });

  it('a layer list or a preset is recorded without the MLP shorthand', async () => {
    const dir = tempDir();
    await run({ layers: 'linear(3)' }, { checkpointDir: dir });
    expect(readManifest(checkpointFiles(dir, 'final').manifest).mlp).toBeNull();
  });

  it('with early stopping that ends it, saves the best epoch’s weights too, and restores them', async () => {
    const dir = tempDir();
    // A learning rate too small to move a float32 weight: the best epoch is the first, and patience 1 ends the run at the second.
    const r = await run({ lr: 1e-30, epochs: 5, early_stopping: '1' }, { checkpointDir: dir });
    expect(r.result.outcome).toMatchObject({ stop_reason: 'early_stopping', best_epoch: 1, restored_best: true, checkpoint: { final: true, best: true } });
    expect(readManifest(checkpointFiles(dir, 'best').manifest).epoch).toBe(1);
    expect(readManifest(checkpointFiles(dir, 'final').manifest).epoch).toBe(2);
  });

  it('overfitting one batch trains on that many rows, as one batch', async () => {
    const r = await run({ overfit_batch: 5, epochs: 3 }, {}, { onProgress: (p) => expect([p.batch, p.batches]).toEqual([1, 1]) });
    expect(r.prepared.trainSize).toBe(5);
    expect(r.result.outcome.train_size).toBe(5);
  });
});

describe('a run that does not finish', () => {
  it('stopped: final histograms, but no evaluation and no saved weights', async () => {
    const dir = tempDir();
    let epochs = 0;
    const r = await run({ epochs: 5 }, { checkpointDir: dir }, { onEpoch: () => void epochs++, shouldStop: () => epochs >= 1 });
    expect(r.result.status).toBe('stopped');
    expect(r.names).toEqual(['model', 'histograms', 'histograms']);
    expect(r.result.outcome).toMatchObject({ stop_reason: 'stopped', checkpoint: { final: false, best: false } });
  });

  it('diverged: no final histograms, no evaluation, no saved weights', async () => {
    const dir = tempDir();
    const r = await run({ dataset: 'digits', hidden: [32], activation: 'linear', dropout: 0, lr: 100, momentum: 0.99, epochs: 5, batch_size: 64 }, { checkpointDir: dir });
    expect(r.result.status).toBe('diverged');
    expect(r.names).toEqual(['model', 'histograms']);
    expect(r.result.outcome).toMatchObject({ stop_reason: 'diverged', checkpoint: { final: false, best: false } });
  });
});

describe('the model a configuration chooses', () => {
  it('takes the layer list, the preset, the hidden sizes, activation and per-layer dropout', () => {
    const config = trainConfigSchema.parse({ dataset: 'iris', hidden: [6, 3], activation: 'tanh', dropout: [0.1, 0.3], layers: 'linear(2)' });
    expect(modelChoice({ ...config, seed: 1 })).toEqual({ layers: 'linear(2)', model: undefined, hidden: [6, 3], activation: 'tanh', dropout: [0.1, 0.3] });
  });

  it('seeds Math.random: the same seed gives the same draws, another seed others', () => {
    seedMathRandom(8);
    const a = [Math.random(), Math.random()];
    seedMathRandom(8);
    expect([Math.random(), Math.random()]).toEqual(a);
    seedMathRandom(9);
    expect(Math.random()).not.toBe(a[0]);
  });
});
