/**
 * Packaging Dawn's WebGPU for Node: its native module is unpacked from app.asar (the OS cannot load a library from
 * inside an archive) and a package keeps only its target platform's binary (electron-builder's afterPack hook).
 * Electron itself cannot be downloaded on these machines, so the hook runs here on a folder laid out like the package.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import afterPack, { keptWebGpuFolder, pruneWebGpuBinaries } from '../../scripts/prune-webgpu-binaries.js';
import { useTempDir } from '../helpers/temp';
import { ROOT } from '../cli/helpers';

const tempDir = useTempDir();
const SHIPPED = readdirSync(join(ROOT, 'node_modules', 'webgpu', 'dist')).sort();

/** A copy of the webgpu package's dist folder layout (empty files), under `root`. */
function fakeDist(root: string): string {
  const dist = join(root, 'app.asar.unpacked', 'node_modules', 'webgpu', 'dist');
  for (const folder of SHIPPED) {
    mkdirSync(join(dist, folder), { recursive: true });
    writeFileSync(join(dist, folder, 'dawn.node'), '');
  }
  return dist;
}

describe('the webgpu package in an Electron package', () => {
  it('ships a binary for each desktop platform, in the folders the hook expects', () => {
    expect(SHIPPED).toEqual(['darwin-universal', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64']);
  });

  it('keeps only the target platform\'s Dawn binary (macOS: the universal one)', () => {
    for (const [platform, arch, kept] of [
      ['linux', 'x64', 'linux-x64'],
      ['linux', 'arm64', 'linux-arm64'],
      ['win32', 'x64', 'win32-x64'],
      ['win32', 'arm64', 'win32-arm64'],
      ['darwin', 'arm64', 'darwin-universal'],
      ['darwin', 'x64', 'darwin-universal'],
    ] as const) {
      expect(keptWebGpuFolder(platform, arch)).toBe(kept);
      const dist = fakeDist(join(tempDir(), `${platform}-${arch}`));
      const result = pruneWebGpuBinaries(dist, platform, arch);
      expect(readdirSync(dist)).toEqual([kept]);
      expect(result).toEqual({ kept, removed: SHIPPED.filter((folder) => folder !== kept) });
    }
  });

  it('says so, and removes the others, for a target with no Dawn binary', () => {
    const dist = fakeDist(join(tempDir(), 'ia32'));
    expect(pruneWebGpuBinaries(dist, 'win32', 'ia32')).toEqual({ kept: null, removed: SHIPPED });
    expect(readdirSync(dist)).toEqual([]);
  });

  it('runs as electron-builder\'s afterPack hook on the packaged resources folder', async () => {
    const resources = join(tempDir(), 'resources');
    const dist = fakeDist(resources);
    await afterPack({ appOutDir: join(tempDir(), 'linux-unpacked'), electronPlatformName: 'linux', arch: 1, packager: { getResourcesDir: () => resources } });
    expect(readdirSync(dist)).toEqual(['linux-x64']);
  });

  it('is wired into electron-builder.yml: the binaries unpacked from the archive, the hook run after packing', () => {
    const config = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');
    expect(config).toMatch(/^asarUnpack:\n(?: {2}- .*\n)*? {2}- node_modules\/webgpu\/dist\/\*\*$/m);
    expect(config).toMatch(/^afterPack: \.\/scripts\/prune-webgpu-binaries\.js$/m);
  });
});
