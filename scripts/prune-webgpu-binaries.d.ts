/**
 * Types of scripts/prune-webgpu-binaries.js (plain JS loaded by electron-builder) for the TypeScript tests; the same
 * as what TypeScript derives from its JSDoc. Keep the two in step.
 */
export declare function keptWebGpuFolder(platform: string, arch: string): string;
export declare function pruneWebGpuBinaries(distDir: string, platform: string, arch: string): { kept: string | null; removed: string[] };
export default function afterPack(context: { appOutDir: string; electronPlatformName: string; arch: number; packager: { getResourcesDir(appOutDir: string): string } }): Promise<void>;
