import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../src-shared/entities/dataset';
import { MODEL_PRESETS } from '../../src-shared/model/layers';
import { formData } from '../../src-renderer/lib/dataset-shape';
import { previewModel, type RunLookup } from '../../src-renderer/lib/model-preview';
import { CUSTOM_MODEL, defaultFormValues, formValuesFromParams, toTrainConfig, type FormValues } from '../../src-renderer/lib/new-run-fields';

const dataset = (overrides: Partial<DatasetInfo> & Pick<DatasetInfo, 'name'>): DatasetInfo => ({
  title: overrides.name,
  description: '',
  kind: 'image',
  rows: 100,
  test_rows: 0,
  features: 64,
  classes: Array.from({ length: 10 }, (_, c) => String(c)),
  image_shape: [1, 8, 8],
  source: '',
  builtin: true,
  origin: 'builtin',
  ...overrides,
});

const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const DATASETS: DatasetInfo[] = [
  dataset({ name: 'digits' }),
  dataset({ name: 'iris', kind: 'tabular', features: 4, classes: ['setosa', 'versicolor', 'virginica'], image_shape: null }),
  dataset({ name: 'fashion', features: 784, rows: 70_000, test_rows: 10_000, classes: FASHION, image_shape: [1, 28, 28], origin: 'imported', builtin: false }),
  dataset({ name: 'spirals', kind: 'tabular', features: 2, classes: ['0', '1', '2'], image_shape: null, origin: 'synthetic' }),
];
const noRuns: RunLookup = () => undefined;

function form(overrides: Partial<FormValues>): FormValues {
  return { ...defaultFormValues(), ...overrides };
}

describe('the data the New run form names', () => {
  it('a view keeps its classes, renumbered in its order; a generator its number of classes', () => {
    const view = formData('fashion:classes=5-9,n=1000', DATASETS);
    expect(view).toMatchObject({ ok: true, value: { input: { kind: 'image', channels: 1, height: 28, width: 28 }, classes: ['Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] } });
    expect(formData('spirals:classes=5', DATASETS)).toMatchObject({ ok: true, value: { input: { kind: 'flat', size: 2 }, classes: ['0', '1', '2', '3', '4'] } });
    expect(formData('nowhere', DATASETS)).toBeNull();
  });

  it('a class that does not exist is refused as the host refuses it, with the class list', () => {
    expect(formData('iris:classes=1-4', DATASETS)).toEqual({ ok: false, message: 'iris has classes 0-2 (0 setosa, 1 versicolor, 2 virginica); class 3, 4 does not exist' });
    expect(formData('digits:classes=3', DATASETS)).toMatchObject({ ok: false, message: expect.stringContaining('keeps one class') });
  });
});

describe('the live model of the New run form', () => {
  it('plans the cnn preset on digits: output shapes, parameters, the added output layer and the total', () => {
    const preview = previewModel(form({ dataset: 'digits', model: 'cnn' }), DATASETS, noRuns);
    expect(preview.errors).toEqual({});
    const layers = preview.summary?.layers ?? [];
    expect(layers.map((l) => l.text)).toEqual([...MODEL_PRESETS.cnn.split(/,(?![^(]*\))/), 'linear(10)']);
    expect(layers[0]).toMatchObject({ output: [32, 8, 8], params: 3 * 3 * 1 * 32 + 32, weight_index: 0 });
    expect(layers.at(-1)).toMatchObject({ added: 'output', output: [10], params: 128 * 10 + 10 });
    expect(preview.summary?.params).toBe(layers.reduce((sum, l) => sum + l.params, 0));
  });

  it('a custom layer that does not fit the data is refused next to the layer list, with its column and the shape it met', () => {
    const preview = previewModel(form({ dataset: 'digits', model: CUSTOM_MODEL, layers: 'conv2d(8,3),maxpool2d(2),conv2d(8,5)' }), DATASETS, noRuns);
    expect(preview.summary).toBeNull();
    expect(preview.errors.layers).toBe(
      'layer 3 (conv2d(8,5), column 26) has a 5×5 kernel but meets an image of 8×3×3 (channels×height×width): the kernel is larger than the image (dataset digits)',
    );
    expect(previewModel(form({ dataset: 'iris', model: 'cnn' }), DATASETS, noRuns).errors.model).toContain('this dataset is a table, not images');
  });

  it('freeze conv marks the convolutional part; on an MLP it is refused', () => {
    const cnn = previewModel(form({ dataset: 'digits', model: 'cnn', freeze: 'conv' }), DATASETS, noRuns);
    expect(cnn.summary?.layers.filter((l) => l.frozen).map((l) => l.text)).toEqual(['conv2d(32,3,padding=same)', 'conv2d(32,3)']);
    expect(cnn.summary?.trainable_params).toBe((cnn.summary?.params ?? 0) - (3 * 3 * 32 + 32) - (3 * 3 * 32 * 32 + 32));
    expect(previewModel(form({ dataset: 'digits', freeze: 'conv' }), DATASETS, noRuns).errors.freeze).toBe('freeze conv: the model has no convolutional layer');
  });

  it('geometric augmentation on a table and a test split on a dataset with its own test set are refused', () => {
    expect(previewModel(form({ dataset: 'iris', augment: 'rotate=10' }), DATASETS, noRuns).errors.augment).toBe(
      'rotate, shift, scale, flip and crop apply to images; iris is a table, so only noise applies',
    );
    expect(previewModel(form({ dataset: 'iris', augment: 'noise=0.1' }), DATASETS, noRuns).errors).toEqual({});
    expect(previewModel(form({ dataset: 'fashion', test_split: '0.1' }), DATASETS, noRuns).errors.test_split).toContain('has its own test set (10000 samples)');
  });

  it("a fine-tuning reuses the parent's layers on data of the same shape, and replaces its output layer for other classes", () => {
    const parent = { run_id: 7, params: { dataset: 'digits:classes=0-4', model: 'cnn', layers: MODEL_PRESETS.cnn } };
    const runs: RunLookup = (id) => (id === 7 ? parent : undefined);
    const values = { ...formValuesFromParams(parent.params, 'default', 'finetune', 7), dataset: 'digits:classes=5-9' };
    expect(values.freeze).toBe('conv');
    const preview = previewModel(values, DATASETS, runs);
    expect(preview).toMatchObject({ parentRunId: 7, replacesOutput: true, errors: {} });
    expect(preview.summary?.layers.filter((l) => l.frozen)).toHaveLength(2);
    // Onto data of another shape: refused on the parent field, as the host refuses it.
    expect(previewModel({ ...values, dataset: 'fashion' }, DATASETS, runs).errors.from_run).toBe(
      'run 7 takes inputs of 1×8×8 but fashion has 1×28×28: the input shapes differ',
    );
    // The output layer is replaced, so it cannot stay frozen.
    expect(previewModel({ ...values, freeze: '3' }, DATASETS, runs).errors.freeze).toBe(
      'the output layer is replaced (run 7 has other classes than digits), so it cannot be frozen',
    );
  });
});

describe('the Model choice as the form sends it', () => {
  it('custom sends the layer list only, a preset its name only, the MLP its hidden layers', () => {
    expect(toTrainConfig(form({ dataset: 'digits', model: CUSTOM_MODEL, layers: ' conv2d(4,3),flatten ' }))).toMatchObject({ layers: 'conv2d(4,3),flatten' });
    expect(toTrainConfig(form({ dataset: 'digits', model: CUSTOM_MODEL, layers: 'x' }))).not.toHaveProperty('hidden');
    expect(toTrainConfig(form({ dataset: 'digits', model: 'cnn', layers: 'conv2d(4,3)' }))).toMatchObject({ model: 'cnn' });
    expect(toTrainConfig(form({ dataset: 'digits', model: 'cnn', layers: 'conv2d(4,3)' }))).not.toHaveProperty('layers');
    expect(toTrainConfig(form({ dataset: 'digits' }))).toMatchObject({ hidden: [256, 256], activation: 'relu', dropout: 0.2 });
  });

  it("a run made from a layer list clones as Custom layers; one made from a preset as that preset", () => {
    expect(formValuesFromParams({ dataset: 'digits', layers: 'conv2d(4,3),relu' }, 'default')).toMatchObject({ model: CUSTOM_MODEL, layers: 'conv2d(4,3),relu' });
    expect(formValuesFromParams({ dataset: 'digits', model: 'lenet5', layers: MODEL_PRESETS.lenet5 }, 'default')).toMatchObject({ model: 'lenet5', layers: '' });
    expect(formValuesFromParams({ dataset: 'digits', hidden: '32,16', layers: 'linear(32),relu,linear(16),relu' }, 'default')).toMatchObject({ model: 'mlp', hidden: '32,16' });
  });
});
