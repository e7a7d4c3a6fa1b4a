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

/** A database file (SQLite). */
export interface FileLocation {
  path: string;
  /** True when the user named the file (`--db` or `RUNBOARD_DB`): its folder must already exist. */
  explicit: boolean;
}

/** A database server (PostgreSQL): a libpq connection URL, `postgres://user@host:port/db?sslmode=...`. */
export interface ServerLocation {
  url: string;
}

/** Where the runs are: chosen by `--db` or `RUNBOARD_DB`, a file path or a `postgres://` URL. */
export type DbLocation = FileLocation | ServerLocation;

const SERVER_URL = /^postgres(?:ql)?:\/\//i;

export function isServerLocation(location: DbLocation): location is ServerLocation {
  return 'url' in location;
}

/** `--db PATH|URL` wins over `RUNBOARD_DB`, which wins over the default file in the data directory. */
export function resolveDbLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): DbLocation {
  const named = flag || env.RUNBOARD_DB;
  if (named && SERVER_URL.test(named.trim())) return { url: named.trim() };
  if (named) return { path: resolve(named), explicit: true };
  return { path: join(defaultDataDir(env), 'runboard.db'), explicit: false };
}

/** A connection URL with its password (in the authority or as a `password=` option) replaced by `***`, for printing. */
export function maskPassword(url: string): string {
  const masked = url.replace(/^([a-z]+:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1:***@');
  return masked.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/**
 * A connection URL without its password, for a command another machine runs (the password then comes from its
 * PGPASSWORD or ~/.pgpass). `removed` says whether there was one.
 */
export function withoutPassword(url: string): { url: string; removed: boolean } {
  const bare = url.replace(/^([a-z]+:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1@').replace(/([?&])password=[^&#]*&?/gi, '$1').replace(/[?&]$/, '');
  return { url: bare, removed: bare !== url };
}

/** The location as it may be shown anywhere (a path, or a URL without its password). */
export function displayLocation(location: DbLocation): string {
  return isServerLocation(location) ? maskPassword(location.url) : location.path;
}

/**
 * The folder of a store's files on this machine (saved weights, imported datasets): the database file's folder, or
 * for a server one folder per server and database in the data directory (`servers/<host>-<port>-<database>`), so two
 * stores' run ids never share a checkpoint folder.
 */
export function localFilesDir(location: DbLocation, env: NodeJS.ProcessEnv = process.env): string {
  if (!isServerLocation(location)) return dirname(location.path);
  let label = 'server';
  try {
    const url = new URL(location.url);
    const host = decodeURIComponent(url.hostname) || url.searchParams.get('host') || 'localhost';
    label = `${host}-${url.port || '5432'}-${decodeURIComponent(url.pathname.slice(1)) || 'postgres'}`;
  } catch {
    // An unreadable URL fails when the store connects, with the reason; its files would go to `servers/server`.
  }
  return join(defaultDataDir(env), 'servers', label.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/** Imported datasets live in the store's files folder (`localFilesDir`), in `datasets/`. */
export function userDatasetsDir(filesDir: string): string {
  return join(filesDir, 'datasets');
}

/** A run's saved weights live in the store's files folder (`localFilesDir`), in `checkpoints/<run id>/`. */
export function checkpointDirectory(filesDir: string, runId: number): string {
  return join(filesDir, 'checkpoints', String(runId));
}
