/**
 * Which backend a run gets, and how a WebGPU adapter is judged and recorded: the `auto` order (CUDA, a hardware
 * WebGPU adapter, tfjs-node, wasm, cpu), a software adapter never taken by `auto`, and the device text a run keeps.
 */
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../../src-shared/entities/train-config';
import { autoCandidates, chooseBackend, type BackendActivator } from '../../src-main/training/backend-choice';
import { adapterDeviceText, autoRefusal, isSoftwareAdapter, summariseAdapter } from '../../src-main/training/webgpu-adapters';

const SWIFTSHADER = { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true };
const LAVAPIPE = { vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'Mesa 23.2.1', isFallbackAdapter: false };
const WARP = { vendor: 'microsoft', architecture: '', device: 'Microsoft Basic Render Driver', description: 'D3D12 Microsoft Basic Render Driver' };
const NVIDIA = { vendor: 'nvidia', architecture: 'ampere', device: '', description: 'NVIDIA GeForce RTX 3060', isFallbackAdapter: false };
const INTEL = { vendor: 'intel', architecture: 'gen-12lp', device: '', description: 'Intel(R) Iris(R) Xe Graphics' };
const APPLE = { vendor: 'apple', architecture: 'metal-3', device: '', description: 'Apple M2' };

/**
 * A machine as `chooseBackend` sees it: each backend either loads (its device text) or throws its reason, and the
 * WebGPU adapter is hardware or software (software refused in `auto` mode, as `activateWebGpu` does).
 */
function machine(loads: Partial<Record<BackendName, string>>, adapter: typeof SWIFTSHADER | typeof NVIDIA | null): { activate: BackendActivator; tried: string[] } {
  const tried: string[] = [];
  const activate: BackendActivator = async (backend, mode) => {
    tried.push(`${backend}:${mode}`);
    if (backend === 'webgpu') {
      if (!adapter) throw new Error('no adapter');
      const summary = summariseAdapter(adapter);
      const refusal = autoRefusal(summary);
      if (mode === 'auto' && refusal) throw new Error(refusal);
      return adapterDeviceText(summary);
    }
    const device = loads[backend];
    if (device === undefined) throw new Error(`${backend} does not load`);
    return device;
  };
  return { activate, tried };
}

const EVERYTHING = { 'tensorflow-cuda': 'GPU (CUDA)', tensorflow: 'CPU (libtensorflow)', wasm: 'CPU (WebAssembly)', cpu: 'CPU (JavaScript)' };

describe('--backend auto', () => {
  it('takes CUDA through tfjs-node-gpu first when it loads', async () => {
    const { activate } = machine(EVERYTHING, NVIDIA);
    expect((await chooseBackend('auto', activate, true)).backend).toBe('tensorflow-cuda');
  });

  it('takes a hardware WebGPU adapter next, before tfjs-node on the CPU, and records the adapter', async () => {
    const { activate, tried } = machine(EVERYTHING, NVIDIA);
    const decision = await chooseBackend('auto', activate, false);
    expect(decision.backend).toBe('webgpu');
    expect(decision.device).toBe('GPU (WebGPU, hardware): NVIDIA GeForce RTX 3060 [vendor nvidia, architecture ampere]');
    expect(tried).toEqual(['webgpu:auto']);
  });

  it('takes a hardware WebGPU adapter when CUDA is there but does not load, saying why CUDA was passed over', async () => {
    const { activate } = machine({ tensorflow: 'CPU (libtensorflow)', wasm: 'CPU (WebAssembly)' }, NVIDIA);
    const decision = await chooseBackend('auto', activate, true);
    expect(decision.backend).toBe('webgpu');
    expect(decision.skipped).toEqual([{ backend: 'tensorflow-cuda', reason: 'tensorflow-cuda does not load' }]);
  });

  it('never takes a software adapter: tfjs-node, then wasm, then cpu come first, with the reason recorded', async () => {
    const withNode = machine(EVERYTHING, SWIFTSHADER);
    const first = await chooseBackend('auto', withNode.activate, false);
    expect(first.backend).toBe('tensorflow');
    expect(first.skipped[0]?.backend).toBe('webgpu');
    expect(first.skipped[0]?.reason).toMatch(/only a software adapter was found \(SwiftShader driver 5\.0\.0.*auto never picks it/);

    const wasmOnly = machine({ wasm: 'CPU (WebAssembly)', cpu: 'CPU (JavaScript)' }, SWIFTSHADER);
    expect((await chooseBackend('auto', wasmOnly.activate, false)).backend).toBe('wasm');
    expect(wasmOnly.tried).toEqual(['webgpu:auto', 'tensorflow:auto', 'wasm:auto']);

    const cpuOnly = machine({ cpu: 'CPU (JavaScript)' }, SWIFTSHADER);
    expect((await chooseBackend('auto', cpuOnly.activate, false)).backend).toBe('cpu');
  });

  it('tries CUDA only where an NVIDIA driver shows a device', () => {
    expect(autoCandidates(true)).toEqual(['tensorflow-cuda', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
    expect(autoCandidates(false)).toEqual(['webgpu', 'tensorflow', 'wasm', 'cpu']);
  });

  it('fails with every reason when nothing loads', async () => {
    const { activate } = machine({}, null);
    await expect(chooseBackend('auto', activate, false)).rejects.toThrow(/No usable backend for "auto": webgpu: no adapter; tensorflow: tensorflow does not load; wasm: .*; cpu: /);
  });
});

describe('--backend webgpu by name', () => {
  it('takes a software adapter when asked by name, and records it as software', async () => {
    const { activate, tried } = machine(EVERYTHING, SWIFTSHADER);
    const decision = await chooseBackend('webgpu', activate, false);
    expect(decision).toEqual({ backend: 'webgpu', device: 'GPU (WebGPU, software adapter on the CPU): SwiftShader driver 5.0.0 [vendor google, architecture swiftshader]', skipped: [] });
    expect(tried).toEqual(['webgpu:named']);
  });

  it('fails with the reason, never falling back to another backend', async () => {
    const { activate } = machine(EVERYTHING, null);
    await expect(chooseBackend('webgpu', activate, false)).rejects.toThrow('No usable backend for "webgpu": webgpu: no adapter');
  });
});

describe('WebGPU adapters', () => {
  it('tells software adapters (SwiftShader, lavapipe, WARP) from GPUs by the fallback flag and the driver names', () => {
    expect(isSoftwareAdapter(SWIFTSHADER)).toBe(true);
    expect(isSoftwareAdapter({ ...SWIFTSHADER, isFallbackAdapter: undefined })).toBe(true);
    expect(isSoftwareAdapter(LAVAPIPE)).toBe(true);
    expect(isSoftwareAdapter(WARP)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'unknown', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter(NVIDIA)).toBe(false);
    expect(isSoftwareAdapter(INTEL)).toBe(false);
    expect(isSoftwareAdapter(APPLE)).toBe(false);
  });

  it('records vendor, architecture, description and whether it is software, with placeholders for what a driver leaves empty', () => {
    expect(summariseAdapter(LAVAPIPE)).toEqual({ vendor: 'mesa', architecture: 'unknown architecture', description: 'Mesa 23.2.1', software: true });
    expect(summariseAdapter({ vendor: 'amd', architecture: 'rdna-3', device: 'AMD Radeon RX 7600', description: '' })).toEqual({
      vendor: 'amd',
      architecture: 'rdna-3',
      description: 'AMD Radeon RX 7600',
      software: false,
    });
    expect(adapterDeviceText(summariseAdapter(APPLE))).toBe('GPU (WebGPU, hardware): Apple M2 [vendor apple, architecture metal-3]');
  });

  it('lets auto take a GPU and refuses it a software adapter, naming it', () => {
    expect(autoRefusal(summariseAdapter(INTEL))).toBeNull();
    expect(autoRefusal(summariseAdapter(WARP))).toMatch(/only a software adapter was found \(D3D12 Microsoft Basic Render Driver/);
  });
});
