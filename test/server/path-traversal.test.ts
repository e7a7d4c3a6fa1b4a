import type * as FsPromises from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { safePathSegments } from '../../src-main/server/static-files';
import { bearer, request, SECRET, startTestServer, type TestServer } from './helpers';

/** Every file the server opens, to prove nothing outside the root is ever read. */
const { opened } = vi.hoisted(() => ({ opened: [] as string[] }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  return {
    ...actual,
    open: (...args: Parameters<typeof actual.open>) => {
      opened.push(String(args[0]));
      return actual.open(...args);
    },
  };
});

describe('reliability 10: no client path leaves the renderer folder', () => {
  let running: TestServer;
  beforeAll(async () => {
    running = await startTestServer();
  });
  afterAll(() => running.stop());

  const attacks = (): string[] => {
    const outside = running.renderer.outsideDir;
    return [
      '/../outside/secret.txt',
      '/assets/../../outside/secret.txt',
      '/assets/../index.html',
      '/./index.html',
      '/%2e%2e/outside/secret.txt',
      '/%2e%2e%2foutside%2fsecret.txt',
      '/assets/%2E%2E/%2E%2E/outside/secret.txt',
      '/%252e%252e%252foutside%252fsecret.txt',
      '/assets/%252e%252e/%252e%252e/outside/secret.txt',
      '/..%5coutside%5csecret.txt',
      '/..\\outside\\secret.txt',
      '/assets\\..\\..\\outside\\secret.txt',
      `/${outside}/secret.txt`,
      `/${encodeURIComponent(`${outside}/secret.txt`)}`,
      `//${outside.slice(1)}/secret.txt`,
      '/%2f%2e%2e%2foutside/secret.txt',
      '/index.html%00.js',
      '/assets/app-3f2a1b.js%00',
      '/%00',
      '/C:/Windows/win.ini',
      '/c:%5cWindows%5cwin.ini',
      '/%c0%ae%c0%ae/outside/secret.txt',
      '/%e0%80%ae%e0%80%ae/outside/secret.txt',
      '/assets/leak.txt',
      '/leak',
      '/assets/linked/secret.txt',
      '/assets/linked/secret',
      '/.env',
      '/assets/%2e%2e%2f.env',
    ];
  };

  it('refuses every traversal spelling with 400 or 404, and never returns the secret', async () => {
    for (const path of attacks()) {
      const answer = await request(running.server.port, { path, headers: bearer(running.server) });
      expect([400, 404], path).toContain(answer.status);
      expect(answer.body, path).not.toContain(SECRET);
    }
  });

  it('refuses encoded dot-dot, backslashes, NUL and leftover % with 400', async () => {
    for (const path of ['/%2e%2e%2foutside%2fsecret.txt', '/%252e%252e%252fsecret.txt', '/..\\outside\\secret.txt', '/index.html%00.js', '/assets/../index.html']) {
      const answer = await request(running.server.port, { path, headers: bearer(running.server) });
      expect(answer.status, path).toBe(400);
    }
  });

  it('refuses a symlink that points outside the root with 404, without opening its target', async () => {
    for (const path of ['/assets/leak.txt', '/leak', '/assets/linked/secret.txt']) {
      const answer = await request(running.server.port, { path, headers: bearer(running.server) });
      expect(answer.status, path).toBe(404);
    }
  });

  it('never opens a file outside the renderer folder', async () => {
    opened.length = 0;
    for (const path of attacks()) await request(running.server.port, { path, headers: bearer(running.server) });
    const root = running.renderer.rendererDir;
    expect(opened.filter((file) => !file.startsWith(`${root}/`))).toEqual([]);
    expect(opened.some((file) => file.includes('secret') || file.includes('.env'))).toBe(false);
    // The spy does see what the server opens:
    await request(running.server.port, { path: '/assets/app-3f2a1b.js', headers: bearer(running.server) });
    expect(opened.at(-1)).toBe(`${root}/assets/app-3f2a1b.js`);
  });

  it('still serves ordinary files after all that', async () => {
    const answer = await request(running.server.port, { path: '/assets/app-3f2a1b.js', headers: bearer(running.server) });
    expect(answer.status).toBe(200);
  });
});

describe('safePathSegments', () => {
  it('splits a clean path into segments, ignoring one trailing slash', () => {
    expect(safePathSegments('/')).toEqual([]);
    expect(safePathSegments('/assets/app.js')).toEqual(['assets', 'app.js']);
    expect(safePathSegments('/runs/12/')).toEqual(['runs', '12']);
    expect(safePathSegments('/assets/my%20file.js')).toEqual(['assets', 'my file.js']);
  });

  it('decodes exactly once and refuses what could escape', () => {
    for (const path of ['', 'assets/app.js', '//x', '/a//b', '/..', '/a/../b', '/./a', '/%2e%2e', '/%2E%2E/x', '/%252e%252e', '/a%5cb', '/a\\b', '/%00', '/a%0a', '/%', '/%zz', '/C:', '/%c0%ae']) {
      expect(safePathSegments(path), path).toBeUndefined();
    }
  });
});
