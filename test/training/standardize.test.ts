/**
 * `--standardize`: "scale features with training-split statistics only" (README). `preprocessRows` is tested on its
 * own in data.test.ts; this checks what a run does with it. The oracle: a run with `standardize` on the raw data
 * trains exactly like a run without it on data standardised by hand with the training split's statistics. The data
 * make the difference visible: the validation rows sit far from the training rows, so statistics over every row
 * are far from the training split's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTable, type DatasetSource } from '../../src-main/datasets';
import { loadBackend } from '../../src-main/training/worker/backends';
import { preprocessRows, stratifiedSplit } from '../../src-main/training/data';
import type { Tf } from '../../src-main/training/worker/model';
import { prepareRun, seedMathRandom } from '../../src-main/training/worker/run-training';
import { trainConfigSchema } from '../../src-shared/entities/train-config';
import { Prng } from '../../src-shared/prng';
import { useTempDir } from '../helpers/temp';

let tf: Tf;
const tempDir = useTempDir();
const SEED = 7;
const VAL_SPLIT = 0.2;
const WIDTH = 4;
const CLASSES = ['a', 'b', 'c'];

beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

/** A CSV dataset with the given features (rows x WIDTH) and labels, as a source that keeps the features as they are. */
function csvSource(name: string, features: ArrayLike<number>, labels: ArrayLike<number>): DatasetSource {
  const lines = [[...Array.from({ length: WIDTH }, (_, c) => `f${c}`), 'label'].join(',')];
  for (let row = 0; row < labels.length; row++) {
    const cells = Array.from({ length: WIDTH }, (_, c) => String(features[row * WIDTH + c]));
    lines.push([...cells, CLASSES[labels[row] as number]].join(','));
  }
  const file = join(tempDir(), `${name}.csv`);
  writeFileSync(file, lines.join('\n') + '\n');
  return { name, kind: 'csv', file, preprocessing: { kind: 'none' }, imageShape: null, view: null };
}

async function trainedEpochs(source: DatasetSource, standardize: boolean): Promise<Record<string, number>[]> {
  const config = { ...trainConfigSchema.parse({ dataset: source.name, standardize, val_split: VAL_SPLIT, hidden: [8], dropout: 0, epochs: 3, batch_size: 16, lr: 0.1, backend: 'wasm' }), seed: SEED };
  seedMathRandom(config.seed);
  const run = prepareRun(tf, { config, dataset: source, checkpointDir: null, initialWeights: null, frozenLayers: [] });
  const epochs: Record<string, number>[] = [];
  await run.train({ shouldStop: () => false, onEpoch: (_epoch, metrics) => void epochs.push(metrics), onMetrics: () => undefined, onArtifact: () => undefined });
  return epochs;
}

describe('--standardize in a run', () => {
  it('scales the features with the training split’s statistics, never with the validation rows’', async () => {
    const rows = 90;
    const labels = Int32Array.from({ length: rows }, (_, row) => row % CLASSES.length);
    // The run's split depends on the labels and the seed only: the same call as prepareRun's.
    const split = stratifiedSplit(labels, CLASSES.length, VAL_SPLIT, new Prng(SEED).fork(1));
    const validation = new Set(split.val);
    const rng = new Prng(3);
    const features = new Float64Array(rows * WIDTH);
    for (let row = 0; row < rows; row++) {
      for (let c = 0; c < WIDTH; c++) {
        const signal = (labels[row] as number) * (c + 1) + 3 * rng.next();
        features[row * WIDTH + c] = signal * (c + 1) + (validation.has(row) ? 500 : 0);
      }
    }
    const raw = csvSource('raw', features, labels);
    const table = loadTable(raw);
    expect([...table.labels], 'the table the run loads has these labels, in this order').toEqual([...labels]);
    const everyRow = Int32Array.from({ length: rows }, (_, row) => row);
    const standardize = { kind: 'standardize' } as const;
    const byTrainingSplit = csvSource('by-training-split', preprocessRows(table.features, WIDTH, everyRow, standardize, split.train), labels);
    const byEveryRow = csvSource('by-every-row', preprocessRows(table.features, WIDTH, everyRow, standardize, everyRow), labels);

    const run = await trainedEpochs(raw, true);
    expect(run).toEqual(await trainedEpochs(byTrainingSplit, false));
    // The fixture tells the two apart: statistics over every row would have trained another network.
    expect(await trainedEpochs(byEveryRow, false)).not.toEqual(run);
  });
});
