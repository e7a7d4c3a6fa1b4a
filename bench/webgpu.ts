import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCore, type Core } from '../src-main/core';
import { NATIVE_PACKAGES, isPackageInstalled } from '../src-main/training/backend-diagnosis';
import { probeBackend } from '../src-main/training/host/probe-backend';
import { NodeWorkerLauncher } from '../src-main/training/host/worker-launcher';
import type { BackendName, TrainConfigInput } from '../src-shared/entities/train-config';
import { FASHION_MNIST, fashionCore, trained } from './cnn-training';
import { round } from './stats';

/** The digits MLP, compared between backends (dropout 0: the same seed then gives the same computation). */
const MLP: TrainConfigInput = { dataset: 'digits', hidden: [256, 256], dropout: 0, epochs: 3, batch_size: 32, lr: 0.01, seed: 1 };
/** The cnn preset on Fashion-MNIST, as `benchCnnOverhead` trains it on wasm. */
const CNN: TrainConfigInput = { dataset: 'fashion-mnist:n=6000', model: 'cnn', epochs: 2, batch_size: 64, optimizer: 'adam', lr: 0.001, seed: 1 };
/** A small agreement check for a software adapter, where speed means nothing. */
const AGREEMENT: TrainConfigInput = { dataset: 'digits', hidden: [32], dropout: 0, epochs: 2, batch_size: 64, lr: 0.05, seed: 1 };

/** Training samples per second of a run: its training set over each epoch's time (training and validation). */
async function samplesPerSecond(core: Core, input: TrainConfigInput): Promise<number> {
  const run = await trained(core, input);
  return (run.trainSize * run.epochSeconds.length) / run.epochSeconds.reduce((sum, s) => sum + s, 0);
}

/** The largest difference between two runs' losses, epoch by epoch (train and validation). */
async function lossDifference(core: Core, input: TrainConfigInput, a: BackendName, b: BackendName): Promise<number> {
  const first = await trained(core, { ...input, backend: a });
  const second = await trained(core, { ...input, backend: b });
  let worst = 0;
  first.epochs.forEach((epoch, i) => {
    for (const key of ['train_loss', 'val_loss']) worst = Math.max(worst, Math.abs((epoch[key] ?? NaN) - (second.epochs[i]?.[key] ?? NaN)));
  });
  return worst;
}

/**
 * The webgpu backend. On a software adapter (SwiftShader, lavapipe, WARP) only that it ran and how far its losses are
 * from the `cpu` backend's (speed there says nothing about a GPU). On a hardware adapter: `webgpu_vs_wasm` for the
 * digits MLP and the cnn preset on Fashion-MNIST (samples per second, ratio), and `webgpu_vs_tfjs_node` where
 * tfjs-node loads. Goal on a real GPU: the cnn preset at least 10x wasm.
 */
export async function benchWebGpu(): Promise<Record<string, number | string>> {
  const probe = await probeBackend('webgpu', new NodeWorkerLauncher(undefined, { onStderr: () => {} }), { listAdapters: true });
  const adapter = probe.adapters?.adapters[0];
  if (!probe.ok || !adapter) return { webgpu: `not measured: ${probe.error ?? probe.adapters?.noHardware ?? 'no adapter'}` };
  const dir = mkdtempSync(join(tmpdir(), 'runboard-bench-webgpu-'));
  const core = await openCore({ db: { path: join(dir, 'bench.db'), explicit: true }, host: 'cli' });
  try {
    const results: Record<string, number | string> = { webgpu_adapter: `${adapter.software ? 'software' : 'hardware'}: ${adapter.description} (${adapter.vendor} ${adapter.architecture})` };
    results.webgpu_vs_cpu_max_loss_difference = Number((await lossDifference(core, AGREEMENT, 'webgpu', 'cpu')).toPrecision(2));
    if (adapter.software) {
      results.webgpu_bench = 'ran on a software adapter: agreement with cpu only; no speed measured (it would say nothing about a GPU)';
      return results;
    }
    const mlpGpu = await samplesPerSecond(core, { ...MLP, backend: 'webgpu' });
    const mlpWasm = await samplesPerSecond(core, { ...MLP, backend: 'wasm' });
    Object.assign(results, { webgpu_mlp_samples_per_s: Math.round(mlpGpu), wasm_mlp_samples_per_s: Math.round(mlpWasm), webgpu_vs_wasm_mlp: round(mlpGpu / mlpWasm, 2) });
    const fashion = await fashionCore();
    if (fashion) {
      try {
        const cnnGpu = await samplesPerSecond(fashion.core, { ...CNN, backend: 'webgpu' });
        const cnnWasm = await samplesPerSecond(fashion.core, { ...CNN, backend: 'wasm' });
        Object.assign(results, { webgpu_cnn_samples_per_s: Math.round(cnnGpu), wasm_cnn_samples_per_s: Math.round(cnnWasm), webgpu_vs_wasm_cnn: round(cnnGpu / cnnWasm, 2) });
        if (isPackageInstalled(NATIVE_PACKAGES.tensorflow)) {
          const cnnNode = await samplesPerSecond(fashion.core, { ...CNN, backend: 'tensorflow' }).catch(() => NaN);
          results.webgpu_vs_tfjs_node_cnn = Number.isFinite(cnnNode) ? round(cnnGpu / cnnNode, 2) : 'not measured: tfjs-node did not load (runboard doctor says why)';
        }
      } finally {
        await fashion.core.dispose();
        rmSync(fashion.dir, { recursive: true, force: true });
      }
    } else {
      results.webgpu_vs_wasm_cnn = `not measured: ${FASHION_MNIST} is missing (apt-get install dataset-fashion-mnist)`;
    }
    if (isPackageInstalled(NATIVE_PACKAGES.tensorflow)) {
      const mlpNode = await samplesPerSecond(core, { ...MLP, backend: 'tensorflow' }).catch(() => NaN);
      results.webgpu_vs_tfjs_node_mlp = Number.isFinite(mlpNode) ? round(mlpGpu / mlpNode, 2) : 'not measured: tfjs-node did not load (runboard doctor says why)';
    } else {
      results.webgpu_vs_tfjs_node = 'not measured: @tensorflow/tfjs-node is not installed';
    }
    return results;
  } finally {
    await core.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
