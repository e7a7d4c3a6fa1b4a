import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src-shared/api/errors';
import { datasetInfoSchema } from '../../src-shared/entities/dataset';
import { DatasetCatalogue, loadTable } from '../../src-main/datasets';
import { builtinDatasetsDir } from '../../src-main/paths';
import { linearModelCsv, useCatalogue } from './helpers';

const setup = useCatalogue();

function thrown(body: () => unknown): AppError {
  try {
    body();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an AppError');
}

describe('the catalogue', () => {
  it('lists the built-ins, the synthetic datasets with their default options, then the imported ones', async () => {
    const { catalogue } = setup();
    await catalogue.import({ name: 'zeta', csv: 'a,label\n1,x\n2,y\n' });
    await catalogue.import({ name: 'alpha', csv: 'a,b,label\n1,2,x\n2,3,y\n4,5,z\n' });
    const list = catalogue.list();
    expect(list.map((d) => [d.name, d.origin, d.builtin, d.kind])).toEqual([
      ['digits', 'builtin', true, 'image'],
      ['iris', 'builtin', true, 'tabular'],
      ['spirals', 'synthetic', false, 'tabular'],
      ['moons', 'synthetic', false, 'tabular'],
      ['blobs', 'synthetic', false, 'tabular'],
      ['alpha', 'imported', false, 'tabular'],
      ['zeta', 'imported', false, 'tabular'],
    ]);
    for (const info of list) expect(datasetInfoSchema.parse(info)).toEqual(info); // what crosses the API is valid
    expect(list.map((d) => [d.rows, d.features, d.classes.length])).toEqual([
      [1797, 64, 10],
      [150, 4, 3],
      [600, 2, 3],
      [500, 2, 2],
      [500, 2, 3],
      [3, 2, 3],
      [2, 1, 2],
    ]);
    expect(list[0]?.image_shape).toEqual([1, 8, 8]);
    expect(list[2]?.source).toMatch(/CS231n.*spirals:n=600,classes=3,noise=0.2,seed=0/);
    expect(list[3]?.source).toMatch(/make_moons/);
  });

  it('shows imports made by another catalogue on the same folder (the CLI while the app runs)', async () => {
    const { catalogue, userDir } = setup();
    const other = new DatasetCatalogue({ userDir });
    await other.import({ name: 'fromcli', csv: 'a,label\n1,x\n2,y\n' });
    expect(catalogue.info('fromcli').rows).toBe(2);
    expect(other.delete('fromcli')).toBe(true);
    expect(catalogue.list().some((d) => d.name === 'fromcli')).toBe(false);
  });

  it('takes no imports without a data folder, and lists no imported datasets', () => {
    const catalogue = new DatasetCatalogue({ userDir: null });
    expect(catalogue.list().map((d) => d.origin)).not.toContain('imported');
    expect(catalogue.delete('anything')).toBe(false);
  });

  it('describes a synthetic spec with its options, named as given', () => {
    const { catalogue } = setup();
    const info = catalogue.info('spirals:n=800,noise=0.1,classes=4');
    expect(info).toMatchObject({ name: 'spirals:n=800,noise=0.1,classes=4', rows: 800, features: 2, classes: ['0', '1', '2', '3'], origin: 'synthetic' });
    expect(catalogue.table('spirals:n=800,noise=0.1,classes=4').rows).toBe(800);
  });

  it('refuses an unknown dataset on field "dataset", listing the available ones (imported included)', async () => {
    const { catalogue } = setup();
    await catalogue.import({ name: 'mine', csv: 'a,label\n1,x\n2,y\n' });
    const error = thrown(() => catalogue.info('mnist'));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toBe('Unknown dataset "mnist". Available: digits, iris, spirals, moons, blobs, mine.');
    expect(error.fields?.[0]?.field).toBe('dataset');
    expect(() => catalogue.table('mnist')).toThrow(/Unknown dataset/);
    expect(() => catalogue.source('mnist')).toThrow(/Unknown dataset/);
  });

  it("refuses a bad synthetic spec with the parser's message, on field \"dataset\"", () => {
    const { catalogue } = setup();
    const error = thrown(() => catalogue.info('moons:classes=3'));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.fields).toEqual([{ field: 'dataset', message: 'moons always has 2 classes' }]);
    expect(thrown(() => catalogue.labels('spirals:n=5')).fields?.[0]?.message).toMatch(/n must be a whole number from 10 to 100000/);
  });
});

describe('sources: what a training worker needs to load the same table', () => {
  it('says how each kind of dataset is loaded and preprocessed', async () => {
    const { catalogue, userDir } = setup();
    await catalogue.import({ name: 'mine', csv: 'a,label\n1,x\n2,y\n' });
    expect(catalogue.source('digits')).toEqual({
      name: 'digits',
      kind: 'csv',
      file: join(builtinDatasetsDir(), 'digits.csv'),
      preprocessing: { kind: 'scale', divisor: 16 },
      imageShape: { channels: 1, height: 8, width: 8 },
      view: null,
    });
    expect(catalogue.source('iris')).toMatchObject({ kind: 'csv', preprocessing: { kind: 'standardize' }, imageShape: null });
    expect(catalogue.source('moons:n=100,seed=2')).toEqual({
      name: 'moons:n=100,seed=2',
      kind: 'synthetic',
      spec: { name: 'moons', n: 100, classes: 2, noise: 0.15, seed: 2 },
      preprocessing: { kind: 'none' },
      imageShape: null,
    });
    expect(catalogue.source('mine')).toEqual({ name: 'mine', kind: 'csv', file: join(userDir, 'mine.csv'), preprocessing: { kind: 'none' }, imageShape: null, view: null });
  });

  it('loadTable(source) reproduces table() exactly, from plain data that survives a trip between processes', async () => {
    const { catalogue } = setup();
    await catalogue.import({ name: 'linear', csv: linearModelCsv({ rows: 300, features: 12, classes: 3, seed: 3 }) });
    for (const dataset of ['digits', 'iris', 'spirals', 'moons:n=200,noise=0.3', 'blobs:classes=5,seed=8', 'linear']) {
      const source = structuredClone(JSON.parse(JSON.stringify(catalogue.source(dataset))) as ReturnType<typeof catalogue.source>);
      const loaded = loadTable(source);
      const table = catalogue.table(dataset);
      expect(loaded, dataset).toEqual(table);
      expect(Buffer.from(loaded.features.buffer).equals(Buffer.from(table.features.buffer)), dataset).toBe(true);
    }
  });

  it('reads each table once per dataset string', () => {
    const { catalogue } = setup();
    expect(catalogue.table('iris')).toBe(catalogue.table('iris'));
    expect(catalogue.labels('blobs:seed=1')).toBe(catalogue.labels('blobs:seed=1'));
    expect(catalogue.labels('blobs:seed=1')).not.toBe(catalogue.labels('blobs:seed=2'));
  });

  it('reads the built-ins as before: iris has 150 flowers of 3 species, digits 1797 8x8 images', () => {
    const { catalogue } = setup();
    const iris = catalogue.table('iris');
    expect(iris.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(iris.featureNames).toEqual(['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm']);
    expect([...iris.features.slice(0, 4)]).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
    const digits = catalogue.table('digits');
    expect(digits.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(Math.max(...digits.features)).toBe(16);
  });
});
