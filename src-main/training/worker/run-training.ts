import type * as tfType from '@tensorflow/tfjs';
import type { WeightHistograms } from '../../../src-shared/entities/evaluation';
import type { ConvFilters } from '../../../src-shared/entities/model-summary';
import type { RunOutcome } from '../../../src-shared/entities/run';
import { parseAugment, parseEarlyStopping, parseInit, parseLrSchedule, type Parsed } from '../../../src-shared/entities/specs';
import { dropoutRates, type ResolvedTrainConfig } from '../../../src-shared/entities/train-config';
import { planFor, sampleShape, type ModelChoice } from '../../../src-shared/model/resolve';
import type { ModelPlan } from '../../../src-shared/model/shapes';
import { summariseModel } from '../../../src-shared/model/summary';
import { loadTable } from '../../datasets';
import type { TrainJob } from '../worker-protocol';
import { buildAugmenter } from './augment';
import { loadCheckpoint, saveCheckpoint } from './checkpoint-weights';
import { gatherLabels, inputEncoder, splitRows } from '../data';
import { evaluateSplit, kernelHistograms } from './evaluate-split';
import { buildModel, convLayers, freezeLayers, inputShapeOf, trainableVariables, weightLayers, type Tf } from './model';
import { buildOptimizer, disposeOptimizer } from './optimizers';
import { Prng } from '../../../src-shared/prng';
import { trainLoop, evaluate, type LoopCallbacks, type TrainingData } from './train-loop';

export type { TrainJob };

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

/** What of a configuration defines its model. */
export function modelChoice(config: ResolvedTrainConfig): ModelChoice {
  return { layers: config.layers, model: config.model, hidden: config.hidden, activation: config.activation, dropout: dropoutRates(config) };
}

/** The first convolution's kernel, as the run page draws it, or null for a model without one. */
function firstFilters(model: tfType.Sequential, plan: ModelPlan): Omit<ConvFilters, 'initial' | 'final'> & { values(): Promise<number[]> } | null {
  const layer = convLayers(model)[0];
  if (!layer) return null;
  const text = plan.layers.find((p) => p.layer.kind === 'conv2d')?.text ?? 'conv2d';
  const kernel = () => layer.getWeights()[0] as tfType.Tensor;
  return { layer: text, shape: kernel().shape as ConvFilters['shape'], values: async () => Array.from(await kernel().data()) };
}

/**
 * Loads the dataset, splits it with the run's seed, and prepares model and optimiser on the current backend.
 * Random streams are separate and derived from the seed: the split, the per-epoch shuffling, augmentation, and
 * TensorFlow.js's own initialisers and dropout masks (which draw from `Math.random`; the worker seeds it).
 * Inputs stay as the dataset holds them (image bytes stay bytes); each batch becomes a tensor when it is used.
 */
export function prepareRun(tf: Tf, job: TrainJob): PreparedRun {
  const { config, dataset } = job;
  const table = loadTable(dataset);
  const root = new Prng(config.seed);
  const classes = table.classes.length;
  const split = splitRows(table.labels, classes, config.val_split, config.test_split, table.testRows, new Prng(job.splitSeed ?? config.seed).fork(1));
  const trainRows = config.overfit_batch ? split.train.slice(0, config.overfit_batch) : split.train;
  const preprocessing = config.standardize ? ({ kind: 'standardize' } as const) : dataset.preprocessing;
  const encode = inputEncoder(table.features, table.width, preprocessing, split.train);
  const image = dataset.imageShape;
  const input = sampleShape(image ? [image.channels, image.height, image.width] : null, table.width);
  const plan = must(planFor(modelChoice(config), input, classes));
  const tensorShape = inputShapeOf(input);
  return {
    trainSize: trainRows.length,
    valSize: split.val.length,
    testSize: split.test.length,
    async train(callbacks) {
      const data: TrainingData = {
        trainRows,
        valRows: split.val,
        sampleSize: table.width,
        inputs: (rows) => tf.tensor(encode(rows), [rows.length, ...tensorShape]),
        targets: (rows) => tf.tidy(() => tf.oneHot(tf.tensor1d(gatherLabels(table.labels, rows), 'int32'), classes).toFloat()) as tfType.Tensor2D,
      };
      const model = buildModel(tf, { input, plan, init: must(parseInit(config.init)), biasInit: must(parseInit(config.bias_init)) });
      const setup = buildOptimizer(tf, config.optimizer, { lr: config.lr, momentum: config.momentum, nesterov: config.nesterov, weightDecay: config.weight_decay });
      try {
        const replaced = job.initialWeights?.replaceOutput ?? false;
        if (job.initialWeights) loadCheckpoint(tf, model, job.initialWeights.manifest, replaced);
        freezeLayers(model, job.frozenLayers);
        callbacks.onArtifact('model', summariseModel(plan, input, job.frozenLayers));
        const filters = firstFilters(model, plan);
        const initialFilters = (await filters?.values()) ?? null;
        const initial = await kernelHistograms(model);
        const layers = weightLayers(model);
        const weighted = plan.layers.filter((p) => p.weightIndex !== null);
        const histogramsWith = (final: Awaited<ReturnType<typeof kernelHistograms>> | null): WeightHistograms => ({
          layers: initial.map((histogram, index) => ({
            layer: index,
            name: weighted[index]?.added === 'output' ? 'output' : (weighted[index]?.text ?? `layer ${index}`),
            shape: (layers[index]?.getWeights()[0] as tfType.Tensor).shape.slice(),
            frozen: job.frozenLayers.includes(index),
            initial: histogram,
            final: final?.[index] ?? null,
          })),
        });
        // The initial distributions are shown while the run trains; the final ones replace them at the end.
        callbacks.onArtifact('histograms', histogramsWith(null));
        if (filters && initialFilters) callbacks.onArtifact('filters', { layer: filters.layer, shape: filters.shape, initial: initialFilters, final: null } satisfies ConvFilters);
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
            augment: buildAugmenter(tf, must(parseAugment(config.augment)), image, root.fork(3)),
            earlyStopping,
          },
          callbacks,
        );
        const shorthand = config.layers === undefined && (config.model ?? 'mlp') === 'mlp';
        const mlp = shorthand ? { hidden: config.hidden, activation: config.activation } : null;
        const meta = (epoch: number) => ({ layers: plan.text, mlp, input_shape: input, classes: table.classes, feature_names: table.featureNames, epoch });
        const checkpoint = { final: false, best: false };
        if (loop.outcome === 'finished' && job.checkpointDir) {
          await saveCheckpoint(job.checkpointDir, 'final', model, meta(loop.lastEpoch));
          checkpoint.final = true;
        }
        if (loop.bestWeights) {
          model.setWeights(loop.bestWeights);
          tf.dispose(loop.bestWeights);
        }
        if (loop.outcome === 'finished' && earlyStopping && job.checkpointDir && loop.bestEpoch !== null) {
          await saveCheckpoint(job.checkpointDir, 'best', model, meta(loop.bestEpoch));
          checkpoint.best = true;
        }
        if (loop.outcome !== 'diverged') {
          callbacks.onArtifact('histograms', histogramsWith(await kernelHistograms(model)));
          if (filters && initialFilters) callbacks.onArtifact('filters', { layer: filters.layer, shape: filters.shape, initial: initialFilters, final: await filters.values() } satisfies ConvFilters);
        }
        if (loop.outcome === 'finished') {
          const evaluateRows = (name: 'val' | 'test', rows: Int32Array) =>
            evaluateSplit(tf, model, data, { split: name, rows, labels: gatherLabels(table.labels, rows) }, table, image);
          callbacks.onArtifact('evaluation-val', await evaluateRows('val', split.val));
          if (split.test.length > 0) {
            const test = await evaluate(tf, model, data, split.test);
            callbacks.onMetrics(loop.lastEpoch, { test_loss: test.loss, test_accuracy: test.accuracy });
            callbacks.onArtifact('evaluation-test', await evaluateRows('test', split.test));
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
      }
    },
  };
}

/** Replaces `Math.random` with a seeded generator: TensorFlow.js's initialisers and dropout draw from it. */
export function seedMathRandom(seed: number): void {
  const rng = new Prng(seed ^ 0x5bd1e995);
  Math.random = () => rng.next();
}
