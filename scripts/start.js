#!/usr/bin/env node
// @ts-check
/**
 * `npm start`: the desktop window when Electron can run here, otherwise the same UI through `runboard serve`.
 *
 * 1. Build first if any output of `electron-vite build` is missing (its output goes to stderr).
 * 2. Resolve Electron's binary in a child process: `require('electron')` downloads it lazily and, where github.com
 *    is out of reach, prints to stdout and throws, so it must not run in this process.
 * 3. Make sure an Electron-ABI better-sqlite3 exists next to the Node one (better-sqlite3 is not N-API): fetch the
 *    prebuilt binary with prebuild-install, else compile it with node-gyp against Electron's headers.
 * 4. Run Electron on this folder with RUNBOARD_SQLITE_BINDING set, forwarding arguments, signals and the exit code;
 *    or print one line starting `Desktop window unavailable:` to stdout and run `bin/runboard.js serve` with the
 *    same arguments, whose first line on stdout is the URL: the reason and the URL arrive together, where the user
 *    looks (progress lines such as "Building..." stay on stderr).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BUILD_OUTPUTS,
  bindingPath,
  decideStartMode,
  electronArgs,
  electronEnv,
  hasDisplay,
  nodeGypArgs,
  prebuildInstallArgs,
  rebuildEnv,
  serveArgs,
} from './start-mode.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const userArgs = process.argv.slice(2);
/** @param {string} line */
const say = (line) => process.stderr.write(`${line}\n`);

main().catch((error) => {
  say(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

async function main() {
  ensureBuild();
  const electron = await lookupElectron();
  const version = electron.ok ? electronVersion() : undefined;
  // Building better-sqlite3 for Electron only makes sense when a window could open.
  const binding = electron.ok && version && hasDisplay(process.platform, process.env) ? ensureSqliteBinding(version, electron.path) : undefined;
  const mode = decideStartMode({ electron, binding, electronVersion: version, platform: process.platform, env: process.env });
  if (mode.mode === 'electron') {
    run(mode.electronPath, electronArgs(root, userArgs), electronEnv(process.env, mode.bindingPath));
  } else {
    process.stdout.write(`${mode.message}\n`);
    const [cli] = serveArgs(root, userArgs);
    if (!cli || !existsSync(cli)) throw new Error(`${cli} is missing; the checkout is incomplete.`);
    run(process.execPath, serveArgs(root, userArgs), process.env);
  }
}

function ensureBuild() {
  const missing = BUILD_OUTPUTS.filter((file) => !existsSync(join(root, file)));
  if (missing.length === 0) return;
  say(`Building Runboard (missing ${missing.join(', ')})...`);
  const bin = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const result = spawnSync(process.execPath, [bin, 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) throw new Error('electron-vite build failed (see above).');
}

/** @returns {string} */
function electronVersion() {
  return /** @type {{ version: string }} */ (JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8'))).version;
}

/**
 * Resolves `require('electron')` in a child Node, which may download the binary on first use.
 * @returns {Promise<import('./start-mode.js').ElectronLookup>}
 */
function lookupElectron() {
  return new Promise((resolveLookup) => {
    const child = spawn(process.execPath, ['-e', "process.stdout.write('\\n@@ELECTRON@@' + require('electron'))"], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const slow = setTimeout(() => say("Downloading Electron's binary (first run only)..."), 3000);
    child.on('error', (error) => {
      clearTimeout(slow);
      resolveLookup({ ok: false, output: String(error) });
    });
    child.on('close', (code) => {
      clearTimeout(slow);
      const marker = output.lastIndexOf('\n@@ELECTRON@@');
      const path = marker >= 0 ? output.slice(marker + '\n@@ELECTRON@@'.length).trim() : '';
      resolveLookup(code === 0 && path && existsSync(path) ? { ok: true, path } : { ok: false, output });
    });
  });
}

/**
 * Returns the Electron-ABI better-sqlite3, building it on first run: prebuild-install in a scratch copy of the
 * package, else node-gyp against Electron's headers; the result is checked by loading it in Electron before use.
 * @param {string} version
 * @param {string} electronPath
 * @returns {import('./start-mode.js').BindingLookup}
 */
function ensureSqliteBinding(version, electronPath) {
  const target = bindingPath(root, version);
  if (existsSync(target)) return { ok: true, path: target };
  mkdirSync(dirname(target), { recursive: true });
  const logPath = join(dirname(target), 'build.log');
  /** @type {string[]} */
  const log = [];
  say(`Building better-sqlite3 for Electron ${version} (first run only)...`);
  const scratch = mkdtempSync(join(tmpdir(), 'runboard-sqlite-'));
  try {
    cpSync(join(root, 'node_modules', 'better-sqlite3'), scratch, {
      recursive: true,
      // Never the Node build: a stale build/ could pass for the Electron one.
      filter: (source) => !/[\\/]better-sqlite3[\\/](build|node_modules)([\\/]|$)/.test(source),
    });
    const env = rebuildEnv(process.env);
    const attempts = [
      ['prebuild-install', join(root, 'node_modules', 'prebuild-install', 'bin.js'), prebuildInstallArgs(version, process.platform, process.arch), 120_000],
      ['node-gyp', join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), nodeGypArgs(version, process.arch), 900_000],
    ];
    for (const [name, bin, args, timeout] of /** @type {Array<[string, string, string[], number]>} */ (attempts)) {
      if (!existsSync(bin)) {
        log.push(`${name}: not installed (${bin})`);
        continue;
      }
      const result = spawnSync(process.execPath, [bin, ...args], { cwd: scratch, env, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
      log.push(`$ ${name} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}\nexit ${result.status}`);
      const built = join(scratch, 'build', 'Release', 'better_sqlite3.node');
      if (result.status === 0 && existsSync(built) && loadsInElectron(electronPath, built, log)) {
        copyFileSync(built, `${target}.tmp`);
        renameSync(`${target}.tmp`, target);
        writeFileSync(logPath, log.join('\n\n'));
        return { ok: true, path: target };
      }
      rmSync(join(scratch, 'build'), { recursive: true, force: true });
    }
    writeFileSync(logPath, log.join('\n\n'));
    return { ok: false, reason: 'no prebuilt binary could be downloaded and compiling it failed', logPath };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Loads a native module in Electron-as-Node, which fails on an ABI mismatch (a build made for Node by mistake).
 * @param {string} electronPath
 * @param {string} modulePath
 * @param {string[]} log
 * @returns {boolean}
 */
function loadsInElectron(electronPath, modulePath, log) {
  const result = spawnSync(electronPath, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(modulePath)})`], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  log.push(`load check in Electron: exit ${result.status}${result.stderr ? `\n${result.stderr}` : ''}`);
  return result.status === 0;
}

/**
 * Runs a program in the foreground: same stdio, signals forwarded, its exit code becomes ours.
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 */
function run(command, args, env) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
  /** @type {NodeJS.Signals[]} */
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    say(`Could not start ${command}: ${error.message}`);
    process.exit(1);
  });
  child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
