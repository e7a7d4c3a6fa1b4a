/**
 * Static files at the edges (`server/static-files.ts`): hidden files below the root, folders, symlink loops, a file
 * name used as a folder, the cache policy outside `assets/`, the words of a 400 and a 404, and `isInside`.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInside } from '../../src-main/server/static-files';
import { bearer, INDEX_HTML, request, startTestServer, type TestServer } from './helpers';

describe('static files at the edges', () => {
  let running: TestServer;
  let port: number;
  let auth: Record<string, string>;
  const get = (path: string) => request(port, { path, headers: auth });
  beforeAll(async () => {
    running = await startTestServer();
    port = running.server.port;
    auth = bearer(running.server);
    const root = running.renderer.rendererDir;
    await writeFile(join(root, 'assets', '.hidden.js'), 'hidden');
    await mkdir(join(root, 'fonts'));
    await writeFile(join(root, 'fonts', 'inter.woff2'), 'font');
    await symlink(join(root, 'loop-b'), join(root, 'loop-a'));
    await symlink(join(root, 'loop-a'), join(root, 'loop-b'));
  });
  afterAll(() => running.stop());

  it('refuses a hidden file below the root as well as at it', async () => {
    expect((await get('/assets/.hidden.js')).status).toBe(404);
    expect((await get('/.env')).status).toBe(404);
  });

  it('answers 404 for a folder, never its listing or the UI', async () => {
    for (const path of ['/assets', '/assets/', '/fonts']) {
      const answer = await get(path);
      expect([answer.status, answer.body], path).toEqual([404, 'Not found.']);
    }
  });

  it('answers 404 for a symlink loop instead of taking it for a page of the app', async () => {
    expect((await get('/loop-a')).status).toBe(404);
  });

  it('takes a path through a file, as through a missing folder, for a page of the app', async () => {
    const answer = await get('/index.html/settings');
    expect([answer.status, answer.body]).toEqual([200, INDEX_HTML]);
  });

  it('revalidates files outside assets/, even in a subfolder', async () => {
    const answer = await get('/fonts/inter.woff2');
    expect([answer.status, answer.headers['cache-control']]).toEqual([200, 'no-cache']);
    expect((await get('/assets/app-3f2a1b.js')).headers['cache-control']).toBe('private, max-age=31536000, immutable');
  });

  it('says why it refuses a path', async () => {
    const answer = await get('/%2e%2e/secret');
    expect([answer.status, answer.body]).toEqual([400, 'Bad request path.']);
  });
});

describe('isInside', () => {
  it('holds for the root itself and what is below it, not for a sibling that shares its prefix', () => {
    expect(isInside('/srv/ui', '/srv/ui')).toBe(true);
    expect(isInside('/srv/ui', '/srv/ui/assets/app.js')).toBe(true);
    expect(isInside('/srv/ui', '/srv/ui-secret/x')).toBe(false);
    expect(isInside('/srv/ui', '/srv/uix')).toBe(false);
    expect(isInside('/srv/ui', '/srv')).toBe(false);
    expect(isInside('/', '/etc/passwd')).toBe(true);
  });
});
