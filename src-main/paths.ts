import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The folder holding Runboard's package.json: the checkout, or the app inside an Electron package.
 * Found by walking up from this module, so it is the same from source (tests) and from `out/main` (built).
 */
export function appRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'runboard') return (cachedRoot = dir);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Runboard could not find its own package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export function appVersion(): string {
  return (JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The built renderer (one bundle for Electron and `serve`). */
export function rendererDir(): string {
  return join(appRoot(), 'out', 'renderer');
}

/** The built training worker, forked once per run. */
export function workerEntry(): string {
  return join(appRoot(), 'out', 'main', 'training-worker.js');
}

export function builtinDatasetsDir(): string {
  return join(appRoot(), 'assets', 'datasets');
}

/**
 * The user's data directory, shared by the app, `serve` and the CLI:
 * `$XDG_DATA_HOME/runboard` (default `~/.local/share/runboard`) on Linux,
 * `~/Library/Application Support/Runboard` on macOS, `%APPDATA%\Runboard` on Windows.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Runboard');
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'Runboard');
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return join(xdg, 'runboard');
}

export interface DbLocation {
  path: string;
  /** True when the user named the file (`--db` or `RUNBOARD_DB`): its folder must already exist. */
  explicit: boolean;
}

/** `--db PATH` wins over `RUNBOARD_DB`, which wins over the default file in the data directory. */
export function resolveDbLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): DbLocation {
  if (flag) return { path: resolve(flag), explicit: true };
  if (env.RUNBOARD_DB) return { path: resolve(env.RUNBOARD_DB), explicit: true };
  return { path: join(defaultDataDir(env), 'runboard.db'), explicit: false };
}

/** Imported datasets live next to the database file, in `datasets/`. */
export function userDatasetsDir(dbPath: string): string {
  return join(dirname(dbPath), 'datasets');
}

/** A run's saved weights live next to the database file, in `checkpoints/<run id>/`. */
export function checkpointDirectory(dbPath: string, runId: number): string {
  return join(dirname(dbPath), 'checkpoints', String(runId));
}
