/**
 * WebGPU adapters as Runboard sees them, shared by the training process (which trains on one) and the host
 * (`runboard doctor`, the New run form): whether an adapter is a GPU or a software rasteriser running on the CPU,
 * how a run records it, and whether `--backend auto` may take it. Pure functions over Dawn's `GPUAdapterInfo`.
 */

/** The fields of Dawn's `GPUAdapterInfo` that Runboard reads (any may be empty: drivers fill them unevenly). */
export interface AdapterInfoFields {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** WebGPU's own flag for a fallback (software) adapter; Dawn sets it for SwiftShader. */
  isFallbackAdapter?: boolean;
}

/** One adapter Dawn offers, as doctor lists it and a run records it. */
export interface WebGpuAdapter {
  vendor: string;
  architecture: string;
  /** The driver's description (`NVIDIA GeForce RTX 3060`, `SwiftShader driver 5.0.0`). */
  description: string;
  /** A software rasteriser on the CPU (SwiftShader, lavapipe/llvmpipe, WARP): correct, but slower than wasm. */
  software: boolean;
}

/**
 * Software Vulkan, Metal or Direct3D implementations that Dawn may offer as adapters. Matched against vendor,
 * architecture, device and description together, since drivers put their name in different fields.
 */
const SOFTWARE_NAMES = [/swiftshader/i, /lavapipe/i, /llvmpipe/i, /\bsoftpipe\b/i, /\bwarp\b/i, /microsoft basic render/i];

/** Whether an adapter computes on the CPU rather than a GPU: the fallback flag, or a known software driver's name. */
export function isSoftwareAdapter(info: AdapterInfoFields): boolean {
  if (info.isFallbackAdapter === true) return true;
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  return SOFTWARE_NAMES.some((name) => name.test(text));
}

/** The adapter as a run records it and doctor lists it. */
export function summariseAdapter(info: AdapterInfoFields): WebGpuAdapter {
  return {
    vendor: info.vendor?.trim() || 'unknown vendor',
    architecture: info.architecture?.trim() || 'unknown architecture',
    description: info.description?.trim() || info.device?.trim() || 'no description',
    software: isSoftwareAdapter(info),
  };
}

/**
 * The run's `device` text for a WebGPU adapter: whether it is a GPU or software, its description, vendor and
 * architecture, e.g. `GPU (WebGPU, hardware): NVIDIA GeForce RTX 3060 [vendor nvidia, architecture ampere]`.
 */
export function adapterDeviceText(adapter: WebGpuAdapter): string {
  const kind = adapter.software ? 'software adapter on the CPU' : 'hardware';
  return `GPU (WebGPU, ${kind}): ${adapter.description} [vendor ${adapter.vendor}, architecture ${adapter.architecture}]`;
}

/**
 * Why `--backend auto` does not take this adapter, or null when it may. A software adapter is never taken by `auto`:
 * it trains more slowly than wasm; it is used only when the user asks for `--backend webgpu` by name.
 */
export function autoRefusal(adapter: WebGpuAdapter): string | null {
  if (!adapter.software) return null;
  return `only a software adapter was found (${adapter.description}, ${adapter.vendor} ${adapter.architecture}): it runs on the CPU, slower than wasm, so auto never picks it; --backend webgpu uses it when asked by name`;
}
