/**
 * The host's checks before a run exists (`host/preflight.ts`): each refusal names its field and says what to change,
 * and a run that passes gets its plan (kind, model, frozen layers, and for fine-tuning the parent's weights, layers
 * and split). Runs in this process against the built-in datasets and a store in a temporary folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetCatalogue } from '../../src-main/datasets';
import { checkpointDirectory } from '../../src-main/paths';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { checkpointFiles, type CheckpointManifest } from '../../src-main/training/checkpoint';
import { checkTrainable, planRun } from '../../src-main/training/host/preflight';
import type { AppError } from '../../src-shared/api/errors';
import type { DatasetInfo } from '../../src-shared/entities/dataset';
import type { RunOutcome } from '../../src-shared/entities/run';
import { trainConfigSchema, type TrainConfig } from '../../src-shared/entities/train-config';
import { useTempDir } from '../helpers/temp';

const catalogue = new DatasetCatalogue({ userDir: null });
const config = (overrides: Record<string, unknown> = {}): TrainConfig => trainConfigSchema.parse({ dataset: 'iris', hidden: [8], dropout: 0, epochs: 2, backend: 'wasm', ...overrides });

/** The built-in catalogue, with `dataset`'s last `testRows` rows made its own test set. */
function withTestRows(dataset: string, testRows: number): DatasetCatalogue {
  return {
    info: (name: string): DatasetInfo => ({ ...catalogue.info(name), ...(name === dataset ? { test_rows: testRows } : {}) }),
    labels: (name: string) => catalogue.labels(name),
  } as unknown as DatasetCatalogue;
}

function refusal(run: () => unknown): { code: string; field: string | undefined; message: string } {
  try {
    run();
  } catch (error) {
    const e = error as AppError;
    return { code: e.code, field: e.fields?.[0]?.field, message: e.message };
  }
  throw new Error('expected a refusal');
}

async function asyncRefusal(run: () => Promise<unknown>): Promise<{ code: string; field: string | undefined; message: string }> {
  try {
    await run();
  } catch (error) {
    const e = error as AppError;
    return { code: e.code, field: e.fields?.[0]?.field, message: e.message };
  }
  throw new Error('expected a refusal');
}

describe('checking a configuration', () => {
  it('returns the model planned on the dataset', () => {
    const plan = checkTrainable(config({ hidden: [8, 4] }), catalogue);
    expect(plan.text).toBe('linear(8),relu,linear(4),relu');
    expect(plan.layers.at(-1)?.text).toBe('linear(3)');
  });

  it('refuses a test split on a dataset that has its own test set', () => {
    expect(refusal(() => checkTrainable(config({ test_split: 0.2 }), withTestRows('iris', 30)))).toEqual({
      code: 'BAD_INPUT',
      field: 'test_split',
      message: 'Invalid input: test_split: iris has its own test set (30 samples), evaluated once after training; test_split does not apply to it.',
    });
    expect(() => checkTrainable(config(), withTestRows('iris', 30))).not.toThrow();
  });

  it('checks the split over the rows before a dataset’s own test set only', () => {
    // 150 rows, the last 146 its test set: the 4 left (all setosa) cannot give both validation and training data.
    expect(() => checkTrainable(config({ val_split: 0.9 }), catalogue)).not.toThrow();
    expect(refusal(() => checkTrainable(config({ val_split: 0.9 }), withTestRows('iris', 146)))).toMatchObject({ field: 'val_split', message: expect.stringContaining('leaves no training data (4 rows)') });
  });

  it('refuses a split that leaves a part empty, naming its field', () => {
    expect(refusal(() => checkTrainable(config({ val_split: 0.001 }), catalogue))).toMatchObject({ code: 'BAD_INPUT', field: 'val_split' });
    expect(refusal(() => checkTrainable(config({ test_split: 0.001 }), catalogue))).toMatchObject({ code: 'BAD_INPUT', field: 'test_split' });
  });

  it.each(['tensorflow', 'tensorflow-cuda'] as const)('refuses the native backend %s where its package is not installed, saying how to install it', (backend) => {
    const pkg = backend === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
    expect(refusal(() => checkTrainable(config({ backend }), catalogue))).toEqual({
      code: 'BACKEND_UNAVAILABLE',
      field: 'backend',
      message: expect.stringMatching(new RegExp(`^Invalid input: backend: backend ${backend} is not available: package ${pkg.replace('/', '\\/')} is not installed\\..*npm install ${pkg.replace('/', '\\/')}@4\\.22\\.0`)),
    });
  });

  it('accepts webgpu where its packages are installed, and the other backends always', () => {
    for (const backend of ['webgpu', 'wasm', 'cpu', 'auto']) expect(() => checkTrainable(config({ backend }), catalogue)).not.toThrow();
  });

  it('refuses geometric augmentation on a table, and augmentation it cannot read; noise applies to any data', () => {
    expect(refusal(() => checkTrainable(config({ augment: 'rotate=10' }), catalogue))).toEqual({
      code: 'BAD_INPUT',
      field: 'augment',
      message: 'Invalid input: augment: rotate, shift, scale, flip and crop apply to images; iris is a table, so only noise applies.',
    });
    expect(() => checkTrainable(config({ augment: 'noise=0.1' }), catalogue)).not.toThrow();
    expect(() => checkTrainable(config({ dataset: 'digits', augment: 'rotate=10,flip=h' }), catalogue)).not.toThrow();
  });

  it('refuses an overfit batch larger than the training set, and takes one exactly as large', () => {
    // Iris: 150 rows, 30 held out for validation.
    expect(refusal(() => checkTrainable(config({ overfit_batch: 121 }), catalogue))).toEqual({ code: 'BAD_INPUT', field: 'overfit_batch', message: 'Invalid input: overfit_batch: 121 is larger than the training set (120 samples).' });
    expect(() => checkTrainable(config({ overfit_batch: 120 }), catalogue)).not.toThrow();
  });

  it('refuses a model that does not apply to the data, in the field that chose it, naming the dataset', () => {
    expect(refusal(() => checkTrainable(config({ layers: 'conv2d(4,3)' }), catalogue))).toMatchObject({ code: 'BAD_INPUT', field: 'layers', message: expect.stringMatching(/\(dataset iris\)\.$/) });
    expect(refusal(() => checkTrainable(config({ model: 'cnn' }), catalogue))).toMatchObject({ field: 'model', message: expect.stringMatching(/\(dataset iris\)\.$/) });
    expect(() => checkTrainable(config({ dataset: 'digits', model: 'cnn' }), catalogue)).not.toThrow();
  });

  it('refuses frozen layers the model does not have, unless the layers come from a parent run', () => {
    expect(refusal(() => checkTrainable(config({ freeze: '5' }), catalogue))).toMatchObject({ code: 'BAD_INPUT', field: 'freeze' });
    expect(() => checkTrainable(config({ freeze: '5', from_run: 1 }), catalogue)).not.toThrow();
  });
});

describe('planning a run', () => {
  const tempDir = useTempDir();
  const stores: SqliteStore[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
  });
  const openStore = () => {
    const store = SqliteStore.open({ path: join(tempDir(), 'plan.db'), explicit: true });
    stores.push(store);
    return store;
  };

  it('a run from scratch: its kind, frozen layers and model, and the preset it names', async () => {
    const store = openStore();
    expect(await planRun(config({ hidden: [8, 4], freeze: '0' }), catalogue, store)).toMatchObject({ kind: 'train', parentRunId: null, frozenLayers: [0], initialWeights: null, splitSeed: null, modelName: null });
    expect(await planRun(config({ overfit_batch: 8 }), catalogue, store)).toMatchObject({ kind: 'sanity' });
    expect(await planRun(config({ dataset: 'digits', model: 'cnn' }), catalogue, store)).toMatchObject({ modelName: 'cnn', model: { text: expect.stringContaining('conv2d') } });
    expect(await planRun(config({ model: 'mlp' }), catalogue, store)).toMatchObject({ modelName: null });
    expect(await planRun(config({ dataset: 'digits', layers: 'linear(4)' }), catalogue, store)).toMatchObject({ modelName: null, model: { text: 'flatten,linear(4)' } });
  });

  /** A finished parent run on `dataset` with seed 21, whose final weights' manifest is written as given, with its weights file. */
  async function parent(store: SqliteStore, dataset: string, manifest: Partial<CheckpointManifest> | null, status: 'finished' | 'failed' = 'finished', model?: string) {
    const run = await store.createRun({ experiment: 'e', config: {}, params: { dataset, ...(model ? { model } : {}) }, seed: 21, backend: 'wasm', dataset });
    const outcome: RunOutcome = { stop_reason: 'completed', best_epoch: 1, restored_best: false, frozen_layers: [], output_layer_replaced: false, checkpoint: { final: status === 'finished', best: false }, train_size: 1, val_size: 1, test_size: 0 };
    await store.endRun(run.run_id, { status, time: 1, outcome });
    if (manifest) {
      const file = checkpointFiles(checkpointDirectory(store.filesDir, run.run_id), 'final').manifest;
      mkdirSync(dirname(file), { recursive: true });
      const info = catalogue.info(dataset);
      const full: CheckpointManifest = { format: 'runboard-weights-2', layers: 'linear(8), relu', mlp: null, input_shape: { kind: 'flat', size: info.features }, classes: info.classes, feature_names: [], epoch: 1, weights: [], ...manifest };
      writeFileSync(file, JSON.stringify(full));
      // The weights file beside it, as long as the manifest's tensors need (a checkpoint is checked whole).
      const floats = Math.max(0, ...full.weights.flatMap((l) => l.tensors.map((t) => t.offset + t.shape.reduce((a, b) => a * b, 1))));
      writeFileSync(checkpointFiles(checkpointDirectory(store.filesDir, run.run_id), 'final').weights, Buffer.alloc(floats * 4));
    }
    return run.run_id;
  }

  it('fine-tuning on the parent’s dataset reuses its layers, its weights and its split; the output layer is kept', async () => {
    const store = openStore();
    const id = await parent(store, 'iris', { layers: 'linear(6), tanh' }, 'finished', 'mlp-ish');
    const plan = await planRun(config({ from_run: id, hidden: [99], seed: 5, freeze: '0' }), catalogue, store);
    expect(plan).toMatchObject({
      kind: 'train',
      parentRunId: id,
      frozenLayers: [0],
      initialWeights: { manifest: checkpointFiles(checkpointDirectory(store.filesDir, id), 'final').manifest, replaceOutput: false },
      splitSeed: 21,
      modelName: 'mlp-ish',
      config: { layers: 'linear(6), tanh', model: undefined, hidden: [99] },
    });
    expect(plan.model.text).toBe('linear(6),tanh');
  });

  it('an MLP parent is rebuilt from its hidden sizes and activation, with the child’s own dropout', async () => {
    const store = openStore();
    const id = await parent(store, 'iris', { mlp: { hidden: [5, 3], activation: 'tanh' } });
    const plan = await planRun(config({ from_run: id, dropout: 0.2 }), catalogue, store);
    expect(plan.config).toMatchObject({ hidden: [5, 3], activation: 'tanh', layers: undefined, model: undefined });
    expect(plan.model.text).toBe('linear(5),tanh,dropout(0.2),linear(3),tanh,dropout(0.2)');
    expect(plan.modelName).toBeNull();
  });

  it('on another dataset with other classes, the output layer is replaced, so it cannot be frozen, and the child’s seed splits', async () => {
    const store = openStore();
    const id = await parent(store, 'moons', {});
    const plan = await planRun(config({ dataset: 'spirals', from_run: id, freeze: '0' }), catalogue, store);
    expect(plan).toMatchObject({ initialWeights: { replaceOutput: true }, splitSeed: null, frozenLayers: [0] });
    expect(await asyncRefusal(() => planRun(config({ dataset: 'spirals', from_run: id, freeze: '1' }), catalogue, store))).toEqual({
      code: 'BAD_INPUT',
      field: 'freeze',
      message: `Invalid input: freeze: the output layer is replaced (run ${id} has classes 0, 1; spirals has 0, 1, 2), so it cannot be frozen.`,
    });
  });

  it('the same number of classes under other names replaces the output layer too', async () => {
    const store = openStore();
    const id = await parent(store, 'moons', { classes: ['left', 'right'] });
    expect(await planRun(config({ dataset: 'moons', from_run: id, freeze: '1' }), catalogue, store).catch((e: AppError) => e.fields?.[0]?.field)).toBe('freeze');
    const same = await parent(store, 'moons', {});
    expect(await planRun(config({ dataset: 'moons', from_run: same, freeze: '1' }), catalogue, store)).toMatchObject({ initialWeights: { replaceOutput: false }, frozenLayers: [1] });
  });

  it('refuses a parent that does not exist, one without weights, and one whose input shape differs', async () => {
    const store = openStore();
    expect(await asyncRefusal(() => planRun(config({ from_run: 77 }), catalogue, store))).toEqual({ code: 'NOT_FOUND', field: 'from_run', message: 'Invalid input: from_run: run 77 does not exist.' });
    const failed = await parent(store, 'iris', null, 'failed');
    expect(await asyncRefusal(() => planRun(config({ from_run: failed }), catalogue, store))).toEqual({
      code: 'BAD_INPUT',
      field: 'from_run',
      message: `Invalid input: from_run: run ${failed} has no saved weights (only runs that finished keep them; it ended failed).`,
    });
    // A parent still running has no outcome yet: a refusal naming its status, not a TypeError.
    const running = await store.createRun({ experiment: 'e', config: {}, params: { dataset: 'iris' }, seed: 21, backend: 'wasm', dataset: 'iris' });
    expect(await asyncRefusal(() => planRun(config({ from_run: running.run_id }), catalogue, store))).toEqual({
      code: 'BAD_INPUT',
      field: 'from_run',
      message: `Invalid input: from_run: run ${running.run_id} has no saved weights (only runs that finished keep them; it is queued and has not finished).`,
    });
    const missingFile = await parent(store, 'iris', null, 'finished');
    expect(await asyncRefusal(() => planRun(config({ from_run: missingFile }), catalogue, store))).toMatchObject({ field: 'from_run', message: expect.stringContaining('has no saved weights') });
    const moons = await parent(store, 'moons', {});
    expect(await asyncRefusal(() => planRun(config({ from_run: moons }), catalogue, store))).toEqual({
      code: 'BAD_INPUT',
      field: 'from_run',
      message: `Invalid input: from_run: run ${moons} takes inputs of 2 but iris has 4: the input shapes differ.`,
    });
  });
});
