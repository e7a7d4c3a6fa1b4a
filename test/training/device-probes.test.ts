/**
 * The device a New run form shows: the backend a choice settles on, probed in a training process (for `auto`, which
 * backend it takes and why it passed over the others), remembered for a while, one probe for concurrent asks.
 */
import { describe, expect, it } from 'vitest';
import { DeviceProbes } from '../../src-main/training/host/device-probes';
import type { ProbeResult } from '../../src-main/training/host/probe-backend';
import { NodeWorkerLauncher } from '../../src-main/training/host/worker-launcher';
import { requireBuiltWorker } from '../helpers/core';
import { swiftShaderEnv, webgpuRuns } from '../helpers/webgpu';

requireBuiltWorker();

describe('the device a run would use', () => {
  it('probes once per choice while the answer is fresh, and again once it is stale', async () => {
    let now = 0;
    const asked: string[] = [];
    const probe = async (backend: ProbeResult['backend']): Promise<ProbeResult> => {
      asked.push(backend);
      return { backend, chosen: 'wasm', ok: true, device: `device ${asked.length}`, error: null, skipped: [], adapters: null };
    };
    const probes = new DeviceProbes(new NodeWorkerLauncher(), 60_000, probe, () => now);
    const [first, second] = await Promise.all([probes.deviceFor('auto'), probes.deviceFor('auto')]);
    expect(first.device).toBe('device 1');
    expect(second.device).toBe('device 1');
    await probes.deviceFor('cpu');
    now = 59_000;
    expect((await probes.deviceFor('auto')).device).toBe('device 1');
    now = 61_000;
    expect((await probes.deviceFor('auto')).device).toBe('device 3');
    expect(asked).toEqual(['auto', 'cpu', 'auto']);
  });

  it('says which backend auto takes in a real training process, and why it passed over a software WebGPU adapter', async () => {
    const previous = process.env.VK_ICD_FILENAMES;
    if (webgpuRuns) Object.assign(process.env, { VK_ICD_FILENAMES: swiftShaderEnv().VK_ICD_FILENAMES });
    try {
      const result = await new DeviceProbes(new NodeWorkerLauncher()).deviceFor('auto');
      expect(result.ok).toBe(true);
      expect(result.chosen).not.toBe('webgpu');
      if (webgpuRuns) expect(result.skipped.find((s) => s.backend === 'webgpu')?.reason).toMatch(/only a software adapter was found \(SwiftShader/);
    } finally {
      if (previous === undefined) delete process.env.VK_ICD_FILENAMES;
      else process.env.VK_ICD_FILENAMES = previous;
    }
  });
});
