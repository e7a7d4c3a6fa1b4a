/**
 * The `webgpu` backend in a training process: Dawn's Node bindings (the optional package `webgpu`) give WebGPU, and
 * TensorFlow.js's WebGPU backend runs on the adapter chosen here. One device per process, kept while a warm worker
 * trains its next run and destroyed when the process ends (`releaseWebGpu`). Runs only in the training process.
 */
import { createRequire } from 'node:module';
import { WEBGPU_PACKAGES, webGpuNotInstalledReason } from '../backend-diagnosis';
import { autoRefusal, adapterDeviceText, summariseAdapter, type AdapterInfoFields, type WebGpuAdapter } from '../webgpu-adapters';
import { explainNoAdapter, explainNoHardwareAdapter, findVulkanSetup, gpuFailureMessage, vulkanDriverEnv, type GpuFailure, type VulkanSetup } from '../webgpu-diagnosis';
import type { AdapterList } from '../worker-protocol';
import type { Tf } from './model';

const requireModule = createRequire(import.meta.url);

/** The slice of Dawn's WebGPU API this file uses (the package's own types are DOM-flavoured). */
interface DawnAdapter {
  info: AdapterInfoFields;
  limits: Record<string, number>;
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<DawnDevice>;
}
interface DawnDevice {
  lost: Promise<{ reason: string; message: string }>;
  addEventListener(type: 'uncapturederror', listener: (event: { error: { constructor: { name: string }; message: string } }) => void): void;
  destroy(): void;
}
interface DawnGpu {
  requestAdapter(options: { powerPreference?: 'high-performance' | 'low-power'; forceFallbackAdapter?: boolean }): Promise<DawnAdapter | null>;
}
interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}
interface TfjsWebGpu {
  WebGPUBackend: new (device: DawnDevice, info: AdapterInfoFields) => unknown;
}

/** The device in use, what it is, and what went wrong on it. */
interface ActiveDevice {
  device: DawnDevice;
  adapter: WebGpuAdapter;
  failure: Omit<GpuFailure, 'thrown'>;
  released: boolean;
}

let gpu: DawnGpu | null = null;
let active: ActiveDevice | null = null;

/** Loads Dawn once per process, after giving the Vulkan loader a SwiftShader when the machine has one. */
async function dawn(): Promise<{ gpu: DawnGpu; setup: VulkanSetup }> {
  const setup = findVulkanSetup();
  Object.assign(process.env, vulkanDriverEnv(process.env, setup));
  if (gpu) return { gpu, setup };
  let module: DawnModule;
  try {
    module = (await import(WEBGPU_PACKAGES.dawn)) as DawnModule;
  } catch (error) {
    const message = (error as Error).message;
    const notInstalled = webGpuNotInstalledReason();
    if (notInstalled) throw new Error(notInstalled);
    throw new Error(`Dawn's native module (package webgpu) could not be loaded: ${message}`);
  }
  // TensorFlow.js's backend reads WebGPU's constants (GPUBufferUsage...) as globals, as in a browser.
  for (const [name, value] of Object.entries(module.globals)) if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  gpu = module.create([]);
  return { gpu, setup };
}

/**
 * Every adapter Dawn offers, at most one per kind it can be asked for (the fastest, the low-power one, the
 * fallback), and why there is no hardware one when there is not.
 */
export async function listAdapters(): Promise<AdapterList> {
  const { gpu: instance, setup } = await dawn();
  const found = await Promise.all([
    instance.requestAdapter({ powerPreference: 'high-performance' }),
    instance.requestAdapter({ powerPreference: 'low-power' }),
    instance.requestAdapter({ forceFallbackAdapter: true }),
  ]);
  const adapters: WebGpuAdapter[] = [];
  for (const adapter of found) {
    if (!adapter) continue;
    const summary = summariseAdapter(adapter.info);
    if (!adapters.some((a) => a.description === summary.description && a.vendor === summary.vendor && a.architecture === summary.architecture)) adapters.push(summary);
  }
  return { adapters, noHardware: adapters.some((a) => !a.software) ? null : explainNoHardwareAdapter(setup).message };
}

/**
 * Makes `webgpu` the current TensorFlow.js backend on Dawn's preferred adapter (a discrete GPU before an integrated
 * one before software) and returns the run's device text. `auto` refuses a software adapter; a name accepts it,
 * saying on stderr what a GPU would need. Throws, saying what is missing, when there is no adapter.
 */
export async function activateWebGpu(tf: Tf, mode: 'auto' | 'named'): Promise<string> {
  if (active && !active.released && active.failure.lost === null) {
    if (mode === 'auto' && autoRefusal(active.adapter)) throw new Error(autoRefusal(active.adapter) as string);
    if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialise.');
    return adapterDeviceText(active.adapter);
  }
  const { gpu: instance, setup } = await dawn();
  const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(explainNoAdapter(setup).message);
  const summary = summariseAdapter(adapter.info);
  const refusal = autoRefusal(summary);
  if (mode === 'auto' && refusal) throw new Error(refusal);
  if (summary.software) console.warn(`runboard: training on a software WebGPU adapter (${summary.description}), slower than wasm. For a GPU: ${explainNoHardwareAdapter(setup).message}`);
  let tfjsWebGpu: TfjsWebGpu;
  try {
    tfjsWebGpu = requireModule(WEBGPU_PACKAGES.tfjs) as TfjsWebGpu;
  } catch (error) {
    throw new Error(webGpuNotInstalledReason() ?? `${WEBGPU_PACKAGES.tfjs} could not be loaded: ${(error as Error).message}`);
  }
  // The same limits TensorFlow.js asks for when it picks an adapter itself: as large as the adapter allows.
  const limits = adapter.limits;
  const names = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'];
  const device = await adapter.requestDevice({ requiredLimits: Object.fromEntries(names.map((name) => [name, limits[name] as number])) });
  const current: ActiveDevice = { device, adapter: summary, failure: { lost: null, errors: [] }, released: false };
  void device.lost.then((info) => {
    current.failure.lost = { reason: info.reason, message: info.message };
  });
  device.addEventListener('uncapturederror', (event) => {
    if (current.failure.errors.length < 10) current.failure.errors.push({ kind: event.error.constructor.name, message: event.error.message });
  });
  active = current;
  // The backend's constructor checks for `navigator.gpu`, as in a browser. Set only now, after the package was
  // loaded: it registers a backend of its own on load when it sees one, on whatever adapter it picks.
  const navigatorObject = (globalThis as { navigator?: object }).navigator;
  if (navigatorObject) Object.defineProperty(navigatorObject, 'gpu', { value: instance, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: instance }, configurable: true, writable: true });
  tf.registerBackend('webgpu', () => new tfjsWebGpu.WebGPUBackend(device, adapter.info) as ReturnType<Parameters<Tf['registerBackend']>[1]>, 0);
  if (!(await tf.setBackend('webgpu'))) {
    releaseWebGpu(tf);
    throw new Error('the webgpu backend did not initialise on the adapter.');
  }
  return adapterDeviceText(summary);
}

/**
 * Checks the device between batches: throws the message a user can act on once the GPU ran out of memory or the
 * device was lost (WebGPU reports both asynchronously, so the batch that met them may have "succeeded").
 */
export function checkWebGpu(): void {
  if (!active || active.released) return;
  const { lost, errors } = active.failure;
  if (lost || errors.length > 0) throw new Error(gpuFailureMessage({ ...active.failure, thrown: lost ? 'the GPU device was lost' : (errors[0]?.message ?? '') }));
}

/** The message a run that failed on WebGPU ends with (see `gpuFailureMessage`). */
export function explainWebGpuFailure(thrown: string): string {
  if (!active) return thrown;
  return gpuFailureMessage({ ...active.failure, thrown });
}

/** Whether a device is open now (tests, and the worker's end). */
export function webGpuDeviceOpen(): boolean {
  return active !== null && !active.released;
}

/** Frees the backend's tensors and destroys the device (Dawn's GPU memory goes with it); safe to call twice. */
export function releaseWebGpu(tf: Tf): void {
  if (!active || active.released) return;
  active.released = true;
  // Removing the backend frees its buffers (and, were it current, leaves TensorFlow.js without one until the next
  // setBackend). Asked of the factory, not `findBackend`, which would initialise a backend never used.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  active.device.destroy();
  active = null;
}
