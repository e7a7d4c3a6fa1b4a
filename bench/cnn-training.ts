import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { openCore, type Core } from '../src-main/core';
import { fromMetricValue } from '../src-shared/entities/run';
import { trainConfigSchema, type TrainConfigInput } from '../src-shared/entities/train-config';
import { epochSeconds } from '../src-shared/training-speed';
import { median, round, sideBySide } from './stats';

const run = promisify(execFile);
/** Debian's `dataset-fashion-mnist` (`apt-get install dataset-fashion-mnist`). */
export const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** A core over a fresh database with Fashion-MNIST imported from Debian's package; null when the package is missing. */
export async function fashionCore(): Promise<{ core: Core; dir: string } | null> {
  if (!existsSync(FASHION_MNIST)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'runboard-bench-cnn-'));
  const core = await openCore({ db: { path: join(dir, 'bench.db'), explicit: true }, host: 'cli' });
  await core.datasets.importImages({ name: 'fashion-mnist', path: FASHION_MNIST });
  return { core, dir };
}

/** Trains one run to its end; its per-epoch metrics and the seconds each epoch took (training and validation). */
export async function trained(core: Core, input: TrainConfigInput): Promise<{ epochs: Record<string, number>[]; epochSeconds: number[]; metrics: Record<string, number>; seconds: number; trainSize: number }> {
  const started = await core.trainer.start(trainConfigSchema.parse(input));
  const status = await core.trainer.wait(started.run_id);
  const stored = await core.store.getRun(started.run_id);
  if (status !== 'finished' || !stored?.started_at || !stored.ended_at) throw new Error(`benchmark run ended ${status}: ${stored?.error}`);
  const keys = ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy'];
  const series = await core.store.getMetrics([started.run_id], keys, null);
  const epochs: Record<string, number>[] = Array.from({ length: stored.epochs }, () => ({}));
  for (const s of series) for (const p of s.points) (epochs[p.step - 1] as Record<string, number>)[s.key] = fromMetricValue(p.value);
  const ends = (series.find((s) => s.key === 'val_loss')?.points ?? []).map((p) => p.time);
  const metrics = Object.fromEntries(Object.entries(stored.metrics).map(([k, v]) => [k, fromMetricValue(v)]));
  return { epochs, epochSeconds: epochSeconds(stored.started_at, ends), metrics, seconds: (stored.ended_at - stored.started_at) / 1000, trainSize: stored.outcome?.train_size ?? 0 };
}

const CNN_SETUP = { dataset: 'fashion-mnist:n=6000', model: 'cnn', epochs: 2, batch_size: 64, optimizer: 'adam', lr: 0.001, backend: 'wasm', seed: 1 } as const;

/**
 * cnn_training_overhead_ratio: a Runboard run of the `cnn` preset (worker process, batches made from stored bytes,
 * host, database writes, events) ÷ bare `model.fit` of the same model, data, split, optimiser and backend in its own
 * process with every image already a float tensor. Samples per second over the epochs (training and each epoch's
 * validation, on both sides: from the run's start to its last epoch's end, and fit's whole time). Goal >= 0.95.
 */
export async function benchCnnOverhead(rounds: number): Promise<Record<string, number | string>> {
  const setup = await fashionCore();
  if (!setup) return { cnn_training_overhead_ratio: `not measured: ${FASHION_MNIST} is missing (apt-get install dataset-fashion-mnist)` };
  const { core, dir } = setup;
  try {
    const viaRunboard = async () => {
      const { epochSeconds: seconds } = await trained(core, CNN_SETUP);
      const trainSize = 4800;
      return (trainSize * seconds.length) / seconds.reduce((sum, s) => sum + s, 0);
    };
    const bare = async () => {
      const script = fileURLToPath(new URL('./bare-cnn-fit.js', import.meta.url));
      const { stdout } = await run(process.execPath, [script, core.datasets.userDir as string, CNN_SETUP.dataset, String(CNN_SETUP.epochs), String(CNN_SETUP.batch_size)], { maxBuffer: 1 << 20 });
      return (JSON.parse(stdout.trim().split('\n').at(-1) as string) as { samples_per_s: number }).samples_per_s;
    };
    const result = await sideBySide(rounds, viaRunboard, bare);
    const ours = median(result.a);
    const anchor = median(result.b);
    return { cnn_training_overhead_ratio: round(ours / anchor), cnn_runboard_samples_per_s: Math.round(ours), cnn_bare_fit_samples_per_s: Math.round(anchor) };
  } finally {
    await core.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The accuracy goal: the `cnn` preset on Fashion-MNIST's 60,000 training images (5% of them held out for validation,
 * as a run needs some), evaluated once on the 10,000 test images, wasm backend, `epochs` epochs with Adam at 1e-3
 * annealed by the cosine schedule (what a practitioner does with a fixed epoch budget). Goal: test accuracy
 * >= 0.916 within 15 minutes of training. Reports each epoch's validation accuracy and the minutes.
 */
export async function benchFashionAccuracy(epochs: number): Promise<Record<string, number | string>> {
  const setup = await fashionCore();
  if (!setup) return { fashion_test_accuracy: `not measured: ${FASHION_MNIST} is missing (apt-get install dataset-fashion-mnist)` };
  const { core, dir } = setup;
  try {
    const { epochs: perEpoch, epochSeconds: perEpochSeconds, metrics, seconds } = await trained(core, { dataset: 'fashion-mnist', model: 'cnn', epochs, batch_size: 64, optimizer: 'adam', lr: 0.001, lr_schedule: 'cosine', val_split: 0.05, backend: 'wasm', seed: 1 });
    const trainingSeconds = perEpochSeconds.reduce((sum, s) => sum + s, 0);
    return {
      fashion_test_accuracy: round(metrics.test_accuracy ?? NaN, 4),
      fashion_training_minutes: round(trainingSeconds / 60, 2),
      fashion_run_minutes: round(seconds / 60, 2),
      fashion_val_accuracy_per_epoch: perEpoch.map((e) => (e.val_accuracy ?? NaN).toFixed(4)).join(' '),
      fashion_samples_per_s: Math.round(57_000 / median(perEpochSeconds)),
    };
  } finally {
    await core.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The framework anchor (not a goal): the same architecture trained by PyTorch (Debian's python3-torch, one thread like
 * wasm in Node) on the same images for one epoch, samples per second.
 */
export async function benchPytorchCnn(): Promise<Record<string, number | string>> {
  const script = fileURLToPath(new URL('../../bench/pytorch-cnn.py', import.meta.url));
  try {
    const { stdout } = await run('/usr/bin/python3', [script, FASHION_MNIST], { maxBuffer: 1 << 20, timeout: 30 * 60_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { samples_per_s: number; threads: number };
    return { pytorch_cnn_samples_per_s: Math.round(result.samples_per_s), pytorch_threads: result.threads };
  } catch (error) {
    return { pytorch_cnn_samples_per_s: `not measured: ${(error as Error).message.split('\n')[0]} (apt-get install python3-torch)` };
  }
}
