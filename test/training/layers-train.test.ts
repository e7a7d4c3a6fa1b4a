/**
 * Every layer a layer list can name trains on the WebAssembly and the pure JavaScript backends (issue: "every backend
 * runs every layer, or the run is refused"), without leaking a tensor, and the initialiser applies to convolutions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetCatalogue } from '../../src-main/datasets';
import { loadBackend } from '../../src-main/training/worker/backends';
import type { Tf } from '../../src-main/training/worker/model';
import { prepareRun, seedMathRandom } from '../../src-main/training/worker/run-training';
import type { ConvFilters, ModelSummary } from '../../src-shared/entities/model-summary';
import { trainConfigSchema, type TrainConfigInput } from '../../src-shared/entities/train-config';

let tf: Tf;
const catalogue = new DatasetCatalogue({ userDir: null });

beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

async function train(input: Partial<TrainConfigInput>) {
  const config = { ...trainConfigSchema.parse({ dataset: 'digits:classes=0-3', epochs: 1, batch_size: 64, lr: 0.01, backend: 'wasm', ...input }), seed: 5 };
  seedMathRandom(config.seed);
  const run = prepareRun(tf, { config, dataset: catalogue.source(config.dataset), checkpointDir: null, initialWeights: null, frozenLayers: [] });
  const epochs: Record<string, number>[] = [];
  const artifacts: Record<string, unknown> = {};
  const before = tf.memory().numTensors;
  const { status } = await run.train({
    shouldStop: () => false,
    onEpoch: (_e, m) => void epochs.push(m),
    onMetrics: () => undefined,
    onArtifact: (name, data) => void (artifacts[name] = data),
  });
  return { status, epochs, artifacts, leaked: tf.memory().numTensors - before };
}

/** Every layer kind but flatten (which the next test's model has): image layers first, then flat ones. */
const EVERY_LAYER = [
  'conv2d(4,3,padding=same),batchnorm,leaky_relu(0.1),maxpool2d(2)',
  'conv2d(6,3,stride=2,padding=same),gelu,avgpool2d(2,1)',
  'conv2d(6,1),elu,global_avg_pool,batchnorm,selu,linear(8),tanh,dropout(0.2),linear(8),sigmoid,linear(8),relu',
].join(',');

describe('every layer trains', () => {
  it.each(['wasm', 'cpu'] as const)('on the %s backend: one epoch of a model with every layer kind, finite losses, no tensor left behind', async (backend) => {
    await tf.setBackend(backend);
    try {
      const { status, epochs, leaked } = await train({ layers: EVERY_LAYER, backend });
      expect(status).toBe('finished');
      expect(Number.isFinite(epochs[0]?.train_loss)).toBe(true);
      expect(Number.isFinite(epochs[0]?.val_loss)).toBe(true);
      expect(leaked).toBe(0);
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('initialises every convolution with --init (uniform:0,1 gives kernels in [0, 1)) and records the first one\'s filters and the model', async () => {
    const { artifacts } = await train({ layers: 'conv2d(8,3),relu,flatten', init: 'uniform:0,1', epochs: 1 });
    const filters = artifacts.filters as ConvFilters;
    expect(filters.layer).toBe('conv2d(8,3)');
    expect(filters.shape).toEqual([3, 3, 1, 8]);
    expect(filters.initial).toHaveLength(72);
    expect(filters.initial.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(filters.final).not.toBeNull();
    expect(filters.final).not.toEqual(filters.initial);
    const model = artifacts.model as ModelSummary;
    expect(model.layers.map((l) => [l.text, l.output, l.params, l.weight_index])).toEqual([
      ['conv2d(8,3)', [8, 6, 6], 80, 0],
      ['relu', [8, 6, 6], 0, null],
      ['flatten', [288], 0, null],
      ['linear(4)', [4], 1156, 1],
    ]);
    expect(model).toMatchObject({ input: [1, 8, 8], params: 1236, trainable_params: 1236 });
  });
});
