/**
 * What a user is told when WebGPU cannot run: no Vulkan loader, no driver, a driver too old (in Dawn's words when
 * they were captured), and what a GPU that ran out of memory or was lost means for the run.
 */
import { describe, expect, it } from 'vitest';
import { dawnReasons, explainNoAdapter, explainNoHardwareAdapter, findVulkanSetup, gpuFailureMessage, vulkanDriverEnv, type FileProbe } from '../../src-main/training/webgpu-diagnosis';

/** A file system holding exactly `paths` (folders listed from them). */
function disk(paths: string[]): FileProbe {
  return {
    exists: (path) => paths.includes(path),
    list: (folder) => paths.filter((path) => path.startsWith(`${folder}/`)).map((path) => path.slice(folder.length + 1)),
  };
}

const LOADER = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';
const LAVAPIPE = '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json';
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const ENV = { HOME: '/home/user' };

describe('the Vulkan setup Dawn needs (Linux)', () => {
  it('finds the loader and the drivers where the loader looks, and Chromium\'s SwiftShader', () => {
    const setup = findVulkanSetup(ENV, 'linux', 'x64', disk([LOADER, LAVAPIPE, SWIFTSHADER]), '/usr/bin/node');
    expect(setup).toEqual({ platform: 'linux', loader: LOADER, drivers: [LAVAPIPE], softwareDriver: SWIFTSHADER, driversNamedBy: null });
  });

  it('takes the drivers the user named instead (VK_ICD_FILENAMES), and adds no SwiftShader of its own then', () => {
    const setup = findVulkanSetup({ ...ENV, VK_ICD_FILENAMES: SWIFTSHADER }, 'linux', 'x64', disk([LOADER, LAVAPIPE, SWIFTSHADER]), '/usr/bin/node');
    expect(setup.drivers).toEqual([SWIFTSHADER]);
    expect(setup.softwareDriver).toBeNull();
    expect(setup.driversNamedBy).toBe('VK_ICD_FILENAMES');
  });

  it("finds Electron's own SwiftShader next to its executable", () => {
    const setup = findVulkanSetup(ENV, 'linux', 'x64', disk([LOADER, '/opt/Runboard/vk_swiftshader_icd.json']), '/opt/Runboard/runboard');
    expect(setup.softwareDriver).toBe('/opt/Runboard/vk_swiftshader_icd.json');
  });

  it('adds SwiftShader to the drivers without hiding the GPU ones, so nobody has to set VK_ICD_FILENAMES', () => {
    const setup = findVulkanSetup(ENV, 'linux', 'x64', disk([LOADER, LAVAPIPE, SWIFTSHADER]), '/usr/bin/node');
    expect(vulkanDriverEnv(ENV, setup)).toEqual({ VK_ADD_DRIVER_FILES: SWIFTSHADER });
    expect(vulkanDriverEnv({ VK_ADD_DRIVER_FILES: '/x.json' }, setup)).toEqual({ VK_ADD_DRIVER_FILES: `/x.json:${SWIFTSHADER}` });
    expect(vulkanDriverEnv({ VK_ADD_DRIVER_FILES: SWIFTSHADER }, setup)).toEqual({});
    expect(vulkanDriverEnv({ VK_ICD_FILENAMES: LAVAPIPE }, setup)).toEqual({});
    expect(vulkanDriverEnv(ENV, { ...setup, softwareDriver: null })).toEqual({});
  });
});

describe('why there is no WebGPU adapter', () => {
  it('names a missing Vulkan loader and the package that brings it', () => {
    const reason = explainNoAdapter(findVulkanSetup(ENV, 'linux', 'x64', disk([LAVAPIPE]), '/usr/bin/node'));
    expect(reason.missing).toBe('vulkan-loader');
    expect(reason.message).toMatch(/no Vulkan loader \(libvulkan\.so\.1\) was found.*sudo apt install libvulkan1/);
  });

  it("believes Dawn when it could not load the loader, and quotes it", () => {
    const setup = findVulkanSetup(ENV, 'linux', 'x64', disk([LOADER, LAVAPIPE]), '/usr/bin/node');
    const reason = explainNoAdapter(setup, dawnReasons("Warning: Couldn't load Vulkan: /lib/x86_64-linux-gnu/libvulkan.so.1: file too short\n    at operator() (BackendVk.cpp:368)\n"));
    expect(reason.missing).toBe('vulkan-loader');
    expect(reason.message).toContain('Dawn said: "Couldn\'t load Vulkan: /lib/x86_64-linux-gnu/libvulkan.so.1: file too short"');
  });

  it('names a missing driver, with where to get one and the software way out', () => {
    const reason = explainNoAdapter(findVulkanSetup(ENV, 'linux', 'x64', disk([LOADER]), '/usr/bin/node'));
    expect(reason.missing).toBe('vulkan-driver');
    expect(reason.message).toMatch(/found no Vulkan driver: install your GPU's Vulkan driver \(AMD and Intel: Mesa 23\.1 or newer.*NVIDIA.*SwiftShader/);
    const dawnSaid = dawnReasons('error: XDG_RUNTIME_DIR is invalid or not set in the environment.\nWarning: vkCreateInstance: Found no drivers!\nWarning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER\n');
    expect(dawnSaid).toEqual(['vkCreateInstance: Found no drivers!', 'vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER']);
    expect(explainNoAdapter(findVulkanSetup(ENV, 'linux', 'x64', disk([LOADER, LAVAPIPE]), '/usr/bin/node'), dawnSaid).missing).toBe('vulkan-driver');
  });

  it('says a driver was refused as too old, in Dawn\'s words (Debian 12\'s lavapipe)', () => {
    const setup = findVulkanSetup(ENV, 'linux', 'x64', disk([LOADER, LAVAPIPE]), '/usr/bin/node');
    const reason = explainNoAdapter(setup, dawnReasons('Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.\n - While initializing adapter (backend=BackendType::Vulkan)\n'));
    expect(reason.missing).toBe('driver-too-old');
    expect(reason.message).toMatch(/drivers found: lvp_icd\.x86_64\.json.*too old.*Dawn said: "Vulkan shaderUniform\*ArrayDynamicIndexing required\."/);
  });

  it('says when the user\'s VK_ICD_FILENAMES is what hides the drivers', () => {
    const setup = findVulkanSetup({ ...ENV, VK_ICD_FILENAMES: '/nowhere.json' }, 'linux', 'x64', disk([LOADER, LAVAPIPE]), '/usr/bin/node');
    expect(explainNoAdapter(setup).message).toMatch(/found no Vulkan driver \(VK_ICD_FILENAMES limits the loader to files that do not exist; unset it to use every installed driver\)/);
  });

  it('explains a missing GPU adapter on a machine that has only SwiftShader, leaving SwiftShader out', () => {
    const setup = findVulkanSetup(ENV, 'linux', 'x64', disk([LOADER, SWIFTSHADER]), '/usr/bin/node');
    expect(explainNoHardwareAdapter(setup).missing).toBe('vulkan-driver');
  });

  it('points macOS and Windows users at their GPU driver', () => {
    expect(explainNoAdapter(findVulkanSetup(ENV, 'darwin')).message).toMatch(/Metal/);
    expect(explainNoAdapter(findVulkanSetup(ENV, 'win32')).message).toMatch(/Direct3D 12.*update your GPU driver/);
  });
});

describe('a GPU failing during a run', () => {
  it('says the GPU ran out of memory and what to do, from Dawn\'s error or the thrown one', () => {
    const fromDawn = gpuFailureMessage({ lost: null, errors: [{ kind: 'GPUOutOfMemoryError', message: 'Allocation failed\n - While calling CreateBuffer' }], thrown: 'mapAsync failed' });
    expect(fromDawn).toBe('The GPU ran out of memory (Allocation failed). Try a smaller --batch-size or a smaller model, close other programs that use the GPU, or train on --backend wasm.');
    expect(gpuFailureMessage({ lost: null, errors: [], thrown: 'Out of memory while creating buffer' })).toMatch(/^The GPU ran out of memory.*smaller --batch-size/);
  });

  it('says the device was lost, and what to do', () => {
    const message = gpuFailureMessage({ lost: { reason: 'unknown', message: 'Device lost: VK_ERROR_DEVICE_LOST' }, errors: [], thrown: 'Failed to execute mapAsync' });
    expect(message).toMatch(/^The GPU device was lost \(Device lost: VK_ERROR_DEVICE_LOST\): the driver reset it.*Start the run again; if it happens again, update the GPU driver/);
    expect(gpuFailureMessage({ lost: { reason: 'destroyed', message: 'device was destroyed' }, errors: [], thrown: 'x' })).toMatch(/closed while the run still used it/);
  });

  it('keeps any other error as thrown, adding what the GPU reported', () => {
    expect(gpuFailureMessage({ lost: null, errors: [], thrown: 'Kernel failed' })).toBe('Kernel failed');
    expect(gpuFailureMessage({ lost: null, errors: [{ kind: 'GPUValidationError', message: 'Buffer size exceeds the limit\nmore' }], thrown: 'Kernel failed' })).toBe(
      'Kernel failed (the GPU reported GPUValidationError: Buffer size exceeds the limit)',
    );
  });
});
