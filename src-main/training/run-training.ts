import type { ResolvedTrainConfig } from '../../src-shared/entities/train-config';
import { readLabelledCsv } from '../datasets/csv-dataset';
import type { DatasetSource } from '../datasets/catalogue';
import { gatherLabels, preprocessRows, stratifiedSplit } from './data';
import { buildModel, buildOptimizer, disposeOptimizer, type Tf } from './model';
import { Prng } from './prng';
import { trainLoop, type LoopCallbacks, type LoopOutcome } from './train-loop';

export interface PreparedRun {
  trainSize: number;
  valSize: number;
  /** Trains to the end (or a stop or divergence) and frees every tensor it made, whatever happens. */
  train(callbacks: LoopCallbacks): Promise<LoopOutcome>;
}

/**
 * Loads the dataset, splits it with the run's seed, and builds the model and optimiser on the current backend.
 * Random streams are separate and derived from the seed: the split, the per-epoch shuffling, and TensorFlow.js's
 * own initialisers and dropout masks (which draw from `Math.random`; the worker seeds it, see training-worker.ts).
 */
export function prepareRun(tf: Tf, config: ResolvedTrainConfig, dataset: DatasetSource): PreparedRun {
  const table = readLabelledCsv(dataset.file);
  const root = new Prng(config.seed);
  const split = stratifiedSplit(table.labels, table.classes.length, config.val_split, root.fork(1));
  const width = table.featureNames.length;
  const classes = table.classes.length;
  const xTrainValues = preprocessRows(table.features, width, split.train, dataset.preprocessing, split.train);
  const xValValues = preprocessRows(table.features, width, split.val, dataset.preprocessing, split.train);
  return {
    trainSize: split.train.length,
    valSize: split.val.length,
    async train(callbacks) {
      const data = tf.tidy(() => ({
        xTrain: tf.tensor2d(xTrainValues, [split.train.length, width]),
        yTrain: tf.oneHot(tf.tensor1d(gatherLabels(table.labels, split.train), 'int32'), classes).toFloat() as ReturnType<Tf['tensor2d']>,
        xVal: tf.tensor2d(xValValues, [split.val.length, width]),
        yVal: tf.oneHot(tf.tensor1d(gatherLabels(table.labels, split.val), 'int32'), classes).toFloat() as ReturnType<Tf['tensor2d']>,
      }));
      const model = buildModel(tf, { inputSize: width, hidden: config.hidden, activation: config.activation, dropout: config.dropout, classes });
      const optimizer = buildOptimizer(tf, config.optimizer, config.lr, config.momentum);
      try {
        return await trainLoop(tf, model, optimizer, data, { epochs: config.epochs, batchSize: config.batch_size, rng: root.fork(2) }, callbacks);
      } finally {
        disposeOptimizer(optimizer);
        model.dispose();
        tf.dispose([data.xTrain, data.yTrain, data.xVal, data.yVal]);
      }
    },
  };
}

/** Replaces `Math.random` with a seeded generator: TensorFlow.js's initialisers and dropout draw from it. */
export function seedMathRandom(seed: number): void {
  const rng = new Prng(seed ^ 0x5bd1e995);
  Math.random = () => rng.next();
}
