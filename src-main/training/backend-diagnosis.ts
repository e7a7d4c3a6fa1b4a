import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BackendName } from '../../src-shared/entities/train-config';

/** The npm package behind each native backend. */
export const NATIVE_PACKAGES = {
  'tensorflow-cuda': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

/**
 * Fastest first: `--backend auto` takes the first that loads. `webgpu` counts only on a hardware adapter (a GPU of
 * any maker, through Dawn); a software one is never taken by `auto` (see `autoRefusal`).
 */
export const AUTO_ORDER: readonly BackendName[] = ['tensorflow-cuda', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

const requireModule = createRequire(import.meta.url);

export function isPackageInstalled(name: string, resolve: (id: string) => string = requireModule.resolve): boolean {
  try {
    resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** Whether this machine shows an NVIDIA GPU to user space (a driver's device node). */
export function hasNvidiaDevice(exists: (path: string) => boolean = existsSync): boolean {
  return exists('/dev/nvidia0') || exists('/dev/nvidiactl') || exists('/proc/driver/nvidia/version');
}

const INSTALL_HINT =
  'tfjs-node downloads libtensorflow from storage.googleapis.com when it installs; where that host cannot be reached the package is skipped (it is optional).';

/** Why a backend's package is missing, and what to do. */
export function notInstalledReason(backend: 'tensorflow-cuda' | 'tensorflow'): string {
  const pkg = NATIVE_PACKAGES[backend];
  return `package ${pkg} is not installed. ${INSTALL_HINT} Run \`npm install ${pkg}@4.22.0\` on a machine with internet access.`;
}

/** The optional packages behind the `webgpu` backend: Dawn's WebGPU for Node, and TensorFlow.js's WebGPU backend. */
export const WEBGPU_PACKAGES = { dawn: 'webgpu', tfjs: '@tensorflow/tfjs-backend-webgpu' } as const;

/**
 * Why the `webgpu` backend's packages are missing and what to do, or null when both are installed. They are
 * optional: npm leaves them out where it cannot install them, and Runboard then trains on the other backends.
 */
export function webGpuNotInstalledReason(isInstalled: (pkg: string) => boolean = isPackageInstalled): string | null {
  const missing = Object.values(WEBGPU_PACKAGES).filter((pkg) => !isInstalled(pkg));
  if (missing.length === 0) return null;
  return `package ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not installed (optional; webgpu ships Dawn prebuilt for Linux x64 and arm64, macOS and Windows x64 and arm64). Run \`npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0\`.`;
}

/**
 * Turns the error thrown while loading a native backend into a diagnosis a user can act on.
 * tfjs-node-gpu 4.x links against CUDA 11.2 (libcudart.so.11.0) and cuDNN 8.1 (libcudnn.so.8) exactly.
 */
export function diagnoseLoadError(backend: 'tensorflow-cuda' | 'tensorflow', message: string, gpuPresent: boolean): string {
  if (/libcudart\.so\.11\.0/.test(message)) {
    return 'the CUDA 11.2 runtime (libcudart.so.11.0) is missing: tfjs-node-gpu 4.22 needs CUDA 11.2 exactly, not 12. Install CUDA 11.2 and add its lib64 folder to LD_LIBRARY_PATH.';
  }
  if (/libcudnn\.so\.8/.test(message)) {
    return 'cuDNN 8 (libcudnn.so.8) is missing: tfjs-node-gpu 4.22 needs cuDNN 8.1 for CUDA 11.2. Install it and add its folder to LD_LIBRARY_PATH.';
  }
  if (/libcu(blas|blasLt|fft|rand|solver|sparse)\.so/.test(message)) {
    const lib = /lib\w+\.so[.\d]*/.exec(message)?.[0] ?? 'a CUDA library';
    return `${lib} from CUDA 11.2 is missing: install the full CUDA 11.2 toolkit libraries.`;
  }
  if (/libtensorflow/.test(message) || /tfjs_binding\.node/.test(message) || /Cannot find module .*napi-v\d/.test(message)) {
    return `${NATIVE_PACKAGES[backend]} is installed but its native library (libtensorflow) is not: its install step could not download it. Reinstall the package on a machine with internet access.`;
  }
  if (backend === 'tensorflow-cuda' && !gpuPresent) return `no NVIDIA GPU or driver was found (${message}).`;
  return message;
}

/**
 * Node 23+ (and so Electron 40+) removed `util.isNullOrUndefined` and `util.isArray`, which tfjs-node 4.22
 * still calls. Restores them before it loads (the upstream fix is merged but not released).
 */
export function installTfjsNodeUtilShim(util: Record<string, unknown>): void {
  if (typeof util.isNullOrUndefined !== 'function') util.isNullOrUndefined = (value: unknown) => value === null || value === undefined;
  if (typeof util.isArray !== 'function') util.isArray = Array.isArray;
}
