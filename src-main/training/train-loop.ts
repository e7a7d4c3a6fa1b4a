import type * as tfType from '@tensorflow/tfjs';
import { logitsOf, type Tf } from './model';
import type { Prng } from './prng';

/** Training and validation data already on the backend. Labels are one-hot (rows x classes). */
export interface TrainingData {
  xTrain: tfType.Tensor2D;
  yTrain: tfType.Tensor2D;
  xVal: tfType.Tensor2D;
  yVal: tfType.Tensor2D;
}

export interface LoopOptions {
  epochs: number;
  batchSize: number;
  /** Shuffles the training set, freshly every epoch. */
  rng: Prng;
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
}

export type LoopOutcome = 'finished' | 'stopped' | 'diverged';

const EVAL_CHUNK = 2048;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains `model` with `optimizer` on `data`. Each epoch reports `train_loss` and `train_accuracy` (means over the
 * epoch's samples, dropout on) and `val_loss` and `val_accuracy` (evaluation mode, dropout off).
 * A loss that turns NaN or infinite ends the loop within that batch as `diverged`, after reporting the epoch so
 * far. Between batches it yields to the event loop, so a stop request acts within one batch.
 * Every tensor it creates is disposed before it returns.
 */
export async function trainLoop(tf: Tf, model: tfType.Sequential, optimizer: tfType.Optimizer, data: TrainingData, options: LoopOptions, callbacks: LoopCallbacks): Promise<LoopOutcome> {
  const n = data.xTrain.shape[0];
  const batchSize = Math.min(options.batchSize, n);
  const batches = Math.ceil(n / batchSize);
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const order = options.rng.permutation(n);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      await yieldToEventLoop();
      if (callbacks.shouldStop()) return 'stopped';
      const rows = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
      const [batchLoss, batchCorrect] = trainStep(tf, model, optimizer, data, rows);
      lossSum += batchLoss * rows.length;
      correct += batchCorrect;
      seen += rows.length;
      if (!Number.isFinite(batchLoss)) {
        await callbacks.onEpoch(epoch, { train_loss: batchLoss, train_accuracy: correct / seen });
        return 'diverged';
      }
      callbacks.onProgress?.({ epoch, epochs: options.epochs, batch: b + 1, batches, loss: lossSum / seen });
    }
    const val = evaluate(tf, model, data.xVal, data.yVal);
    await callbacks.onEpoch(epoch, { train_loss: lossSum / seen, train_accuracy: correct / seen, val_loss: val.loss, val_accuracy: val.accuracy });
    if (!Number.isFinite(val.loss)) return 'diverged';
  }
  return 'finished';
}

/** One optimiser step on the given rows; returns the batch's mean loss and its number of correct predictions. */
function trainStep(tf: Tf, model: tfType.Sequential, optimizer: tfType.Optimizer, data: TrainingData, rows: Int32Array): [number, number] {
  let correctTensor: tfType.Tensor | undefined;
  const loss = tf.tidy(() => {
    const index = tf.tensor1d(rows, 'int32');
    const x = tf.gather(data.xTrain, index);
    const y = tf.gather(data.yTrain, index);
    return optimizer.minimize(() => {
      const logits = logitsOf(model, x, true);
      correctTensor = tf.keep(countCorrect(tf, logits, y));
      return tf.losses.softmaxCrossEntropy(y, logits) as tfType.Scalar;
    }, true) as tfType.Scalar;
  });
  const both = tf.tidy(() => tf.stack([loss, (correctTensor as tfType.Tensor).toFloat()]));
  const values = both.dataSync();
  tf.dispose([loss, both, correctTensor as tfType.Tensor]);
  return [values[0] as number, values[1] as number];
}

function countCorrect(tf: Tf, logits: tfType.Tensor, oneHot: tfType.Tensor): tfType.Tensor {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(oneHot, 1)), 'int32'));
}

/** Mean loss and accuracy in evaluation mode (dropout off), in chunks to bound memory. */
export function evaluate(tf: Tf, model: tfType.Sequential, x: tfType.Tensor2D, y: tfType.Tensor2D): { loss: number; accuracy: number } {
  const n = x.shape[0];
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, n - start);
    const result = tf.tidy(() => {
      const xs = tf.slice(x, [start, 0], [size, -1]);
      const ys = tf.slice(y, [start, 0], [size, -1]);
      const logits = logitsOf(model, xs, false);
      return tf.stack([tf.losses.softmaxCrossEntropy(ys, logits), countCorrect(tf, logits, ys).toFloat()]);
    });
    const [loss, hits] = result.dataSync();
    result.dispose();
    lossSum += (loss as number) * size;
    correct += hits as number;
  }
  return { loss: lossSum / n, accuracy: correct / n };
}
