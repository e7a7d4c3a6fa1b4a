import type * as tfType from '@tensorflow/tfjs';
import type { WeightHistograms } from '../../src-shared/entities/evaluation';
import type { RunOutcome } from '../../src-shared/entities/run';
import { parseAugment, parseEarlyStopping, parseInit, parseLrSchedule, type Parsed } from '../../src-shared/entities/specs';
import { dropoutRates, type ResolvedTrainConfig } from '../../src-shared/entities/train-config';
import { loadTable, type DatasetSource } from '../datasets';
import { buildAugmenter } from './augment';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { gatherLabels, preprocessRows, stratifiedSplit } from './data';
import { evaluateSplit, kernelHistograms } from './evaluate-split';
import { buildModel, denseLayers, freezeLayers, trainableVariables, type Tf } from './model';
import { buildOptimizer, disposeOptimizer } from './optimizers';
import { Prng } from '../../src-shared/prng';
import { trainLoop, evaluate, type LoopCallbacks } from './train-loop';

/** Everything a worker needs to train one run; plain data, sent by the host. */
export interface TrainJob {
  config: ResolvedTrainConfig;
  dataset: DatasetSource;
  /** Where the run's weights go (`final`, and `best` with early stopping); null keeps none (tests). */
  checkpointDir: string | null;
  /** Fine-tuning: the parent's checkpoint manifest, and whether its output layer is replaced (other classes). */
  initialWeights: { manifest: string; replaceOutput: boolean } | null;
  /** Dense layers that do not train, as resolved by the host. */
  frozenLayers: number[];
  /**
   * Seed of the train/validation/test split; the run's seed when absent. Fine-tuning on the parent's dataset uses the
   * parent's, so no sample the parent was validated or tested on ends up in training.
   */
  splitSeed?: number;
  /**
   * The rung epochs of a successive-halving trial: after each, the worker waits for the host's decision (go on, or
   * be pruned there) before it starts the next epoch. Absent or empty: it never waits.
   */
  rungEpochs?: readonly number[];
}

export interface RunCallbacks extends LoopCallbacks {
  /** Metrics logged once, after training (`test_loss`, `test_accuracy`), at the last epoch's step. */
  onMetrics(step: number, metrics: Record<string, number>): void;
  /** A named result: `evaluation-val`, `evaluation-test`, `histograms`. */
  onArtifact(name: string, data: unknown): void;
}

export interface PreparedRun {
  trainSize: number;
  valSize: number;
  testSize: number;
  /** Trains to the end (or a stop or divergence) and frees every tensor it made, whatever happens. */
  train(callbacks: RunCallbacks): Promise<{ status: 'finished' | 'stopped' | 'diverged'; outcome: RunOutcome }>;
}

function must<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

/**
 * Loads the dataset, splits it with the run's seed, and prepares model and optimiser on the current backend.
 * Random streams are separate and derived from the seed: the split, the per-epoch shuffling, augmentation, and
 * TensorFlow.js's own initialisers and dropout masks (which draw from `Math.random`; the worker seeds it).
 */
export function prepareRun(tf: Tf, job: TrainJob): PreparedRun {
  const { config, dataset } = job;
  const table = loadTable(dataset);
  const root = new Prng(config.seed);
  const split = stratifiedSplit(table.labels, table.classes.length, config.val_split, new Prng(job.splitSeed ?? config.seed).fork(1), config.test_split);
  const trainRows = config.overfit_batch ? split.train.slice(0, config.overfit_batch) : split.train;
  const width = table.featureNames.length;
  const classes = table.classes.length;
  const preprocessing = config.standardize ? ({ kind: 'standardize' } as const) : dataset.preprocessing;
  const inputs = (rows: Int32Array) => preprocessRows(table.features, width, rows, preprocessing, split.train);
  const hidden = config.hidden;
  return {
    trainSize: trainRows.length,
    valSize: split.val.length,
    testSize: split.test.length,
    async train(callbacks) {
      const tensors: tfType.Tensor[] = [];
      const keep = <T extends tfType.Tensor>(t: T): T => {
        tensors.push(t);
        return t;
      };
      const x = (rows: Int32Array) => keep(tf.tensor2d(inputs(rows), [rows.length, width]));
      const y = (rows: Int32Array) => keep(tf.tidy(() => tf.oneHot(tf.tensor1d(gatherLabels(table.labels, rows), 'int32'), classes).toFloat()) as tfType.Tensor2D);
      const data = { xTrain: x(trainRows), yTrain: y(trainRows), xVal: x(split.val), yVal: y(split.val) };
      const model = buildModel(tf, {
        inputSize: width,
        hidden,
        activation: config.activation,
        dropout: dropoutRates(config),
        classes,
        init: must(parseInit(config.init)),
        biasInit: must(parseInit(config.bias_init)),
      });
      const setup = buildOptimizer(tf, config.optimizer, { lr: config.lr, momentum: config.momentum, nesterov: config.nesterov, weightDecay: config.weight_decay });
      try {
        const replaced = job.initialWeights?.replaceOutput ?? false;
        if (job.initialWeights) loadCheckpoint(tf, model, job.initialWeights.manifest, replaced);
        freezeLayers(model, job.frozenLayers);
        const initial = kernelHistograms(model);
        const layers = denseLayers(model);
        const histogramsWith = (final: ReturnType<typeof kernelHistograms> | null): WeightHistograms => ({
          layers: initial.map((histogram, index) => ({
            layer: index,
            name: index === layers.length - 1 ? 'output' : `hidden ${index}`,
            shape: (layers[index]?.getWeights()[0] as tfType.Tensor).shape.slice(),
            frozen: job.frozenLayers.includes(index),
            initial: histogram,
            final: final?.[index] ?? null,
          })),
        });
        // The initial distributions are shown while the run trains; the final ones replace them at the end.
        callbacks.onArtifact('histograms', histogramsWith(null));
        const earlyStopping = must(parseEarlyStopping(config.early_stopping));
        const loop = await trainLoop(
          tf,
          model,
          setup,
          data,
          {
            epochs: config.epochs,
            batchSize: config.overfit_batch ?? config.batch_size,
            rng: root.fork(2),
            lr: config.lr,
            schedule: must(parseLrSchedule(config.lr_schedule)),
            variables: trainableVariables(model),
            augment: buildAugmenter(tf, must(parseAugment(config.augment)), dataset.imageShape, root.fork(3)),
            earlyStopping,
          },
          callbacks,
        );
        const meta = (epoch: number) => ({ input_size: width, hidden, activation: config.activation, classes: table.classes, feature_names: table.featureNames, epoch });
        const checkpoint = { final: false, best: false };
        if (loop.outcome === 'finished' && job.checkpointDir) {
          saveCheckpoint(job.checkpointDir, 'final', model, meta(loop.lastEpoch));
          checkpoint.final = true;
        }
        if (loop.bestWeights) {
          model.setWeights(loop.bestWeights);
          tf.dispose(loop.bestWeights);
        }
        if (loop.outcome === 'finished' && earlyStopping && job.checkpointDir && loop.bestEpoch !== null) {
          saveCheckpoint(job.checkpointDir, 'best', model, meta(loop.bestEpoch));
          checkpoint.best = true;
        }
        if (loop.outcome !== 'diverged') callbacks.onArtifact('histograms', histogramsWith(kernelHistograms(model)));
        if (loop.outcome === 'finished') {
          const imageShape = dataset.imageShape;
          callbacks.onArtifact('evaluation-val', evaluateSplit(tf, model, { split: 'val', x: data.xVal, labels: gatherLabels(table.labels, split.val), rows: split.val }, table, imageShape));
          if (split.test.length > 0) {
            const xTest = x(split.test);
            const test = evaluate(tf, model, xTest, y(split.test));
            callbacks.onMetrics(loop.lastEpoch, { test_loss: test.loss, test_accuracy: test.accuracy });
            callbacks.onArtifact('evaluation-test', evaluateSplit(tf, model, { split: 'test', x: xTest, labels: gatherLabels(table.labels, split.test), rows: split.test }, table, imageShape));
          }
        }
        const outcome: RunOutcome = {
          stop_reason: loop.reason,
          best_epoch: loop.bestEpoch,
          restored_best: loop.bestWeights !== null,
          frozen_layers: job.frozenLayers,
          output_layer_replaced: replaced,
          checkpoint,
          train_size: trainRows.length,
          val_size: split.val.length,
          test_size: split.test.length,
        };
        return { status: loop.outcome, outcome };
      } finally {
        disposeOptimizer(setup.optimizer);
        model.dispose();
        tf.dispose(tensors);
      }
    },
  };
}

/** Replaces `Math.random` with a seeded generator: TensorFlow.js's initialisers and dropout draw from it. */
export function seedMathRandom(seed: number): void {
  const rng = new Prng(seed ^ 0x5bd1e995);
  Math.random = () => rng.next();
}
