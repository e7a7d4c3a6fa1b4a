import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bindingPath,
  BUILD_OUTPUTS,
  decideStartMode,
  describeElectronFailure,
  electronArgs,
  electronEnv,
  nodeGypArgs,
  prebuildInstallArgs,
  rebuildEnv,
  serveArgs,
  UNAVAILABLE_PREFIX,
} from '../../scripts/start-mode.js';

// What `require('electron')` printed on this project's machines, where github.com is out of reach.
const DOWNLOAD_FAILED = `Downloading Electron binary...
TypeError: fetch failed
    at node:internal/deps/undici/undici:14976:13
    at async FetchDownloader.download (file:///work/main/node_modules/@electron/get/dist/FetchDownloader.js:46:30)
/work/main/node_modules/electron/index.js:58
Error: Electron failed to install correctly. Please delete \`node_modules/electron\` and run "npx install-electron --no" manually.`;

const desktop = { platform: 'linux' as const, env: { DISPLAY: ':0' } };

describe('npm start: which mode', () => {
  it('falls back to serve with one line naming the unreachable download host and the fix', () => {
    const mode = decideStartMode({ electron: { ok: false, output: DOWNLOAD_FAILED }, ...desktop });
    expect(mode.mode).toBe('serve');
    if (mode.mode !== 'serve') return;
    expect(mode.message.startsWith(`${UNAVAILABLE_PREFIX} `)).toBe(true);
    expect(mode.message).not.toContain('\n');
    expect(mode.message).toBe(
      "Desktop window unavailable: Electron's binary could not be downloaded (no access to github.com); serving the same UI in your browser instead. Install Electron's binary (npx install-electron) to get the window.",
    );
  });

  it('names the mirror when ELECTRON_MIRROR is set', () => {
    const mode = decideStartMode({ electron: { ok: false, output: 'getaddrinfo ENOTFOUND npmmirror.com' }, platform: 'linux', env: { DISPLAY: ':0', ELECTRON_MIRROR: 'https://npmmirror.com/mirrors/electron/' } });
    expect(mode.mode === 'serve' && mode.message).toContain('no access to npmmirror.com');
  });

  it.each([
    ["Error: Cannot find module 'electron'\nRequire stack: [eval]", 'the electron package is not installed', 'npm install'],
    ['Error: EACCES: permission denied, mkdir node_modules/electron/dist', 'permission denied', 'npx install-electron'],
    ['Error: something else entirely', 'Electron failed to install correctly', 'install-electron'],
  ])('explains other failures: %s', (output, reason, fix) => {
    const described = describeElectronFailure(output, {});
    expect(described.reason).toContain(reason);
    expect(described.fix).toContain(fix);
  });

  it('falls back to serve on a Linux machine without a display, before building anything', () => {
    const mode = decideStartMode({ electron: { ok: true, path: '/e/electron' }, platform: 'linux', env: {} });
    expect(mode.mode === 'serve' && mode.message).toMatch(/^Desktop window unavailable: no display/);
    expect(decideStartMode({ electron: { ok: true, path: '/e/electron' }, platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' }, binding: { ok: true, path: '/b.node' } }).mode).toBe('electron');
    expect(decideStartMode({ electron: { ok: true, path: '/e/electron.exe' }, platform: 'win32', env: {}, binding: { ok: true, path: '/b.node' } }).mode).toBe('electron');
  });

  it('falls back to serve when better-sqlite3 could not be built for Electron, pointing at the log', () => {
    const mode = decideStartMode({
      electron: { ok: true, path: '/e/electron' },
      binding: { ok: false, reason: 'no prebuilt binary could be downloaded and compiling it failed', logPath: '/app/node_modules/.runboard/electron-45.5.0/build.log' },
      electronVersion: '45.5.0',
      ...desktop,
    });
    expect(mode.mode).toBe('serve');
    if (mode.mode !== 'serve') return;
    expect(mode.message).toMatch(/^Desktop window unavailable: better-sqlite3 could not be built for Electron 45\.5\.0 \(/);
    expect(mode.message).toContain('build.log');
    expect(mode.message).not.toContain('\n');
  });

  it('runs Electron when the binary, a display and the Electron build of better-sqlite3 are there', () => {
    expect(decideStartMode({ electron: { ok: true, path: '/e/electron' }, binding: { ok: true, path: '/b.node' }, electronVersion: '45.5.0', ...desktop })).toEqual({
      mode: 'electron',
      electronPath: '/e/electron',
      bindingPath: '/b.node',
    });
  });
});

describe('npm start: commands and environments', () => {
  const root = '/home/me/runboard';

  it('keeps the Electron build of better-sqlite3 apart from the Node one, per Electron version', () => {
    expect(bindingPath(root, '45.5.0')).toBe(path.join(root, 'node_modules', '.runboard', 'electron-45.5.0', 'better_sqlite3.node'));
  });

  it('forwards the user arguments to Electron and to serve', () => {
    expect(electronArgs(root, ['--db', 'runs.db'])).toEqual([root, '--db', 'runs.db']);
    expect(serveArgs(root, ['--db', 'runs.db', '--port', '0'])).toEqual([path.join(root, 'bin', 'runboard.js'), 'serve', '--db', 'runs.db', '--port', '0']);
  });

  it('gives Electron the binding and never ELECTRON_RUN_AS_NODE', () => {
    const env = electronEnv({ PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1' }, '/b.node');
    expect(env).toEqual({ PATH: '/usr/bin', RUNBOARD_SQLITE_BINDING: '/b.node' });
  });

  it("drops npm's nodedir/target/runtime settings so node-gyp really builds for Electron", () => {
    const env = rebuildEnv({ PATH: '/usr/bin', npm_config_nodedir: '/usr', NPM_CONFIG_NODEDIR: '/usr', npm_config_target: '20.0.0', npm_config_runtime: 'node', npm_config_cache: '/c' });
    expect(env).toEqual({ PATH: '/usr/bin', npm_config_cache: '/c' });
  });

  it('asks prebuild-install and node-gyp for the Electron runtime and headers', () => {
    expect(prebuildInstallArgs('45.5.0', 'linux', 'x64')).toEqual(['--runtime', 'electron', '--target', '45.5.0', '--platform', 'linux', '--arch', 'x64']);
    expect(nodeGypArgs('45.5.0', 'x64')).toEqual(['rebuild', '--release', '--target=45.5.0', '--arch=x64', '--dist-url=https://electronjs.org/headers']);
  });

  it('checks every entry point of the build, the preload as CommonJS', () => {
    expect(BUILD_OUTPUTS).toEqual(expect.arrayContaining(['out/main/index.js', 'out/preload/preload.cjs', 'out/renderer/index.html', 'out/main/cli.js']));
  });
});
