import type { BackendStatus } from '../../../src-shared/api/contract';
import { NATIVE_PACKAGES, isPackageInstalled, notInstalledReason } from '../backend-diagnosis';

/**
 * What can be said about each backend without loading it (cheap, safe on the UI host): whether its package is
 * installed. Loading native backends is left to `runboard doctor`, in a separate process.
 */
export function backendStatuses(isInstalled: (pkg: string) => boolean = isPackageInstalled): BackendStatus[] {
  const native = (['tensorflow-cuda', 'tensorflow'] as const).map((name): BackendStatus => {
    const installed = isInstalled(NATIVE_PACKAGES[name]);
    return { name, installed, loads: null, reason: installed ? null : notInstalledReason(name) };
  });
  return [...native, { name: 'wasm', installed: true, loads: null, reason: null }, { name: 'cpu', installed: true, loads: null, reason: null }];
}
