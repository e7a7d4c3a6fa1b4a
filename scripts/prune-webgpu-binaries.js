// @ts-check
/**
 * electron-builder's afterPack hook (electron-builder.yml): the `webgpu` package ships Dawn's native module for every
 * platform (about 20 MB each, unpacked from app.asar so the OS can load it); a package keeps only its target's.
 * macOS takes the universal build whatever the architecture.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** electron-builder's `Arch` enum, by value. */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/**
 * The folder of `node_modules/webgpu/dist` a target needs (`linux-x64`, `darwin-universal`, `win32-arm64`...).
 * @param {string} platform Electron's platform name (`linux`, `darwin`, `win32`, `mas`)
 * @param {string} arch `x64`, `arm64`...
 * @returns {string}
 */
export function keptWebGpuFolder(platform, arch) {
  if (platform === 'darwin' || platform === 'mas') return 'darwin-universal';
  return `${platform}-${arch}`;
}

/**
 * Removes every platform's Dawn binary but the target's from an unpacked `webgpu/dist` folder.
 * @param {string} distDir
 * @param {string} platform
 * @param {string} arch
 * @returns {{ kept: string | null; removed: string[] }} what stayed (null when the target has no binary: it then trains on the other backends) and what went
 */
export function pruneWebGpuBinaries(distDir, platform, arch) {
  if (!existsSync(distDir)) return { kept: null, removed: [] };
  const keep = keptWebGpuFolder(platform, arch);
  const removed = [];
  for (const entry of readdirSync(distDir)) {
    if (entry === keep) continue;
    rmSync(join(distDir, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return { kept: existsSync(join(distDir, keep)) ? keep : null, removed };
}

/**
 * @param {{ appOutDir: string; electronPlatformName: string; arch: number; packager: { getResourcesDir(appOutDir: string): string } }} context
 */
export default async function afterPack(context) {
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  const distDir = join(context.packager.getResourcesDir(context.appOutDir), 'app.asar.unpacked', 'node_modules', 'webgpu', 'dist');
  const { kept, removed } = pruneWebGpuBinaries(distDir, context.electronPlatformName, arch);
  console.log(`  • webgpu: kept ${kept ?? `no Dawn binary (none for ${context.electronPlatformName}-${arch}: the webgpu backend is unavailable there)`}; removed ${removed.join(', ') || 'nothing'}`);
}
