/**
 * Types of scripts/start-mode.js (plain JS run by Node) for the TypeScript tests; the same as what TypeScript derives
 * from its JSDoc: `npx tsc --ignoreConfig --allowJs --declaration --emitDeclarationOnly --outDir /tmp/decl --strict
 * --module nodenext --types node --skipLibCheck scripts/start-mode.js`. Keep the two in step.
 */
export declare const UNAVAILABLE_PREFIX: 'Desktop window unavailable:';
export declare const BUILD_OUTPUTS: readonly string[];
export type ElectronLookup = { ok: true; path: string } | { ok: false; output: string };
export type BindingLookup = { ok: true; path: string } | { ok: false; reason: string; logPath?: string };
export type StartMode = { mode: 'electron'; electronPath: string; bindingPath: string } | { mode: 'serve'; message: string };
export declare function bindingPath(root: string, electronVersion: string): string;
export declare function electronDownloadHost(env: NodeJS.ProcessEnv): string;
export declare function describeElectronFailure(output: string, env: NodeJS.ProcessEnv): { reason: string; fix: string };
export declare function unavailableMessage(reason: string, fix: string): string;
export declare function hasDisplay(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean;
export declare function decideStartMode(facts: {
  electron: ElectronLookup;
  binding?: BindingLookup;
  electronVersion?: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
}): StartMode;
export declare function electronArgs(root: string, userArgs: readonly string[]): string[];
export declare function serveArgs(root: string, userArgs: readonly string[]): string[];
export declare function electronEnv(env: NodeJS.ProcessEnv, binding: string): NodeJS.ProcessEnv;
export declare function rebuildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function prebuildInstallArgs(electronVersion: string, platform: NodeJS.Platform, arch: string): string[];
export declare function nodeGypArgs(electronVersion: string, arch: string): string[];
