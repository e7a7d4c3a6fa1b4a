import { describe, expect, it } from 'vitest';
import { AUTO_ORDER, diagnoseLoadError, hasNvidiaDevice, installTfjsNodeUtilShim, isPackageInstalled, notInstalledReason } from '../../src-main/training/backend-diagnosis';
import { backendStatuses } from '../../src-main/training/host/backend-status';

describe('backend detection', () => {
  it('tries the fastest backend first for --backend auto', () => {
    expect(AUTO_ORDER).toEqual(['tensorflow-cuda', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
  });

  it('reports a native backend whose package is missing as not installed, with what to do', () => {
    const statuses = backendStatuses(() => false);
    expect(statuses.map((s) => [s.name, s.installed])).toEqual([
      ['tensorflow-cuda', false],
      ['webgpu', false],
      ['tensorflow', false],
      ['wasm', true],
      ['cpu', true],
    ]);
    expect(statuses[0]?.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed.*npm install @tensorflow\/tfjs-node-gpu/);
    expect(backendStatuses((pkg) => pkg === '@tensorflow/tfjs-node')[2]).toMatchObject({ installed: true, reason: null });
    expect(statuses[1]?.reason).toMatch(/package webgpu and @tensorflow\/tfjs-backend-webgpu are not installed.*npm install webgpu@0\.6\.2/);
    expect(backendStatuses((pkg) => pkg !== 'webgpu')[1]?.reason).toMatch(/^package webgpu is not installed/);
    expect(backendStatuses(() => true)[1]).toMatchObject({ name: 'webgpu', installed: true, reason: null });
  });

  it('finds installed packages by resolving them', () => {
    expect(isPackageInstalled('zod')).toBe(true);
    expect(isPackageInstalled('@tensorflow/definitely-not-a-package')).toBe(false);
  });

  it('sees an NVIDIA GPU only through its driver device nodes', () => {
    expect(hasNvidiaDevice(() => false)).toBe(false);
    expect(hasNvidiaDevice((p) => p === '/dev/nvidia0')).toBe(true);
    expect(hasNvidiaDevice((p) => p === '/proc/driver/nvidia/version')).toBe(true);
  });
});

describe('CUDA load-error diagnosis', () => {
  it('names a missing CUDA 11.2 runtime', () => {
    const message = 'libcudart.so.11.0: cannot open shared object file: No such file or directory';
    expect(diagnoseLoadError('tensorflow-cuda', message, true)).toMatch(/CUDA 11\.2 runtime \(libcudart\.so\.11\.0\) is missing/);
  });

  it('names a missing cuDNN 8', () => {
    expect(diagnoseLoadError('tensorflow-cuda', 'libcudnn.so.8: cannot open shared object file', true)).toMatch(/cuDNN 8 .*libcudnn\.so\.8.* is missing/);
  });

  it('names other missing CUDA libraries', () => {
    expect(diagnoseLoadError('tensorflow-cuda', 'libcublasLt.so.11: cannot open shared object file', true)).toMatch(/libcublasLt\.so\.11 from CUDA 11\.2 is missing/);
  });

  it('says when libtensorflow itself was never downloaded', () => {
    expect(diagnoseLoadError('tensorflow', "Cannot find module '/x/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'", false)).toMatch(/native library \(libtensorflow\) is not/);
  });

  it('says when there is no GPU at all', () => {
    expect(diagnoseLoadError('tensorflow-cuda', 'failed call to cuInit: CUDA_ERROR_NO_DEVICE', false)).toMatch(/no NVIDIA GPU or driver was found/);
  });

  it('explains a missing package', () => {
    expect(notInstalledReason('tensorflow')).toMatch(/storage\.googleapis\.com/);
  });
});

describe('tfjs-node util shim', () => {
  it('restores util.isNullOrUndefined and util.isArray where Node removed them, and leaves existing ones alone', () => {
    const util: Record<string, unknown> = {};
    installTfjsNodeUtilShim(util);
    expect((util.isNullOrUndefined as (v: unknown) => boolean)(null)).toBe(true);
    expect((util.isNullOrUndefined as (v: unknown) => boolean)(0)).toBe(false);
    expect((util.isArray as (v: unknown) => boolean)([])).toBe(true);
    const own = () => true;
    const existing: Record<string, unknown> = { isArray: own };
    installTfjsNodeUtilShim(existing);
    expect(existing.isArray).toBe(own);
  });
});
