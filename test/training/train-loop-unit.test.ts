/**
 * The training loop (`worker/train-loop.ts`) driven directly, in this process, on the cpu backend with a tiny
 * hand-made dataset and a logistic regression (the output layer alone). With a learning rate of 0 the weights never
 * move, so every loss is known exactly and early stopping sees a validation loss that never falls; with inputs of 0
 * the kernel's gradient is 0, so one step shows weight decay alone.
 */
import type { Tensor2D } from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../src-main/training/worker/backends';
import { buildModel, freezeLayers, trainableVariables, weightLayers, type Tf } from '../../src-main/training/worker/model';
import { buildOptimizer, disposeOptimizer } from '../../src-main/training/worker/optimizers';
import { seedMathRandom } from '../../src-main/training/worker/run-training';
import { evaluate, evaluationChunk, trainLoop, type LoopCallbacks, type LoopOptions, type LoopProgress, type TrainingData } from '../../src-main/training/worker/train-loop';
import { parseInit, type EarlyStopping, type InitSpec, type LrSchedule } from '../../src-shared/entities/specs';
import type { OptimizerName } from '../../src-shared/entities/train-config';
import { planFor } from '../../src-shared/model/resolve';
import { Prng } from '../../src-shared/prng';

let tf: Tf;
let baseline = 0;

beforeAll(async () => {
  ({ tf } = await loadBackend('cpu'));
});

afterEach(() => {
  expect(tf.memory().numTensors).toBe(baseline);
});

const FEATURES = 2;
const CLASSES = 2;

/** Rows of two features, labelled by the sign of the first; `values` overrides rows' features. */
function dataset(count: number, values: (row: number) => [number, number] = (row) => [row % 2 === 0 ? 1 + row / 10 : -1 - row / 10, (row % 3) - 1]) {
  const features = new Float32Array(count * FEATURES);
  const labels = new Int32Array(count);
  for (let row = 0; row < count; row++) {
    const [a, b] = values(row);
    features.set([a, b], row * FEATURES);
    labels[row] = a > 0 ? 0 : 1;
  }
  return { features, labels };
}

function trainingData(table: { features: Float32Array; labels: Int32Array }, trainRows: number[], valRows: number[], sampleSize = FEATURES): TrainingData {
  return {
    trainRows: Int32Array.from(trainRows),
    valRows: Int32Array.from(valRows),
    sampleSize,
    inputs: (rows) => tf.tensor2d(Float32Array.from(Array.from(rows).flatMap((row) => Array.from(table.features.subarray(row * FEATURES, (row + 1) * FEATURES)))), [rows.length, FEATURES]),
    targets: (rows) => tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(rows, (row) => table.labels[row] as number), 'int32'), CLASSES).toFloat()) as Tensor2D,
  };
}

function init(text: string): InitSpec {
  const parsed = parseInit(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

/** A logistic regression (the output layer alone), or `layers` before it. */
function model(kernel = 'constant:0.5', bias = 'zeros', layers?: string) {
  const plan = planFor({ layers, hidden: [], activation: 'relu', dropout: [] }, { kind: 'flat', size: FEATURES }, CLASSES);
  if (!plan.ok) throw new Error(plan.message);
  return buildModel(tf, { input: { kind: 'flat', size: FEATURES }, plan: plan.value, init: init(kernel), biasInit: init(bias) });
}

interface Run {
  epochs: { epoch: number; metrics: Record<string, number> }[];
  progress: LoopProgress[];
  result: Awaited<ReturnType<typeof trainLoop>>;
  /** `model.getWeights()`: the trainable weights first, then those of frozen layers. */
  weights: number[][];
  /** Each layer's kernel then bias, input side first. */
  layers: number[][][];
}

/** Trains and reads back the final weights; everything but the result's best weights (returned as arrays) is freed. */
async function train(
  data: TrainingData,
  options: Partial<Omit<LoopOptions, 'variables'>> & { optimizer?: OptimizerName; weightDecay?: number; frozen?: number[]; kernel?: string; layers?: string } = {},
  callbacks: Partial<LoopCallbacks> = {},
): Promise<Run & { best: number[][] | null }> {
  baseline = tf.memory().numTensors;
  seedMathRandom(7);
  const net = model(options.kernel, 'zeros', options.layers);
  freezeLayers(net, options.frozen ?? []);
  const setup = buildOptimizer(tf, options.optimizer ?? 'sgd', { lr: options.lr ?? 0.1, momentum: 0, nesterov: false, weightDecay: options.weightDecay ?? 0 });
  const epochs: Run['epochs'] = [];
  const progress: LoopProgress[] = [];
  try {
    const result = await trainLoop(
      tf,
      net,
      setup,
      data,
      {
        epochs: options.epochs ?? 3,
        batchSize: options.batchSize ?? 4,
        rng: options.rng ?? new Prng(1),
        lr: options.lr ?? 0.1,
        schedule: options.schedule ?? ({ kind: 'constant' } satisfies LrSchedule),
        variables: trainableVariables(net),
        augment: options.augment ?? null,
        earlyStopping: options.earlyStopping ?? null,
      },
      {
        shouldStop: () => false,
        onEpoch: (epoch, metrics) => void epochs.push({ epoch, metrics }),
        onProgress: (p) => void progress.push(p),
        ...callbacks,
      },
    );
    const weights = net.getWeights().map((w) => Array.from(w.dataSync()));
    const layers = weightLayers(net).map((layer) => layer.getWeights().map((w) => Array.from(w.dataSync())));
    const best = result.bestWeights ? result.bestWeights.map((w) => Array.from(w.dataSync())) : null;
    if (result.bestWeights) tf.dispose(result.bestWeights);
    return { epochs, progress, result, weights, layers, best };
  } finally {
    disposeOptimizer(setup.optimizer);
    net.dispose();
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('the training loop, batch by batch', () => {
  it('cuts each epoch into batches of batch_size, the last one smaller, and reports each with the mean loss so far', async () => {
    const data = trainingData(dataset(14), range(0, 10), range(10, 14));
    const { progress } = await train(data, { epochs: 2, batchSize: 4, lr: 0 });
    expect(progress.map((p) => [p.epoch, p.batch, p.batches, p.epochs])).toEqual([
      [1, 1, 3, 2],
      [1, 2, 3, 2],
      [1, 3, 3, 2],
      [2, 1, 3, 2],
      [2, 2, 3, 2],
      [2, 3, 3, 2],
    ]);
    for (const p of progress) expect(Number.isFinite(p.loss)).toBe(true);
  });

  it('takes the whole training set as one batch when batch_size is larger', async () => {
    const data = trainingData(dataset(8), range(0, 5), range(5, 8));
    const { progress } = await train(data, { epochs: 1, batchSize: 64, lr: 0 });
    expect(progress.map((p) => [p.batch, p.batches])).toEqual([[1, 1]]);
  });

  it('reports train_loss and train_accuracy as means over every sample of the epoch, whatever the batch sizes', async () => {
    const table = dataset(14);
    const data = trainingData(table, range(0, 10), range(10, 14));
    // A learning rate of 0: the weights of every batch are the starting ones, so the epoch's means are evaluate()'s.
    const { epochs } = await train(data, { epochs: 1, batchSize: 4, lr: 0, kernel: 'uniform:-1,1' });
    baseline = tf.memory().numTensors;
    seedMathRandom(7);
    const net = model('uniform:-1,1');
    const expected = await evaluate(tf, net, data, data.trainRows);
    const expectedVal = await evaluate(tf, net, data, data.valRows);
    net.dispose();
    const metrics = epochs[0]?.metrics as Record<string, number>;
    expect(metrics.train_loss).toBeCloseTo(expected.loss, 6);
    expect(metrics.train_accuracy).toBeCloseTo(expected.accuracy, 6);
    expect(metrics.val_loss).toBeCloseTo(expectedVal.loss, 6);
    expect(metrics.val_accuracy).toBeCloseTo(expectedVal.accuracy, 6);
    // Random weights get some rows wrong: the means are of differing values, so they are no accident.
    expect(expected.accuracy).toBeGreaterThan(0);
    expect(expected.accuracy).toBeLessThan(1);
  });

  it("learns: a separable set's training and validation accuracy reach 1", async () => {
    const data = trainingData(dataset(20), range(0, 14), range(14, 20));
    const { epochs } = await train(data, { epochs: 30, batchSize: 4, lr: 0.5, kernel: 'zeros' });
    expect(epochs.at(-1)?.metrics.train_accuracy).toBe(1);
    expect(epochs.at(-1)?.metrics.val_accuracy).toBe(1);
    expect(epochs.at(-1)?.metrics.train_loss).toBeLessThan(epochs[0]?.metrics.train_loss as number);
  });

  it('shuffles the training rows afresh every epoch, from its seed', async () => {
    const seen: number[][] = [];
    const data = trainingData(dataset(12), range(0, 8), range(8, 12));
    const recording: TrainingData = { ...data, inputs: (rows) => (seen.push(Array.from(rows)), data.inputs(rows)) };
    await train(recording, { epochs: 2, batchSize: 8, lr: 0 });
    // Two epochs, each one training batch then one validation chunk.
    const [first, , second] = seen as [number[], number[], number[]];
    expect([...first].sort((a, b) => a - b)).toEqual(range(0, 8));
    expect([...second].sort((a, b) => a - b)).toEqual(range(0, 8));
    expect(second).not.toEqual(first);
    expect(first).not.toEqual(range(0, 8));
  });

  it('logs each epoch’s learning rate from the schedule, and trains with that rate', async () => {
    const data = trainingData(dataset(8), range(0, 6), range(6, 8));
    const { epochs } = await train(data, { epochs: 3, lr: 0.4, schedule: { kind: 'step', every: 1, gamma: 0.5 } });
    expect(epochs.map((e) => e.metrics.lr)).toEqual([0.4, 0.2, 0.1]);
  });

  it('checks the device after every batch; a device that fails ends the loop with its error, freeing every tensor', async () => {
    const data = trainingData(dataset(10), range(0, 8), range(8, 10));
    let checks = 0;
    await expect(
      train(data, { epochs: 3, batchSize: 4 }, {
        checkDevice: () => {
          checks++;
          if (checks === 3) throw new Error('the GPU device was lost');
        },
      }),
    ).rejects.toThrow('the GPU device was lost');
    expect(checks).toBe(3);
  });

  it('a run that fails after early stopping kept a copy of its best weights frees that copy too', async () => {
    const data = trainingData(dataset(10), range(0, 8), range(8, 10));
    let checks = 0;
    // Two batches an epoch: the copy of epoch 1's weights exists when the device fails in epoch 2 (afterEach counts).
    await expect(
      train(data, { epochs: 5, batchSize: 4, earlyStopping: { patience: 3, minDelta: 0 } }, {
        checkDevice: () => {
          checks++;
          if (checks === 3) throw new Error('the GPU device was lost');
        },
      }),
    ).rejects.toThrow('the GPU device was lost');
  });
});

describe('stopping and divergence', () => {
  it('yields to the event loop between batches, so a stop that arrives as an event (the host’s message) acts at the next batch', async () => {
    const data = trainingData(dataset(40), range(0, 32), range(32, 40));
    let stop = false;
    let batches = 0;
    const run = await train(data, { epochs: 2, batchSize: 4 }, {
      onProgress: () => {
        batches++;
        if (batches === 1) setImmediate(() => (stop = true));
      },
      shouldStop: () => stop,
    });
    expect(run.result.outcome).toBe('stopped');
    expect(batches).toBe(1);
  });

  it('stops before the next batch when asked, reporting the last complete epoch', async () => {
    const data = trainingData(dataset(12), range(0, 8), range(8, 12));
    let batches = 0;
    const run = await train(data, { epochs: 4, batchSize: 4 }, { onProgress: () => void batches++, shouldStop: () => batches >= 3 });
    expect(run.result).toMatchObject({ outcome: 'stopped', reason: 'stopped', lastEpoch: 1, bestWeights: null });
    expect(batches).toBe(3);
    expect(run.epochs.map((e) => e.epoch)).toEqual([1]);
  });

  it('stopped before any batch: no epoch, last epoch 0', async () => {
    const data = trainingData(dataset(8), range(0, 6), range(6, 8));
    const run = await train(data, { epochs: 2 }, { shouldStop: () => true });
    expect(run.result).toMatchObject({ outcome: 'stopped', lastEpoch: 0, bestEpoch: null });
    expect(run.epochs).toEqual([]);
  });

  it('a training loss that is not finite ends the loop in that batch, reporting the epoch so far without validation', async () => {
    const table = dataset(12, (row) => (row === 5 ? [Number.NaN, 1] : [row % 2 === 0 ? 1 : -1, 0]));
    const data = trainingData(table, range(0, 8), range(8, 12));
    const run = await train(data, { epochs: 3, batchSize: 8 });
    expect(run.result).toMatchObject({ outcome: 'diverged', reason: 'diverged', lastEpoch: 1 });
    expect(run.epochs).toHaveLength(1);
    expect(Object.keys(run.epochs[0]?.metrics ?? {}).sort()).toEqual(['lr', 'train_accuracy', 'train_loss']);
    expect(run.epochs[0]?.metrics.train_loss).toBeNaN();
    // The share of the batch's 8 rows predicted right (a NaN row's logits count as class 0).
    const accuracy = run.epochs[0]?.metrics.train_accuracy as number;
    expect(accuracy * 8).toBeCloseTo(Math.round(accuracy * 8), 9);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    expect(run.progress).toEqual([]);
  });

  it('a validation loss that is not finite ends the loop after reporting that epoch', async () => {
    const table = dataset(12, (row) => (row === 10 ? [Number.POSITIVE_INFINITY, 1] : [row % 2 === 0 ? 1 : -1, 0]));
    const data = trainingData(table, range(0, 8), range(8, 12));
    const run = await train(data, { epochs: 3, batchSize: 8, earlyStopping: { patience: 1, minDelta: 0 } });
    expect(run.result).toMatchObject({ outcome: 'diverged', reason: 'diverged', lastEpoch: 1, bestWeights: null });
    expect(run.epochs.map((e) => e.epoch)).toEqual([1]);
    expect(Number.isFinite(run.epochs[0]?.metrics.val_loss)).toBe(false);
  });
});

describe('early stopping', () => {
  const stopping = (patience: number, minDelta = 0): EarlyStopping => ({ patience, minDelta });

  it('stops after PATIENCE epochs without improvement, and hands over the best epoch’s weights', async () => {
    const data = trainingData(dataset(10), range(0, 6), range(6, 10));
    // lr 0: the validation loss never falls after epoch 1.
    const run = await train(data, { epochs: 10, lr: 0, earlyStopping: stopping(2) });
    expect(run.result).toMatchObject({ outcome: 'finished', reason: 'early_stopping', lastEpoch: 3, bestEpoch: 1 });
    expect(run.epochs).toHaveLength(3);
    expect(run.best).toEqual(run.weights);
  });

  it('patience 1 stops at the first epoch without improvement', async () => {
    const data = trainingData(dataset(10), range(0, 6), range(6, 10));
    const run = await train(data, { epochs: 10, lr: 0, earlyStopping: stopping(1) });
    expect(run.result).toMatchObject({ reason: 'early_stopping', lastEpoch: 2, bestEpoch: 1 });
  });

  it('off: every epoch runs, the first lowest validation loss is the best epoch, and no weights are handed over', async () => {
    const data = trainingData(dataset(10), range(0, 6), range(6, 10));
    const run = await train(data, { epochs: 4, lr: 0 });
    expect(run.result).toMatchObject({ outcome: 'finished', reason: 'completed', lastEpoch: 4, bestEpoch: 1, bestWeights: null });
  });

  it('an improving run completes, and when its last epoch is the best no copy of the weights is handed over', async () => {
    const data = trainingData(dataset(20), range(0, 14), range(14, 20));
    const run = await train(data, { epochs: 5, lr: 0.5, kernel: 'zeros', earlyStopping: stopping(2) });
    const losses = run.epochs.map((e) => e.metrics.val_loss as number);
    expect(losses.every((loss, i) => i === 0 || loss < (losses[i - 1] as number))).toBe(true);
    expect(run.result).toMatchObject({ outcome: 'finished', reason: 'completed', lastEpoch: 5, bestEpoch: 5, bestWeights: null });
  });

  it('counts a fall in validation loss smaller than MIN_DELTA as no improvement', async () => {
    const data = trainingData(dataset(20), range(0, 14), range(14, 20));
    const free = await train(data, { epochs: 4, lr: 0.01, kernel: 'zeros', earlyStopping: stopping(1) });
    const losses = free.epochs.map((e) => e.metrics.val_loss as number);
    expect(free.result.reason).toBe('completed');
    // Falls of about 0.005 per epoch: a min delta of 0.1 counts none of them.
    expect((losses[0] as number) - (losses[1] as number)).toBeGreaterThan(0);
    expect((losses[0] as number) - (losses[1] as number)).toBeLessThan(0.1);
    const strict = await train(data, { epochs: 4, lr: 0.01, kernel: 'zeros', earlyStopping: stopping(1, 0.1) });
    expect(strict.result).toMatchObject({ reason: 'early_stopping', lastEpoch: 2, bestEpoch: 1 });
    expect(strict.best).not.toEqual(strict.weights);
  });

  it('a stopped run hands no weights over, even with early stopping on', async () => {
    const data = trainingData(dataset(10), range(0, 6), range(6, 10));
    let epochsSeen = 0;
    const run = await train(data, { epochs: 10, lr: 0, earlyStopping: stopping(5) }, { onEpoch: () => void epochsSeen++, shouldStop: () => epochsSeen >= 2 });
    expect(run.result).toMatchObject({ outcome: 'stopped', lastEpoch: 2, bestEpoch: 1, bestWeights: null });
  });
});

describe('weight decay and frozen layers', () => {
  // Inputs of 0: the kernel's gradient is 0, so only weight decay moves the kernel (the bias still learns).
  const zeros = () => trainingData(dataset(4, () => [0, 0]), range(0, 4), range(0, 2));

  it('sgd: coupled weight decay adds wd·w to the gradient (w ← w − lr·wd·w)', async () => {
    const run = await train(zeros(), { epochs: 1, batchSize: 4, lr: 0.5, weightDecay: 0.1, optimizer: 'sgd', kernel: 'constant:1' });
    expect(run.layers[0]?.[0]).toHaveLength(4);
    for (const value of run.layers[0]?.[0] ?? []) expect(value).toBeCloseTo(0.95, 6);
  });

  it('adamw: decoupled decay shrinks the weights by lr·wd·w before a step whose gradient is 0', async () => {
    const run = await train(zeros(), { epochs: 1, batchSize: 4, lr: 0.5, weightDecay: 0.1, optimizer: 'adamw', kernel: 'constant:1' });
    expect(run.layers[0]?.[0]).toHaveLength(4);
    for (const value of run.layers[0]?.[0] ?? []) expect(value).toBeCloseTo(0.95, 5);
  });

  it('adam: coupled decay goes through Adam’s normalised step (about lr), unlike AdamW', async () => {
    const run = await train(zeros(), { epochs: 1, batchSize: 4, lr: 0.01, weightDecay: 0.1, optimizer: 'adam', kernel: 'constant:1' });
    expect(run.layers[0]?.[0]).toHaveLength(4);
    for (const value of run.layers[0]?.[0] ?? []) expect(value).toBeCloseTo(0.99, 4);
  });

  it('no weight decay: a kernel with no gradient stays where it is', async () => {
    const run = await train(zeros(), { epochs: 1, batchSize: 4, lr: 0.5, optimizer: 'adamw', kernel: 'constant:1' });
    expect(run.layers[0]?.[0]).toEqual([1, 1, 1, 1]);
  });

  it('decays and trains only the layers that are not frozen', async () => {
    const data = trainingData(dataset(10), range(0, 8), range(8, 10));
    const run = await train(data, { epochs: 2, batchSize: 4, lr: 0.5, weightDecay: 0.1, optimizer: 'adamw', kernel: 'constant:1', layers: 'linear(3)', frozen: [0] });
    expect(run.layers[0]).toEqual([new Array(6).fill(1), [0, 0, 0]]);
    expect(run.layers[1]?.[0]).not.toEqual(new Array(6).fill(1));
  });
});

describe('evaluation', () => {
  it('chunks about a million input values, between 64 and 2048 rows', () => {
    expect(evaluationChunk(1)).toBe(2048);
    expect(evaluationChunk(0)).toBe(2048);
    expect(evaluationChunk(512)).toBe(2048);
    expect(evaluationChunk(1024)).toBe(1024);
    expect(evaluationChunk(784)).toBe(1337);
    expect(evaluationChunk(10_000)).toBe(104);
    expect(evaluationChunk(1_000_000)).toBe(64);
  });

  it('evaluates in evaluation mode (dropout off): the same rows give the same result every time', async () => {
    const table = dataset(40);
    baseline = tf.memory().numTensors;
    seedMathRandom(7);
    const net = model('uniform:-1,1', 'zeros', 'linear(32), dropout(0.5)');
    const rows = Int32Array.from(range(0, 40));
    const data = trainingData(table, [], []);
    const first = await evaluate(tf, net, data, rows);
    const second = await evaluate(tf, net, data, rows);
    net.dispose();
    expect(second).toEqual(first);
  });

  it('takes a row count that is a whole number of chunks in exactly those chunks', async () => {
    const table = dataset(128);
    baseline = tf.memory().numTensors;
    seedMathRandom(7);
    const net = model('uniform:-1,1');
    const seen: number[] = [];
    const data = trainingData(table, [], [], 2 ** 14);
    const result = await evaluate(tf, net, { ...data, inputs: (part) => (seen.push(part.length), data.inputs(part)) }, Int32Array.from(range(0, 128)));
    net.dispose();
    expect(seen).toEqual([64, 64]);
    expect(Number.isFinite(result.loss)).toBe(true);
  });

  it('gives the same mean loss and accuracy over many chunks as over one', async () => {
    const table = dataset(150);
    baseline = tf.memory().numTensors;
    seedMathRandom(7);
    const net = model('uniform:-1,1');
    const rows = Int32Array.from(range(0, 150));
    const whole = await evaluate(tf, net, trainingData(table, [], [], 1), rows);
    // A sample size of 2^20 / 64 makes chunks of 64 rows: 64, 64 and 22.
    const seen: number[] = [];
    const data = trainingData(table, [], [], 2 ** 14);
    const chunked = await evaluate(tf, net, { ...data, inputs: (part) => (seen.push(part.length), data.inputs(part)) }, rows);
    net.dispose();
    expect(seen).toEqual([64, 64, 22]);
    expect(chunked.loss).toBeCloseTo(whole.loss, 6);
    expect(chunked.accuracy).toBeCloseTo(whole.accuracy, 9);
    expect(whole.accuracy).toBeGreaterThan(0.3);
    expect(whole.accuracy).toBeLessThan(1);
  });
});
