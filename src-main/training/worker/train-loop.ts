import type * as tfType from '@tensorflow/tfjs';
import { learningRateAt, type EarlyStopping, type LrSchedule } from '../../../src-shared/entities/specs';
import type { Augmenter } from './augment';
import { logitsOf, type Tf } from './model';
import { setLearningRate, type OptimizerSetup } from './optimizers';
import type { Prng } from '../../../src-shared/prng';

/**
 * Training and validation rows, and how to turn rows into tensors: the data stays in the worker's memory (image bytes
 * stay bytes) and only the batch in use is on the backend.
 */
export interface TrainingData {
  trainRows: Int32Array;
  valRows: Int32Array;
  /** Model inputs of the given rows, a new tensor ([rows, ...sample shape]). */
  inputs(rows: Int32Array): tfType.Tensor;
  /** One-hot labels of the given rows, a new tensor (rows x classes). */
  targets(rows: Int32Array): tfType.Tensor2D;
  /** Values per sample, to size evaluation chunks. */
  sampleSize: number;
}

export interface LoopOptions {
  epochs: number;
  batchSize: number;
  /** Shuffles the training set, freshly every epoch. */
  rng: Prng;
  /** Base learning rate and its schedule; each epoch's rate is reported as metric `lr`. */
  lr: number;
  schedule: LrSchedule;
  /** The variables to train (frozen layers left out). */
  variables: tfType.Variable[];
  /** Augments each training batch (training only), or null. */
  augment: Augmenter | null;
  /** Stop when validation loss stops improving, restoring the best epoch's weights; null for off. */
  earlyStopping: EarlyStopping;
}

export interface LoopProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Mean training loss so far in this epoch. */
  loss: number;
}

export interface LoopCallbacks {
  /** Called when an epoch ends, with its metrics; awaited before the next epoch starts. */
  onEpoch(epoch: number, metrics: Record<string, number>): void | Promise<void>;
  onProgress?(progress: LoopProgress): void;
  /** Checked before every batch: true stops the run, discarding the partial epoch. */
  shouldStop(): boolean;
  /**
   * Checked after every batch: throws, ending the run `failed` with a message a user can act on, when the device
   * can no longer compute (a GPU out of memory or lost; WebGPU reports both after the batch that met them).
   */
  checkDevice?(): void;
}

export interface LoopResult {
  outcome: 'finished' | 'stopped' | 'diverged';
  /** Why training ended: every epoch ran, or early stopping ended it. */
  reason: 'completed' | 'early_stopping' | 'stopped' | 'diverged';
  /** Last epoch with committed metrics (0 when none). */
  lastEpoch: number;
  /** Epoch of the lowest validation loss, or null when none was finite. */
  bestEpoch: number | null;
  /**
   * With early stopping on and a finished run: a copy of the best epoch's weights (in `model.getWeights()` order)
   * when they differ from the last epoch's. The caller owns them: it restores them and disposes them.
   */
  bestWeights: tfType.Tensor[] | null;
}

const EVAL_CHUNK = 2048;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains `model` on `data`. Each epoch reports `train_loss` and `train_accuracy` (means over the epoch's samples,
 * dropout and augmentation on), `val_loss` and `val_accuracy` (evaluation mode), and `lr`.
 * A loss that turns NaN or infinite ends the loop within that batch as `diverged`, after reporting the epoch so
 * far. Between batches it yields to the event loop, so a stop request acts within one batch.
 * Every tensor it creates is disposed before it returns, except the best weights it hands over (see LoopResult).
 */
export async function trainLoop(tf: Tf, model: tfType.Sequential, setup: OptimizerSetup, data: TrainingData, options: LoopOptions, callbacks: LoopCallbacks): Promise<LoopResult> {
  const n = data.trainRows.length;
  const batchSize = Math.min(options.batchSize, n);
  const batches = Math.ceil(n / batchSize);
  let bestLoss = Infinity;
  let bestEpoch: number | null = null;
  let sinceImprovement = 0;
  let bestWeights: tfType.Tensor[] | null = null;
  const result = (outcome: LoopResult['outcome'], reason: LoopResult['reason'], lastEpoch: number): LoopResult => {
    // A finished run hands the best weights over when they are not the last epoch's; otherwise they are freed.
    const handOver = outcome === 'finished' && bestWeights !== null && bestEpoch !== lastEpoch ? bestWeights : null;
    if (!handOver && bestWeights) tf.dispose(bestWeights);
    bestWeights = null;
    return { outcome, reason, lastEpoch, bestEpoch, bestWeights: handOver };
  };
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const lr = learningRateAt(options.schedule, options.lr, epoch, options.epochs);
      setLearningRate(setup.optimizer, lr);
      const order = options.rng.permutation(n);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        await yieldToEventLoop();
        if (callbacks.shouldStop()) return result('stopped', 'stopped', epoch - 1);
        const rows = Int32Array.from(order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize)), (i) => data.trainRows[i] as number);
        const [batchLoss, batchCorrect] = await trainStep(tf, model, setup, data, rows, lr, options);
        callbacks.checkDevice?.();
        lossSum += batchLoss * rows.length;
        correct += batchCorrect;
        seen += rows.length;
        if (!Number.isFinite(batchLoss)) {
          await callbacks.onEpoch(epoch, { train_loss: batchLoss, train_accuracy: correct / seen, lr });
          return result('diverged', 'diverged', epoch);
        }
        callbacks.onProgress?.({ epoch, epochs: options.epochs, batch: b + 1, batches, loss: lossSum / seen });
      }
      const val = await evaluate(tf, model, data, data.valRows);
      await callbacks.onEpoch(epoch, { train_loss: lossSum / seen, train_accuracy: correct / seen, val_loss: val.loss, val_accuracy: val.accuracy, lr });
      if (!Number.isFinite(val.loss)) return result('diverged', 'diverged', epoch);
      const stopping = options.earlyStopping;
      if (bestEpoch === null || val.loss < bestLoss - (stopping?.minDelta ?? 0)) {
        bestLoss = val.loss;
        bestEpoch = epoch;
        sinceImprovement = 0;
        if (stopping) {
          if (bestWeights) tf.dispose(bestWeights);
          bestWeights = model.getWeights().map((w) => tf.clone(w));
        }
      } else {
        sinceImprovement++;
        if (stopping && sinceImprovement >= stopping.patience) return result('finished', 'early_stopping', epoch);
      }
    }
    return result('finished', 'completed', options.epochs);
  } finally {
    if (bestWeights) tf.dispose(bestWeights);
  }
}

/**
 * One optimiser step on the given rows; returns the batch's mean loss and its number of correct predictions.
 * Weight decay: coupled (PyTorch's `weight_decay`: the gradient gains `wd * w`) or decoupled (AdamW: each weight
 * shrinks by `lr * wd * w` before the step). Only `variables` (unfrozen layers) change.
 */
async function trainStep(tf: Tf, model: tfType.Sequential, setup: OptimizerSetup, data: TrainingData, rows: Int32Array, lr: number, options: LoopOptions): Promise<[number, number]> {
  let correctTensor: tfType.Tensor | undefined;
  const loss = tf.tidy(() => {
    const raw = data.inputs(rows);
    const x = options.augment ? options.augment(raw) : raw;
    const y = data.targets(rows);
    const { value, grads } = setup.optimizer.computeGradients(() => {
      const logits = logitsOf(model, x, true);
      correctTensor = tf.keep(countCorrect(tf, logits, y));
      return tf.losses.softmaxCrossEntropy(y, logits) as tfType.Scalar;
    }, options.variables);
    if (setup.coupledDecay > 0) {
      for (const variable of options.variables) {
        const grad = grads[variable.name];
        if (grad) grads[variable.name] = tf.add(grad, tf.mul(variable, setup.coupledDecay));
      }
    }
    if (setup.decoupledDecay > 0) {
      for (const variable of options.variables) variable.assign(tf.mul(variable, 1 - lr * setup.decoupledDecay));
    }
    setup.optimizer.applyGradients(grads);
    return value;
  });
  const both = tf.tidy(() => tf.stack([loss, (correctTensor as tfType.Tensor).toFloat()]));
  tf.dispose([loss, correctTensor as tfType.Tensor]);
  try {
    // Read asynchronously: a GPU backend (WebGPU) in Node cannot read its memory synchronously.
    const values = await both.data();
    return [values[0] as number, values[1] as number];
  } finally {
    both.dispose();
  }
}

function countCorrect(tf: Tf, logits: tfType.Tensor, oneHot: tfType.Tensor): tfType.Tensor {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(oneHot, 1)), 'int32'));
}

/** Rows per evaluation chunk: about a million input values, so large images do not fill the backend's memory. */
export function evaluationChunk(sampleSize: number): number {
  return Math.max(64, Math.min(EVAL_CHUNK, Math.floor(2 ** 20 / Math.max(1, sampleSize))));
}

/** Mean loss and accuracy over `rows` in evaluation mode (dropout off), in chunks to bound memory. */
export async function evaluate(tf: Tf, model: tfType.Sequential, data: Pick<TrainingData, 'inputs' | 'targets' | 'sampleSize'>, rows: Int32Array): Promise<{ loss: number; accuracy: number }> {
  const n = rows.length;
  const chunk = evaluationChunk(data.sampleSize);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    const result = tf.tidy(() => {
      const part = rows.subarray(start, start + size);
      const xs = data.inputs(part);
      const ys = data.targets(part);
      const logits = logitsOf(model, xs, false);
      return tf.stack([tf.losses.softmaxCrossEntropy(ys, logits), countCorrect(tf, logits, ys).toFloat()]);
    });
    let loss: number;
    let hits: number;
    try {
      [loss, hits] = (await result.data()) as unknown as [number, number];
    } finally {
      result.dispose();
    }
    lossSum += loss * size;
    correct += hits;
  }
  return { loss: lossSum / n, accuracy: correct / n };
}
