// @ts-check
/**
 * The decisions behind `npm start` (scripts/start.js), kept free of side effects so test/electron/start-mode.test.ts
 * covers them: which mode to run in, the one line that explains a fallback, and the exact commands and environments.
 */
import { join } from 'node:path';

/** Every fallback message starts with this, on one line of stdout, just before the server's URL. */
export const UNAVAILABLE_PREFIX = 'Desktop window unavailable:';

/** The files a complete build has; any missing means `electron-vite build` runs first. */
export const BUILD_OUTPUTS = Object.freeze([
  'out/main/index.js',
  'out/main/cli.js',
  'out/main/training-worker.js',
  'out/preload/preload.cjs',
  'out/renderer/index.html',
]);

/**
 * @typedef {{ ok: true, path: string } | { ok: false, output: string }} ElectronLookup
 *   The result of resolving `require('electron')` in a child process: the binary's path, or what it printed when it failed.
 * @typedef {{ ok: true, path: string } | { ok: false, reason: string, logPath?: string }} BindingLookup
 *   The Electron-ABI better-sqlite3 binary, or why it could not be had.
 * @typedef {{ mode: 'electron', electronPath: string, bindingPath: string } | { mode: 'serve', message: string }} StartMode
 */

/**
 * Where the Electron-ABI build of better-sqlite3 is kept, next to (never instead of) the Node build that tests, the
 * CLI and `serve` load.
 * @param {string} root the app folder (holding package.json)
 * @param {string} electronVersion e.g. `45.5.0`
 * @returns {string}
 */
export function bindingPath(root, electronVersion) {
  return join(root, 'node_modules', '.runboard', `electron-${electronVersion}`, 'better_sqlite3.node');
}

/**
 * The host Electron's binary is downloaded from: `ELECTRON_MIRROR`'s host when set, else github.com.
 * @param {NodeJS.ProcessEnv} env
 * @returns {string}
 */
export function electronDownloadHost(env) {
  const mirror = env.ELECTRON_MIRROR || env.npm_config_electron_mirror;
  if (mirror) {
    try {
      return new URL(mirror).host || mirror;
    } catch {
      return mirror;
    }
  }
  return 'github.com';
}

/**
 * Why `require('electron')` failed, in words a user can act on, from what the lookup printed.
 * @param {string} output stdout and stderr of the lookup
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ reason: string, fix: string }}
 */
export function describeElectronFailure(output, env) {
  const install = "Install Electron's binary (npx install-electron) to get the window.";
  if (/Cannot find module 'electron'|MODULE_NOT_FOUND/.test(output) && !/install-electron|Electron failed to install/.test(output)) {
    return { reason: 'the electron package is not installed', fix: 'Run npm install to get the window.' };
  }
  if (/fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|getaddrinfo|socket hang up|certificate|HTTPError|status code 40\d/i.test(output)) {
    return { reason: `Electron's binary could not be downloaded (no access to ${electronDownloadHost(env)})`, fix: install };
  }
  if (/EACCES|EPERM/.test(output)) {
    return { reason: "Electron's binary could not be installed (permission denied under node_modules/electron)", fix: install };
  }
  if (/ENOSPC/.test(output)) {
    return { reason: "Electron's binary could not be installed (the disk is full)", fix: install };
  }
  return { reason: 'Electron failed to install correctly', fix: 'Delete node_modules/electron, run npm install, then npx install-electron to get the window.' };
}

/**
 * The one line printed (on stdout, before the URL) when falling back to `serve`.
 * @param {string} reason what is missing, without a final period
 * @param {string} fix what the user can do about it
 * @returns {string}
 */
export function unavailableMessage(reason, fix) {
  return `${UNAVAILABLE_PREFIX} ${reason}; serving the same UI in your browser instead. ${fix}`.replace(/\s*\n\s*/g, ' ');
}

/**
 * Whether a Linux or BSD machine has a display a window could open on.
 * @param {NodeJS.Platform} platform
 * @param {NodeJS.ProcessEnv} env
 * @returns {boolean}
 */
export function hasDisplay(platform, env) {
  if (platform === 'win32' || platform === 'darwin') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/**
 * Decides how `npm start` runs: the Electron window when its binary, a display and an Electron-ABI better-sqlite3
 * are all there; otherwise `serve`, with one line saying which was missing (checked in that order).
 * @param {{ electron: ElectronLookup, binding?: BindingLookup, electronVersion?: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv }} facts
 *   `binding` is looked up only once Electron resolved and a display exists; leave it out before that.
 * @returns {StartMode}
 */
export function decideStartMode({ electron, binding, electronVersion, platform, env }) {
  if (!electron.ok) {
    const { reason, fix } = describeElectronFailure(electron.output, env);
    return { mode: 'serve', message: unavailableMessage(reason, fix) };
  }
  if (!hasDisplay(platform, env)) {
    return {
      mode: 'serve',
      message: unavailableMessage('no display to open a window on ($DISPLAY and $WAYLAND_DISPLAY are unset)', 'Run npm start from a desktop session (or under xvfb-run) to get the window.'),
    };
  }
  if (!binding) throw new Error('decideStartMode: binding lookup missing while Electron and a display are available');
  if (!binding.ok) {
    const log = binding.logPath ? ` (details in ${binding.logPath})` : '';
    return {
      mode: 'serve',
      message: unavailableMessage(
        `better-sqlite3 could not be built for Electron ${electronVersion ?? ''} (${binding.reason})${log}`.replace(/ {2,}/g, ' '),
        'Run npm start again with access to github.com and electronjs.org, or with a C++ toolchain and Python for node-gyp, to get the window.',
      ),
    };
  }
  return { mode: 'electron', electronPath: electron.path, bindingPath: binding.path };
}

/**
 * Arguments for the Electron binary: the app folder, then the user's arguments (e.g. `--db runs.db`).
 * @param {string} root
 * @param {readonly string[]} userArgs
 * @returns {string[]}
 */
export function electronArgs(root, userArgs) {
  return [root, ...userArgs];
}

/**
 * Arguments for Node to run the fallback: `bin/runboard.js serve` and the user's arguments.
 * @param {string} root
 * @param {readonly string[]} userArgs
 * @returns {string[]}
 */
export function serveArgs(root, userArgs) {
  return [join(root, 'bin', 'runboard.js'), 'serve', ...userArgs];
}

/**
 * The Electron app's environment: the binding path for the main process, and never `ELECTRON_RUN_AS_NODE`
 * (inherited from a parent, it would turn the app into plain Node).
 * @param {NodeJS.ProcessEnv} env
 * @param {string} binding
 * @returns {NodeJS.ProcessEnv}
 */
export function electronEnv(env, binding) {
  /** @type {NodeJS.ProcessEnv} */
  const copy = { ...env, RUNBOARD_SQLITE_BINDING: binding };
  delete copy.ELECTRON_RUN_AS_NODE;
  return copy;
}

/**
 * The environment for building better-sqlite3 against Electron. npm exports `.npmrc` settings as `npm_config_*`;
 * this machine's `nodedir=/usr` would make node-gyp silently build against Node's headers, and a `target` or
 * `runtime` would override ours, so those are removed.
 * @param {NodeJS.ProcessEnv} env
 * @returns {NodeJS.ProcessEnv}
 */
export function rebuildEnv(env) {
  /** @type {NodeJS.ProcessEnv} */
  const copy = {};
  for (const [key, value] of Object.entries(env)) {
    if (/^npm_config_(nodedir|target|runtime|disturl|dist_url|arch|build_from_source)$/i.test(key)) continue;
    copy[key] = value;
  }
  delete copy.ELECTRON_RUN_AS_NODE;
  return copy;
}

/**
 * `prebuild-install` arguments to fetch better-sqlite3's published Electron binary.
 * @param {string} electronVersion
 * @param {NodeJS.Platform} platform
 * @param {string} arch
 * @returns {string[]}
 */
export function prebuildInstallArgs(electronVersion, platform, arch) {
  return ['--runtime', 'electron', '--target', electronVersion, '--platform', platform, '--arch', arch];
}

/**
 * `node-gyp` arguments to compile better-sqlite3 against Electron's headers (the fallback when no prebuilt exists).
 * @param {string} electronVersion
 * @param {string} arch
 * @returns {string[]}
 */
export function nodeGypArgs(electronVersion, arch) {
  return ['rebuild', '--release', `--target=${electronVersion}`, `--arch=${arch}`, '--dist-url=https://electronjs.org/headers'];
}
