/**
 * Why WebGPU has no adapter on this machine, and what a failing GPU means to a user. Dawn drives Vulkan on Linux
 * (Metal on macOS, Direct3D 12 on Windows) and needs a Vulkan loader (`libvulkan.so.1`) and a driver; when it finds
 * no adapter it says why only on stderr, so this looks at the same files the loader looks at, and reads Dawn's
 * lines where a caller could capture them (`runboard doctor`). Shared by the training process and the host.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The Vulkan pieces Dawn needs on Linux, as found on disk. */
export interface VulkanSetup {
  platform: NodeJS.Platform;
  /** Where the Vulkan loader is, or null when none was found (Linux only; null elsewhere). */
  loader: string | null;
  /** The driver manifests (ICD JSON files) the loader will read: the environment's, or those in its folders. */
  drivers: string[];
  /** A software driver Runboard adds by itself (Chromium's or Electron's SwiftShader), or null. */
  softwareDriver: string | null;
  /** The variable that replaced the loader's own search for drivers (`VK_ICD_FILENAMES`, `VK_DRIVER_FILES`), or null. */
  driversNamedBy: 'VK_ICD_FILENAMES' | 'VK_DRIVER_FILES' | null;
}

/** File-system access, injectable for tests. */
export interface FileProbe {
  exists(path: string): boolean;
  list(folder: string): string[];
}

const diskProbe: FileProbe = {
  exists: existsSync,
  list: (folder) => {
    try {
      return readdirSync(folder);
    } catch {
      return [];
    }
  },
};

const MULTIARCH: Partial<Record<string, string>> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

/** Folders the dynamic linker searches for `libvulkan.so.1` on common distributions, LD_LIBRARY_PATH first. */
function libraryFolders(env: NodeJS.ProcessEnv, arch: string): string[] {
  const triplet = MULTIARCH[arch];
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const system = ['/usr/lib', '/usr/lib64', '/lib', '/lib64', '/usr/local/lib'];
  const multiarch = triplet ? [`/usr/lib/${triplet}`, `/lib/${triplet}`] : [];
  return [...fromEnv, ...multiarch, ...system];
}

/** The folders the Vulkan loader reads driver manifests from (its documented search order on Linux). */
function driverFolders(env: NodeJS.ProcessEnv): string[] {
  const configDirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const home = env.XDG_DATA_HOME || (env.HOME ? join(env.HOME, '.local', 'share') : null);
  return [...configDirs, '/etc', ...dataDirs, ...(home ? [home] : [])].filter(Boolean).map((folder) => join(folder, 'vulkan', 'icd.d'));
}

/**
 * SwiftShader's Vulkan driver where browsers ship it: Debian's and Ubuntu's Chromium, Fedora's, Google Chrome, and
 * Electron itself (next to its executable). A software adapter: correct, slow, never picked by `auto`.
 */
export function swiftShaderCandidates(execPath: string = process.execPath): string[] {
  return [
    '/usr/lib/chromium/vk_swiftshader_icd.json',
    '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
    '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',
    '/opt/google/chrome/vk_swiftshader_icd.json',
    join(dirname(execPath), 'vk_swiftshader_icd.json'),
  ];
}

/** Finds the Vulkan loader and drivers as the loader itself would (Linux), and a SwiftShader Runboard can add. */
export function findVulkanSetup(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
  files: FileProbe = diskProbe,
  execPath: string = process.execPath,
): VulkanSetup {
  if (platform !== 'linux') return { platform, loader: null, drivers: [], softwareDriver: null, driversNamedBy: null };
  const loader = libraryFolders(env, arch).map((folder) => join(folder, 'libvulkan.so.1')).find((path) => files.exists(path)) ?? null;
  // VK_ICD_FILENAMES and VK_DRIVER_FILES replace the loader's search; VK_ADD_DRIVER_FILES adds to it.
  const replaced = env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES;
  const listed = (value: string | undefined) => (value ?? '').split(':').filter((path) => path !== '' && files.exists(path));
  const drivers = replaced
    ? listed(replaced)
    : [...driverFolders(env).flatMap((folder) => files.list(folder).filter((name) => name.endsWith('.json')).map((name) => join(folder, name))), ...listed(env.VK_ADD_DRIVER_FILES)];
  const softwareDriver = replaced ? null : (swiftShaderCandidates(execPath).find((path) => files.exists(path)) ?? null);
  const driversNamedBy = env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : env.VK_ICD_FILENAMES ? 'VK_ICD_FILENAMES' : null;
  return { platform, loader, drivers: [...new Set(drivers)], softwareDriver, driversNamedBy };
}

/**
 * The environment a training process gives the Vulkan loader before Dawn starts: a SwiftShader found on the
 * machine is added to the drivers (`VK_ADD_DRIVER_FILES`, which keeps every GPU driver), so WebGPU works on a machine
 * without a GPU driver without the user setting anything. Nothing changes when the user chose the drivers
 * (`VK_ICD_FILENAMES` or `VK_DRIVER_FILES`), or when there is no SwiftShader. Returns the variables to set.
 */
export function vulkanDriverEnv(env: NodeJS.ProcessEnv, setup: VulkanSetup): Record<string, string> {
  if (!setup.softwareDriver || env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) return {};
  const added = (env.VK_ADD_DRIVER_FILES ?? '').split(':').filter(Boolean);
  if (added.includes(setup.softwareDriver)) return {};
  return { VK_ADD_DRIVER_FILES: [...added, setup.softwareDriver].join(':') };
}

/** Dawn's warning lines (from its stderr) that say why an adapter was refused or none was found. */
export function dawnReasons(stderr: string): string[] {
  const reasons = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^Warning: /.test(line) && !/XDG_RUNTIME_DIR/.test(line))
    .map((line) => line.replace(/^Warning: /, ''));
  return [...new Set(reasons)];
}

/** What is missing for WebGPU on this machine, as a short label (doctor) and what to do about it. */
export interface NoAdapterReason {
  missing: 'vulkan-loader' | 'vulkan-driver' | 'driver-too-old' | 'no-adapter' | 'package';
  message: string;
}

const GET_LOADER = 'install the Vulkan loader (Debian and Ubuntu: `sudo apt install libvulkan1`; Fedora: `sudo dnf install vulkan-loader`; Arch: `sudo pacman -S vulkan-icd-loader`)';
const GET_DRIVER =
  "install your GPU's Vulkan driver (AMD and Intel: Mesa 23.1 or newer, `sudo apt install mesa-vulkan-drivers`; NVIDIA: the proprietary driver 525 or newer). Without a GPU, Chromium's SwiftShader gives a software adapter that Runboard finds by itself (`sudo apt install chromium`): correct but slower than wasm, for trying WebGPU out";

/**
 * Why Dawn found no adapter, from the Vulkan setup on disk and Dawn's own words when a caller captured them:
 * no Vulkan loader, no driver, or drivers Dawn refused (too old, e.g. Mesa 22's lavapipe).
 */
export function explainNoAdapter(setup: VulkanSetup, dawnLines: readonly string[] = []): NoAdapterReason {
  const dawn = dawnLines.length > 0 ? ` Dawn said: "${dawnLines.join('; ')}".` : '';
  if (setup.platform === 'darwin') return { missing: 'no-adapter', message: `Dawn found no Metal adapter (macOS 11 or newer with a Metal GPU is needed).${dawn}` };
  if (setup.platform === 'win32') return { missing: 'no-adapter', message: `Dawn found no Direct3D 12 or Vulkan adapter: update your GPU driver.${dawn}` };
  const loaderFailed = dawnLines.some((line) => /Couldn't load Vulkan/i.test(line));
  if (!setup.loader || loaderFailed) {
    return { missing: 'vulkan-loader', message: `no Vulkan loader (libvulkan.so.1) was found: Dawn drives the GPU through Vulkan; ${GET_LOADER}.${dawn}` };
  }
  const named = setup.driversNamedBy ? ` (${setup.driversNamedBy} limits the loader to ${setup.drivers.length > 0 ? setup.drivers.join(', ') : 'files that do not exist'}; unset it to use every installed driver)` : '';
  const noDrivers = dawnLines.some((line) => /Found no drivers/i.test(line));
  if (noDrivers || (setup.drivers.length === 0 && !setup.softwareDriver)) {
    return { missing: 'vulkan-driver', message: `the Vulkan loader (${setup.loader}) found no Vulkan driver${named}: ${GET_DRIVER}.${dawn}` };
  }
  const drivers = [...setup.drivers, ...(setup.softwareDriver ? [setup.softwareDriver] : [])].map((path) => path.split('/').at(-1)).join(', ');
  const why = dawnLines.length > 0 ? dawn : " Dawn prints its reason on the training process's stderr; `runboard doctor` shows it.";
  return {
    missing: 'driver-too-old',
    message: `no Vulkan driver offered a device Dawn can use (drivers found: ${drivers}${named}): a driver finds nothing without its GPU, and Dawn refuses one too old for this WebGPU (Debian 12's Mesa 22 lavapipe is). ${capitalised(GET_DRIVER)}.${why}`,
  };
}

/**
 * Why there is no hardware adapter, for a machine where Dawn offers only a software one (or none): the same
 * diagnosis with the software driver Runboard adds left out.
 */
export function explainNoHardwareAdapter(setup: VulkanSetup, dawnLines: readonly string[] = []): NoAdapterReason {
  const drivers = setup.drivers.filter((path) => !/swiftshader/i.test(path));
  return explainNoAdapter({ ...setup, drivers, softwareDriver: null }, dawnLines);
}

/** What went wrong on the GPU while training, as the training process saw it. */
export interface GpuFailure {
  /** The device was lost (`GPUDevice.lost`): its reason (`destroyed` or `unknown`) and message. */
  lost: { reason: string; message: string } | null;
  /** Errors the device reported that nothing caught (`uncapturederror`), first first: their class and message. */
  errors: { kind: string; message: string }[];
  /** The error that ended the run, as thrown. */
  thrown: string;
}

const ADVICE_MEMORY =
  'Try a smaller --batch-size or a smaller model, close other programs that use the GPU, or train on --backend wasm.';

/**
 * The message a run that failed on the GPU ends with: out of GPU memory and device loss say so and what to do;
 * anything else keeps the error as thrown, with the first error Dawn reported when there was one.
 */
export function gpuFailureMessage(failure: GpuFailure): string {
  const outOfMemory = failure.errors.find((error) => /OutOfMemory/i.test(error.kind)) ?? (/out of memory|OutOfMemory|allocation failed/i.test(failure.thrown) ? { kind: 'GPUOutOfMemoryError', message: failure.thrown } : null);
  if (outOfMemory) return `The GPU ran out of memory (${firstLine(outOfMemory.message)}). ${ADVICE_MEMORY}`;
  if (failure.lost) {
    const detail = firstLine(failure.lost.message) || 'no detail from the driver';
    if (failure.lost.reason === 'destroyed') return `The GPU device was closed while the run still used it (${detail}). Start the run again.`;
    return `The GPU device was lost (${detail}): the driver reset it, or the GPU was removed, crashed or ran out of memory. Start the run again; if it happens again, update the GPU driver, use a smaller --batch-size, or train on --backend wasm.`;
  }
  const reported = failure.errors[0];
  if (reported) return `${failure.thrown} (the GPU reported ${reported.kind}: ${firstLine(reported.message)})`;
  return failure.thrown;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}
