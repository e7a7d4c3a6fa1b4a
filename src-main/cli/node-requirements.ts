/**
 * The Node.js version against what Runboard and Electron's tooling ask for. Runboard (CLI, `serve`, tests) runs on
 * this Node and needs its `engines.node`. Electron 45's npm packages (`electron` itself, `@electron/get` and
 * `@electron-internal/extract-zip`, which download and unpack its binary, and `@electron/rebuild` and `node-abi`, which
 * `npm run dist` uses) declare Node >= 22.12, so `npm install` prints EBADENGINE warnings on Node 20. The window does
 * not run on this Node (Electron brings its own), and downloading and unpacking Electron's binary with
 * `@electron/get` on Node 20.20 was tried against a local mirror and works; the warnings are about those tools only.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { appRoot } from '../paths';

const requireModule = createRequire(import.meta.url);

export interface NodeRequirement {
  /** The range as the package declares it (`>=20.19`), or null when it declares none or is not installed. */
  requires: string | null;
  /** Whether this Node is in the range; null when there is no range or it cannot be read. */
  ok: boolean | null;
}

export interface NodeRequirements {
  version: string;
  /** Runboard's own `engines.node`: the CLI, `serve` and the tests run on this Node. */
  runboard: NodeRequirement;
  /** The `electron` package's `engines.node`, which its download and packaging tools share. */
  electron_tooling: NodeRequirement & { note: string };
}

type Version = [number, number, number];

function parseVersion(text: string): Version | null {
  const match = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(text.trim());
  if (!match) return null;
  const part = (value: string | undefined) => (value === undefined || value === 'x' || value === '*' ? 0 : Number(value));
  return [Number(match[1]), part(match[2]), part(match[3])];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) - (b[i] as number);
  return 0;
}

/**
 * Whether `version` is in an npm `engines` range of the forms packages use for Node: `>=22.12.0`, `>= 20.19`,
 * `^20.19.0`, `20.x`, `20`, joined with `||`. Null for a form it does not read (it then claims nothing).
 */
export function satisfiesRange(version: string, range: string): boolean | null {
  const current = parseVersion(version);
  if (!current) return null;
  let any = false;
  for (const alternative of range.split('||')) {
    const text = alternative.trim();
    const atLeast = /^>=\s*(.+)$/.exec(text);
    const caret = /^\^\s*(.+)$/.exec(text);
    const target = parseVersion(atLeast?.[1] ?? caret?.[1] ?? text);
    if (!target) return null;
    if (atLeast) any ||= compare(current, target) >= 0;
    else if (caret) any ||= current[0] === target[0] && compare(current, target) >= 0;
    else any ||= current[0] === target[0] && (!/\.\d/.test(text) || current[1] === target[1]);
  }
  return any;
}

function enginesOf(manifest: string): string | null {
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { engines?: { node?: string } };
    return parsed.engines?.node ?? null;
  } catch {
    return null;
  }
}

function requirement(version: string, range: string | null): NodeRequirement {
  return { requires: range, ok: range === null ? null : satisfiesRange(version, range) };
}

/** This Node against Runboard's and Electron's declared requirements. */
export function nodeRequirements(version = process.version): NodeRequirements {
  let electronManifest: string | null = null;
  try {
    electronManifest = requireModule.resolve('electron/package.json');
  } catch {
    electronManifest = null;
  }
  const electron = requirement(version, electronManifest ? enginesOf(electronManifest) : null);
  const note = !electronManifest
    ? 'electron is not installed'
    : electron.ok === false
      ? "this Node is older, so npm install warns EBADENGINE for electron, @electron/get, @electron-internal/extract-zip, @electron/rebuild and node-abi. Harmless: the CLI, serve and the tests need only Runboard's range, the window runs on Electron's own Node, and downloading and unpacking Electron's binary with @electron/get was tried on Node 20.20 and works"
      : electron.ok === true
        ? "Electron's download and packaging tools are satisfied"
        : `electron declares ${electron.requires === null ? 'no Node range' : `a range this check does not read (${electron.requires})`}`;
  return { version, runboard: requirement(version, enginesOf(join(appRoot(), 'package.json'))), electron_tooling: { ...electron, note } };
}
