/**
 * `--dropout 0.5,0.2`: one rate per hidden layer, always after the activation (README). Checked on the model that is
 * built (each dropout layer's place and rate), on what dropout does (on in training, off in evaluation), and on a run
 * (each layer's rate changes training).
 */
import type * as tfType from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatasetCatalogue } from '../../src-main/datasets';
import { loadBackend } from '../../src-main/training/worker/backends';
import { buildModel, logitsOf, type ModelSpec, type Tf } from '../../src-main/training/worker/model';
import { prepareRun, seedMathRandom } from '../../src-main/training/worker/run-training';
import { dropoutRates, flattenParams, trainConfigSchema, type TrainConfigInput } from '../../src-shared/entities/train-config';
import { mlpLayers } from '../../src-shared/model/layers';
import { planModel } from '../../src-shared/model/shapes';

let tf: Tf;
const catalogue = new DatasetCatalogue({ userDir: null });
const models: tfType.Sequential[] = [];

beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

afterEach(() => {
  for (const model of models.splice(0)) model.dispose();
});

const spec = (hidden: number[], dropout: number[]): ModelSpec => {
  const input = { kind: 'flat', size: 4 } as const;
  const plan = planModel(mlpLayers(hidden, 'relu', dropout), input, 3);
  if (!plan.ok) throw new Error(plan.message);
  return { input, plan: plan.value, init: { name: 'glorot-uniform' }, biasInit: { name: 'zeros' } };
};

function build(modelSpec: ModelSpec): tfType.Sequential {
  const model = buildModel(tf, modelSpec);
  models.push(model);
  return model;
}

/** Each layer as `Dense(relu)`, `Dropout(0.5)`, `Activation(softmax)`, input side first. */
function layout(model: tfType.Sequential): string[] {
  return model.layers.map((layer) => {
    const config = layer.getConfig() as { rate?: number; activation?: string };
    const name = layer.getClassName();
    return name === 'Dropout' ? `Dropout(${config.rate})` : `${name}(${config.activation ?? ''})`;
  });
}

describe('the model built for per-layer dropout', () => {
  it("puts a dropout layer after each hidden activation with that layer's own rate, and none where the rate is 0", () => {
    expect(layout(build(spec([16, 8, 4], [0.5, 0, 0.25])))).toEqual([
      'Dense(relu)',
      'Dropout(0.5)',
      'Dense(relu)',
      'Dense(relu)',
      'Dropout(0.25)',
      'Dense(linear)',
      'Activation(softmax)',
    ]);
    expect(layout(build(spec([16, 8], [0, 0.3])))).toEqual(['Dense(relu)', 'Dense(relu)', 'Dropout(0.3)', 'Dense(linear)', 'Activation(softmax)']);
  });

  it('one rate given for the run applies to every hidden layer', () => {
    const config = trainConfigSchema.parse({ dataset: 'iris', hidden: [16, 8], dropout: 0.4 });
    expect(dropoutRates(config)).toEqual([0.4, 0.4]);
    expect(layout(build(spec(config.hidden, dropoutRates(config))))).toEqual(['Dense(relu)', 'Dropout(0.4)', 'Dense(relu)', 'Dropout(0.4)', 'Dense(linear)', 'Activation(softmax)']);
    const perLayer = trainConfigSchema.parse({ dataset: 'iris', hidden: [16, 8], dropout: [0.5, 0.2] });
    expect(dropoutRates(perLayer)).toEqual([0.5, 0.2]);
  });

  it('is logged as one param, the rates in layer order', () => {
    const config = { ...trainConfigSchema.parse({ dataset: 'iris', hidden: [16, 8], dropout: [0.5, 0.2] }), seed: 1 };
    expect(flattenParams(config).dropout).toBe('0.5,0.2');
    expect(flattenParams({ ...config, dropout: 0.3 }).dropout).toBe(0.3);
  });

  it('drops activations while training and none while evaluating', () => {
    const model = build(spec([64], [0.5]));
    const plain = build(spec([64], [0]));
    plain.setWeights(model.getWeights());
    const x = tf.ones([8, 4]);
    try {
      const [evaluating, again, reference, training] = [logitsOf(model, x, false), logitsOf(model, x, false), logitsOf(plain, x, false), logitsOf(model, x, true)] as tfType.Tensor[];
      const values = (t: tfType.Tensor | undefined) => Array.from(t?.dataSync() ?? []);
      expect(values(evaluating), 'evaluation is the network without dropout').toEqual(values(reference));
      expect(values(again)).toEqual(values(evaluating));
      expect(values(training), 'training drops units').not.toEqual(values(evaluating));
      tf.dispose([evaluating, again, reference, training] as tfType.Tensor[]);
    } finally {
      x.dispose();
    }
  });
});

describe('per-layer dropout in a run', () => {
  /** The epochs of a short, seeded iris run: everything but dropout is the same from one call to the next. */
  async function epochs(dropout: TrainConfigInput['dropout']): Promise<Record<string, number>[]> {
    const config = { ...trainConfigSchema.parse({ dataset: 'iris', hidden: [16, 16], dropout, epochs: 2, batch_size: 16, lr: 0.05, backend: 'wasm' }), seed: 5 };
    seedMathRandom(config.seed);
    const run = prepareRun(tf, { config, dataset: catalogue.source('iris'), checkpointDir: null, initialWeights: null, frozenLayers: [] });
    const logged: Record<string, number>[] = [];
    await run.train({ shouldStop: () => false, onEpoch: (_epoch, metrics) => void logged.push(metrics), onMetrics: () => undefined, onArtifact: () => undefined });
    return logged;
  }

  it("each hidden layer's rate changes training; the same rates give the same run", async () => {
    const none = await epochs([0, 0]);
    const first = await epochs([0.5, 0]);
    const second = await epochs([0, 0.5]);
    const both = await epochs([0.5, 0.5]);
    expect(await epochs(0), 'dropout 0 is the same as 0,0').toEqual(none);
    expect(await epochs([0.5, 0]), 'seeded: the same rates, the same run').toEqual(first);
    expect(first, 'dropout on the first layer').not.toEqual(none);
    expect(second, 'dropout on the second layer').not.toEqual(none);
    expect(both, "the second layer's rate counts when the first has one").not.toEqual(first);
    expect(both, "the first layer's rate counts when the second has one").not.toEqual(second);
  });
});
