/**
 * What the WebGPU tests need: the optional packages, a Vulkan loader (Debian's `libvulkan1`) and Chromium's
 * SwiftShader Vulkan driver (Debian's `chromium`). The tests point Dawn at SwiftShader alone themselves
 * (`VK_ICD_FILENAMES`), so they run the same on any machine, GPU or not. On a developer's machine without these the
 * tests skip, saying why; CI (`.ci/run` sets RUNBOARD_REQUIRE_WEBGPU=1) fails instead.
 */
import { existsSync } from 'node:fs';
import { beforeAll } from 'vitest';
import { webGpuNotInstalledReason } from '../../src-main/training/backend-diagnosis';
import { findVulkanSetup } from '../../src-main/training/webgpu-diagnosis';

/** Debian Chromium's SwiftShader Vulkan driver manifest. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Set to 1 by CI: the WebGPU tests must run there, so anything missing fails them instead of skipping them. */
export const webgpuRequired = process.env.RUNBOARD_REQUIRE_WEBGPU === '1';

/** Why the WebGPU tests cannot run on this machine, with how to fix it, or null when they can. */
export function webgpuMissing(): string | null {
  const packages = webGpuNotInstalledReason();
  if (packages) return packages;
  if (process.platform !== 'linux') return 'the WebGPU tests run on Linux with SwiftShader';
  if (!findVulkanSetup().loader) return 'no Vulkan loader (libvulkan.so.1): apt-get install libvulkan1';
  if (!existsSync(SWIFTSHADER_ICD)) return `${SWIFTSHADER_ICD} not found (SwiftShader, the software Vulkan driver): apt-get install chromium`;
  return null;
}

const missing = webgpuMissing();
/** Whether the WebGPU suites run: everything is there, or CI requires them (and then fails on what is missing). */
export const webgpuRuns = missing === null || webgpuRequired;

/** A suite's title, saying why it is skipped where something is missing. */
export function webgpuSuiteTitle(title: string): string {
  return webgpuRuns ? title : `${title} (skipped: ${missing})`;
}

/** The environment of a process that runs Dawn in these tests: SwiftShader as the only Vulkan driver. */
export function swiftShaderEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, VK_ICD_FILENAMES: SWIFTSHADER_ICD };
}

/**
 * For a suite that runs Dawn in the test process: fails when something is missing (CI), and makes SwiftShader the
 * only Vulkan driver before Dawn starts.
 */
export function useSwiftShader(): void {
  beforeAll(() => {
    if (missing) throw new Error(`RUNBOARD_REQUIRE_WEBGPU=1 (set by .ci/run) requires the WebGPU tests: ${missing}`);
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  });
}
