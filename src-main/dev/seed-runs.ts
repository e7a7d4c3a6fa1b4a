import { Prng } from '../../src-shared/prng';
import { usesMomentum, type OptimizerName } from '../../src-shared/entities/train-config';
import type { MetricPointInput } from '../store/run-store';
import type { RunStore } from '../store/run-store';

export interface SeedOptions {
  runs: number;
  /** Epochs per run (default 50). */
  epochs: number;
  seed: number;
  onProgress?: (done: number) => void;
}

const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'adam', 'adamw', 'rmsprop'];
const ACTIVATIONS = ['relu', 'tanh', 'elu'];
const DATASETS = ['digits', 'iris', 'spirals'];

/**
 * Fills a database with realistic synthetic runs, for benchmarks and for trying the UI at scale: about 20 typed params,
 * 6 metrics per epoch (training and validation loss and accuracy, the learning rate, a gradient norm) following
 * learning curves whose speed and final level depend on the params, some overfitting, a few failures and
 * divergences, spread over experiments and sweeps. Deterministic for a seed.
 */
export async function seedRuns(store: RunStore, options: SeedOptions): Promise<number> {
  const rng = new Prng(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const start = Date.now() - options.runs * 60_000;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < options.runs; i++) {
    const lr = 10 ** -(1 + 3 * rng.next());
    const dropout = Math.round(rng.next() * 6) / 10;
    const hidden = [32, 64, 128, 256, 512][rng.nextInt(5)] as number;
    const depth = 1 + rng.nextInt(3);
    const optimizer = OPTIMIZERS[rng.nextInt(OPTIMIZERS.length)] as OptimizerName;
    const weightDecay = rng.next() < 0.5 ? 0 : 10 ** -(2 + 3 * rng.next());
    const batch = 2 ** (4 + rng.nextInt(5));
    const activation = ACTIVATIONS[rng.nextInt(ACTIVATIONS.length)] as string;
    const init = rng.next() < 0.7 ? 'glorot-uniform' : 'he-normal';
    const momentum = 0.85 + 0.14 * rng.next();
    const nesterov = rng.next() < 0.2;
    const params = {
      dataset: DATASETS[i % DATASETS.length] as string,
      hidden: Array.from({ length: depth }, () => hidden).join(','),
      activation,
      init,
      bias_init: 'zeros',
      dropout,
      optimizer,
      lr,
      // As a real run records them: momentum only where the optimiser uses it, Nesterov only for SGD.
      ...(usesMomentum(optimizer) ? { momentum } : {}),
      ...(optimizer === 'sgd' ? { nesterov } : {}),
      weight_decay: weightDecay,
      lr_schedule: ['constant', 'cosine', 'step:10,0.5'][rng.nextInt(3)] as string,
      batch_size: batch,
      epochs: options.epochs,
      seed: rng.nextInt(2 ** 31),
      val_split: 0.2,
      test_split: rng.next() < 0.3 ? 0.1 : 0,
      standardize: rng.next() < 0.5,
      augment: rng.next() < 0.2 ? 'shift=1,noise=0.05' : 'none',
      backend: 'wasm',
    };
    const experiment = `seeded-${1 + (i % 8)}`;
    const run = await store.createRun({ experiment, name: `seed-${i + 1}`, config: params, params, seed: params.seed, backend: 'wasm', dataset: params.dataset });
    const began = start + i * 60_000;
    await store.markRunning(run.run_id, { backend: 'wasm', device: 'CPU (WebAssembly SIMD, 1 thread)', time: began });
    // Learning speed peaks near lr 1e-2; capacity and regularisation move the final level and the overfitting.
    const speed = Math.max(0.02, 0.35 - 0.12 * Math.abs(Math.log10(lr) + 2)) * (optimizer === 'sgd' ? 0.8 : 1);
    const floor = 0.02 + 0.1 * dropout * 0.3 + 0.05 * rng.next();
    const overfit = (hidden * depth) / 1500 - dropout * 0.5 - weightDecay * 20;
    const diverges = lr > 0.05 && rng.next() < 0.3;
    const fails = rng.next() < 0.01;
    const epochs = fails ? 1 + rng.nextInt(options.epochs) : options.epochs;
    const points: MetricPointInput[] = [];
    let lastTime = began;
    for (let e = 1; e <= epochs; e++) {
      lastTime = began + e * 1000;
      const progress = 1 - Math.exp(-speed * e);
      const train = 2.3 * (1 - progress) + floor + 0.02 * normal();
      const gap = Math.max(0, overfit) * Math.max(0, e - 10) * 0.01;
      const val = diverges && e > epochs / 3 ? NaN : train + 0.05 + gap + 0.03 * normal();
      const accuracy = (loss: number) => Math.min(1, Math.max(0, 1 - loss / 2.4 + 0.01 * normal()));
      points.push(
        { key: 'train_loss', step: e, value: diverges && e > epochs / 3 ? NaN : Math.max(0.001, train), time: lastTime },
        { key: 'train_accuracy', step: e, value: accuracy(train), time: lastTime },
        { key: 'val_loss', step: e, value: Number.isNaN(val) ? val : Math.max(0.001, val), time: lastTime },
        { key: 'val_accuracy', step: e, value: Number.isNaN(val) ? 0.1 : accuracy(val), time: lastTime },
        { key: 'lr', step: e, value: lr, time: lastTime },
        { key: 'grad_norm', step: e, value: Math.abs(1 / (e * speed) + 0.1 * normal()), time: lastTime },
      );
    }
    const status = fails ? 'failed' : diverges ? 'diverged' : 'finished';
    // Not awaited one by one: batches logged in the same tick share a transaction (group commit).
    pending.push(store.logBatch(run.run_id, points), store.endRun(run.run_id, { status, time: lastTime + 500, error: fails ? 'Synthetic failure (seeded run).' : null }));
    if ((i + 1) % 250 === 0) {
      await Promise.all(pending.splice(0));
      options.onProgress?.(i + 1);
    }
  }
  await Promise.all(pending);
  options.onProgress?.(options.runs);
  return options.runs;
}
