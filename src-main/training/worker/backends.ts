import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import util from 'node:util';
import { AppError } from '../../../src-shared/api/errors';
import type { BackendChoice, BackendName } from '../../../src-shared/entities/train-config';
import { AUTO_ORDER, NATIVE_PACKAGES, diagnoseLoadError, hasNvidiaDevice, installTfjsNodeUtilShim, isPackageInstalled, notInstalledReason } from '../backend-diagnosis';
import type { Tf } from './model';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

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
  /** What the run trained on, e.g. `CPU (WebAssembly SIMD, 1 thread)`. */
  device: string;
  /** Why faster backends were passed over, for `auto`. */
  skipped: { backend: BackendName; reason: string }[];
}

function gpuName(): string | null {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 3000 }).split('\n')[0]?.trim() || null;
  } catch {
    return null;
  }
}

/** Loads one backend in this process and makes it current; throws with a diagnosis when it cannot. */
async function activate(backend: BackendName): Promise<string> {
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
 * Selects the backend for this process (a training worker: one run, one backend). `auto` tries the fastest first
 * and records why the others were passed over; a named backend that cannot load is an error that says why.
 */
export async function loadBackend(choice: BackendChoice): Promise<LoadedBackend> {
  const candidates = choice === 'auto' ? AUTO_ORDER.filter((b) => b !== 'tensorflow-cuda' || hasNvidiaDevice()) : [choice];
  const skipped: LoadedBackend['skipped'] = [];
  for (const backend of candidates) {
    try {
      const device = await activate(backend);
      tf.enableProdMode();
      return { tf, backend, device, skipped };
    } catch (error) {
      skipped.push({ backend, reason: (error as Error).message });
    }
  }
  const reasons = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  throw new AppError('BACKEND_UNAVAILABLE', `No usable backend for "${choice}": ${reasons}`);
}
