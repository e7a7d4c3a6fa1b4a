import { describe, expect, it } from 'vitest';
import { gatherLabels, preprocessRows, stratifiedSplit } from '../../src-main/training/data';
import { Prng } from '../../src-shared/prng';
import { trainConfigSchema } from '../../src-shared/entities/train-config';
import { linearModelCsv } from '../datasets/helpers';
import { requireBuiltWorker, useCore } from '../helpers/core';

requireBuiltWorker();
const newCore = useCore();

/** The reference: multinomial logistic regression by full-batch gradient descent, in plain JavaScript. */
function logisticRegressionAccuracy(x: Float32Array, y: Int32Array, xVal: Float32Array, yVal: Int32Array, width: number, classes: number): number {
  const n = y.length;
  const w = new Float64Array(width * classes);
  const b = new Float64Array(classes);
  const scores = (input: Float32Array, row: number) =>
    Array.from({ length: classes }, (_, c) => {
      let s = b[c] as number;
      for (let j = 0; j < width; j++) s += (input[row * width + j] as number) * (w[j * classes + c] as number);
      return s;
    });
  for (let iteration = 0; iteration < 400; iteration++) {
    const gw = new Float64Array(w.length);
    const gb = new Float64Array(classes);
    for (let i = 0; i < n; i++) {
      const s = scores(x, i);
      const max = Math.max(...s);
      const e = s.map((v) => Math.exp(v - max));
      const z = e.reduce((p, q) => p + q, 0);
      for (let c = 0; c < classes; c++) {
        const g = (e[c] as number) / z - (y[i] === c ? 1 : 0);
        gb[c] = (gb[c] as number) + g / n;
        for (let j = 0; j < width; j++) gw[j * classes + c] = (gw[j * classes + c] as number) + ((x[i * width + j] as number) * g) / n;
      }
    }
    for (let k = 0; k < w.length; k++) w[k] = (w[k] as number) - 0.5 * (gw[k] as number);
    for (let c = 0; c < classes; c++) b[c] = (b[c] as number) - 0.5 * (gb[c] as number);
  }
  let correct = 0;
  for (let i = 0; i < yVal.length; i++) {
    const s = scores(xVal, i);
    if (s.indexOf(Math.max(...s)) === yVal[i]) correct++;
  }
  return correct / yVal.length;
}

describe('your own data', () => {
  it('an imported tabular dataset (300 rows, 12 features) trains with --standardize as well as a logistic regression on the same split', async () => {
    const { core } = await newCore();
    await core.datasets.import({ name: 'linear', csv: linearModelCsv({ rows: 300, features: 12, classes: 3, seed: 5 }), filename: 'linear.csv' });
    const config = trainConfigSchema.parse({ dataset: 'linear', standardize: true, hidden: [32], dropout: 0, optimizer: 'adam', lr: 0.01, epochs: 80, seed: 4, backend: 'wasm' });
    const run = await core.trainer.start(config);
    expect(await core.trainer.wait(run.run_id)).toBe('finished');
    const mlp = (await core.store.getRun(run.run_id))?.metrics.val_accuracy as number;

    const table = core.datasets.table('linear');
    const width = table.featureNames.length;
    const split = stratifiedSplit(table.labels, table.classes.length, 0.2, new Prng(4).fork(1));
    const standardize = { kind: 'standardize' } as const;
    const reference = logisticRegressionAccuracy(
      preprocessRows(table.features, width, split.train, standardize, split.train),
      gatherLabels(table.labels, split.train),
      preprocessRows(table.features, width, split.val, standardize, split.train),
      gatherLabels(table.labels, split.val),
      width,
      table.classes.length,
    );
    expect(reference).toBeGreaterThan(0.85);
    expect(mlp).toBeGreaterThanOrEqual(reference - 0.05);
  });
});
