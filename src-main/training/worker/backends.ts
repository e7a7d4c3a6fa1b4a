import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import util from 'node:util';
import { AppError } from '../../../src-shared/api/errors';
import type { BackendChoice, BackendName } from '../../../src-shared/entities/train-config';
import { chooseBackend } from '../backend-choice';
import { NATIVE_PACKAGES, diagnoseLoadError, hasNvidiaDevice, installTfjsNodeUtilShim, isPackageInstalled, notInstalledReason } from '../backend-diagnosis';
import type { Tf } from './model';
import { registerWasmTrainingKernels } from './wasm-training-kernels';
import { activateWebGpu, checkWebGpu, explainWebGpuFailure, releaseWebGpu } from './webgpu-backend';

const requireModule = createRequire(import.meta.url);

// Loaded with require, not import: Node's ESM loader scans the whole CommonJS bundle for its export names first,
// which doubled a training process's start-up (about 0.5 s instead of 0.25 s, paid by every run and sweep trial).
const tf = requireModule('@tensorflow/tfjs') as Tf;
requireModule('@tensorflow/tfjs-backend-wasm');
// The wasm backend cannot train convolutions without these (see wasm-training-kernels.ts).
registerWasmTrainingKernels(tf);

export interface LoadedBackend {
  tf: Tf;
  backend: BackendName;
  /**
   * What the run trained on, e.g. `CPU (WebAssembly SIMD, 1 thread)`, or for WebGPU the adapter: hardware or
   * software, description, vendor and architecture.
   */
  device: string;
  /** Why faster backends were passed over, for `auto`. */
  skipped: { backend: BackendName; reason: string }[];
  /** Throws, with a message a user can act on, when the device can no longer compute (a GPU out of memory or lost). */
  checkDevice(): void;
  /** The message a run that failed with `thrown` ends with (GPU failures explained). */
  explainFailure(thrown: string): string;
}

function gpuName(): string | null {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 3000 }).split('\n')[0]?.trim() || null;
  } catch {
    return null;
  }
}

/** Loads one backend in this process and makes it current; throws with a diagnosis when it cannot. */
async function activate(backend: BackendName, mode: 'auto' | 'named'): Promise<string> {
  if (backend === 'webgpu') return activateWebGpu(tf, mode);
  if (backend === 'tensorflow-cuda' || backend === 'tensorflow') {
    const pkg = NATIVE_PACKAGES[backend];
    if (!isPackageInstalled(pkg)) throw new Error(notInstalledReason(backend));
    installTfjsNodeUtilShim(util as unknown as Record<string, unknown>);
    try {
      requireModule(pkg);
    } catch (error) {
      throw new Error(diagnoseLoadError(backend, (error as Error).message, hasNvidiaDevice()));
    }
    if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but its backend did not initialise.`);
    if (backend === 'tensorflow-cuda') return `GPU (CUDA): ${gpuName() ?? 'NVIDIA GPU'}`;
    return 'CPU (libtensorflow)';
  }
  if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend did not initialise.`);
  await tf.ready();
  if (backend === 'wasm') return `CPU (WebAssembly${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ' SIMD' : ''}, 1 thread)`;
  return 'CPU (JavaScript)';
}

/**
 * Selects the backend for this process (a training worker: one run at a time, one backend), as `chooseBackend`
 * decides: `auto` tries the fastest first and records why the others were passed over; a named backend that cannot
 * load is an error that says why.
 */
export async function loadBackend(choice: BackendChoice): Promise<LoadedBackend> {
  try {
    const { backend, device, skipped } = await chooseBackend(choice, activate, hasNvidiaDevice());
    tf.enableProdMode();
    const webgpu = backend === 'webgpu';
    return { tf, backend, device, skipped, checkDevice: webgpu ? checkWebGpu : () => {}, explainFailure: webgpu ? explainWebGpuFailure : (thrown) => thrown };
  } catch (error) {
    throw new AppError('BACKEND_UNAVAILABLE', (error as Error).message);
  }
}

/** Releases what a backend holds outside TensorFlow.js's tensors (Dawn's GPU device), when the process ends. */
export function releaseBackends(): void {
  releaseWebGpu(tf);
}
