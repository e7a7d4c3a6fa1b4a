import type { BackendStatus } from '../../../src-shared/api/contract';
import { NATIVE_PACKAGES, isPackageInstalled, notInstalledReason, webGpuNotInstalledReason } from '../backend-diagnosis';

/**
 * What can be said about each backend without loading it (cheap, safe on the UI host): whether its packages are
 * installed. Loading native backends and asking Dawn for adapters is left to a training process (`runboard doctor`,
 * `system/device`).
 */
export function backendStatuses(isInstalled: (pkg: string) => boolean = isPackageInstalled): BackendStatus[] {
  const native = (name: 'tensorflow-cuda' | 'tensorflow'): BackendStatus => {
    const installed = isInstalled(NATIVE_PACKAGES[name]);
    return { name, installed, loads: null, reason: installed ? null : notInstalledReason(name) };
  };
  const webgpuMissing = webGpuNotInstalledReason(isInstalled);
  return [
    native('tensorflow-cuda'),
    { name: 'webgpu', installed: webgpuMissing === null, loads: null, reason: webgpuMissing },
    native('tensorflow'),
    { name: 'wasm', installed: true, loads: null, reason: null },
    { name: 'cpu', installed: true, loads: null, reason: null },
  ];
}
