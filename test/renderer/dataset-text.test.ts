import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../src-shared/entities/dataset';
import { datasetSizeText } from '../../src-renderer/lib/dataset-text';
import { datasetNameFromPath, parseImageSize } from '../../src-renderer/lib/image-import';

const info = (overrides: Partial<DatasetInfo>): DatasetInfo => ({
  name: 'd',
  title: 'd',
  description: '',
  kind: 'image',
  rows: 70_000,
  test_rows: 10_000,
  features: 784,
  classes: Array.from({ length: 10 }, (_, c) => String(c)),
  image_shape: [1, 28, 28],
  source: '',
  builtin: false,
  origin: 'imported',
  ...overrides,
});

describe('how the catalogue describes a dataset', () => {
  it('an image dataset by its images, its own test part, its shape and classes', () => {
    expect(datasetSizeText(info({}))).toBe('70,000 images (10,000 test) · 1×28×28 · 10 classes');
    expect(datasetSizeText(info({ rows: 1797, test_rows: 0, image_shape: [1, 8, 8] }))).toBe('1,797 images · 1×8×8 · 10 classes');
  });

  it('a table by its rows and features', () => {
    expect(datasetSizeText(info({ kind: 'tabular', rows: 150, test_rows: 0, features: 4, classes: ['a', 'b', 'c'], image_shape: null }))).toBe('150 rows · 4 features · 3 classes');
  });
});

describe('the image import by path', () => {
  it('names the dataset after the last folder of the path', () => {
    expect(datasetNameFromPath('/data/flowers/')).toBe('flowers');
    expect(datasetNameFromPath('C:\\data\\my pets')).toBe('my_pets');
    expect(datasetNameFromPath('/usr/share/datasets/fashion-mnist')).toBe('fashion-mnist');
    expect(datasetNameFromPath('  ')).toBe('');
  });

  it('reads a size as WIDTHxHEIGHT, and refuses anything else with the form to write', () => {
    expect(parseImageSize('32x24')).toEqual({ ok: true, value: { width: 32, height: 24 } });
    expect(parseImageSize(' 28 × 28 ')).toEqual({ ok: true, value: { width: 28, height: 28 } });
    expect(parseImageSize('')).toEqual({ ok: true, value: null });
    expect(parseImageSize('32')).toMatchObject({ ok: false, message: expect.stringContaining('e.g. 32x32') });
    expect(parseImageSize('0x10')).toMatchObject({ ok: false });
    expect(parseImageSize('2000x10')).toMatchObject({ ok: false });
  });
});
