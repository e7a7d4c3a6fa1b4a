import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliIsBuilt, childPids, isAlive, killAll, makeTempDir, removeTempDirs, sleep, startCli, waitFor } from './helpers';

beforeAll(() => assertCliIsBuilt());
afterEach(() => killAll());
afterAll(() => removeTempDirs());

describe('runboard serve', () => {
  it('prints the URL with its token as the first stdout line, answers it, and stops with exit 0 on SIGTERM leaving no process', async () => {
    const db = join(makeTempDir(), 'x.db');
    const cli = startCli(['serve', '--port', '0', '--db', db]);
    const firstLine = await waitFor(
      `serve to print its URL (stderr: ${cli.stderr})`,
      () => {
        if (cli.child.exitCode !== null) throw new Error(`serve exited early (${cli.child.exitCode}): ${cli.stderr}`);
        const newline = cli.stdout.indexOf('\n');
        return newline >= 0 ? cli.stdout.slice(0, newline) : undefined;
      },
      60_000,
    );
    const match = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)$/.exec(firstLine);
    expect(match, `first line: ${firstLine}`).not.toBeNull();
    const port = Number(match?.[1]);
    expect(port).toBeGreaterThan(0);

    // The URL sets the token as a cookie and redirects to the app; with the cookie the app's page loads.
    const first = await fetch(firstLine, { redirect: 'manual' });
    expect([301, 302, 303, 307, 308]).toContain(first.status);
    const cookie = first.headers.get('set-cookie');
    expect(cookie).toMatch(/HttpOnly/i);
    const location = new URL(first.headers.get('location') ?? '/', firstLine);
    expect(location.origin).toBe(`http://127.0.0.1:${port}`);
    const page = await fetch(location, { headers: { cookie: (cookie ?? '').split(';')[0] as string } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<!doctype html>/i);

    // Without the token, the same page is refused.
    const anonymous = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
    expect(anonymous.status).not.toBe(200);

    expect(childPids(cli.pid)).toEqual([]);
    process.kill(cli.pid, 'SIGTERM');
    const exit = await Promise.race([cli.exited, sleep(30_000).then(() => null)]);
    expect(exit, 'serve did not stop within 30 s of SIGTERM').not.toBeNull();
    expect(exit?.code).toBe(0);
    expect(exit?.signal).toBeNull();
    expect(isAlive(cli.pid)).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});
