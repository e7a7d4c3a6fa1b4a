import { describe, expect, it } from 'vitest';
import { dbFlagFromArgv, rendererSource, sqliteBindingFrom } from '../../src-main/electron/launch-options';

describe('dbFlagFromArgv (same flag as the CLI)', () => {
  it.each([
    [['/usr/bin/electron', '/app', '--db', 'runs.db'], 'runs.db'],
    [['/usr/bin/electron', '/app', '--db=/data/team.db'], '/data/team.db'],
    [['/opt/Runboard/runboard', '--no-sandbox', '--db', '/x.db'], '/x.db'],
    [['/opt/Runboard/runboard'], undefined],
    [['electron', '.', '--db'], undefined],
    [['electron', '.', '--db', '--inspect'], undefined],
    [['electron', '.', '--db='], undefined],
    [['electron', '.', '--', '--db', 'after-separator.db'], undefined],
  ])('%j -> %s', (argv, expected) => {
    expect(dbFlagFromArgv(argv)).toBe(expected);
  });
});

describe('sqliteBindingFrom', () => {
  it('uses RUNBOARD_SQLITE_BINDING from npm start when unpackaged', () => {
    expect(sqliteBindingFrom({ RUNBOARD_SQLITE_BINDING: '/app/node_modules/.runboard/electron-45.5.0/better_sqlite3.node' }, false)).toBe(
      '/app/node_modules/.runboard/electron-45.5.0/better_sqlite3.node',
    );
    expect(sqliteBindingFrom({}, false)).toBeUndefined();
    expect(sqliteBindingFrom({ RUNBOARD_SQLITE_BINDING: '  ' }, false)).toBeUndefined();
  });

  it('ignores it in a packaged app, where electron-builder rebuilt the module', () => {
    expect(sqliteBindingFrom({ RUNBOARD_SQLITE_BINDING: '/tmp/evil.node' }, true)).toBeUndefined();
  });
});

describe('rendererSource', () => {
  it('serves the built renderer from app://runboard by default', () => {
    expect(rendererSource({}, false)).toEqual({ url: 'app://runboard/index.html', origin: 'app://runboard', devServer: false });
  });

  it("uses electron-vite's dev server when it set ELECTRON_RENDERER_URL on a loopback host", () => {
    expect(rendererSource({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, false)).toEqual({
      url: 'http://localhost:5173',
      origin: 'http://localhost:5173',
      devServer: true,
    });
  });

  it('ignores ELECTRON_RENDERER_URL when packaged or when it points anywhere but this machine', () => {
    for (const [url, packaged] of [
      ['http://localhost:5173', true],
      ['https://evil.example', false],
      ['http://192.168.1.5:5173', false],
      ['file:///tmp/index.html', false],
      ['nonsense', false],
    ] as const) {
      expect(rendererSource({ ELECTRON_RENDERER_URL: url }, packaged).devServer).toBe(false);
    }
  });
});
