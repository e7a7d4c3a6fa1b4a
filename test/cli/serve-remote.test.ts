/**
 * Reliability item 6 through the CLI: `runboard serve --host` with an address other machines can reach is refused
 * unless `--allow-remote` is given, and then it warns and still requires the token. The server's own check is
 * tested in test/server/bind.test.ts; this is the flag's wiring, as a user types it.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliIsBuilt, killAll, makeTempDir, removeTempDirs, sleep, startCli, waitFor, type CliResult, type RunningCli } from './helpers';

beforeAll(() => assertCliIsBuilt());
afterEach(() => killAll());
afterAll(() => removeTempDirs());

/** A port free on every interface just now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '0.0.0.0', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** Resolves with the exit of `cli`, or fails as soon as it prints a URL (it is serving). */
async function exitWithoutServing(cli: RunningCli): Promise<CliResult> {
  return waitFor(`serve to exit (stdout: ${cli.stdout} stderr: ${cli.stderr})`, async () => {
    if (cli.stdout.includes('http://')) throw new Error(`serve is listening: it printed ${cli.stdout.trim()}`);
    return cli.child.exitCode !== null ? await cli.exited : undefined;
  });
}

describe('runboard serve --host', () => {
  for (const host of ['0.0.0.0', '::']) {
    it(`refuses --host ${host} without --allow-remote: exit status 2, naming the flag, and nothing listens`, async () => {
      const port = await freePort();
      const db = join(makeTempDir(), 'x.db');
      const result = await exitWithoutServing(startCli(['serve', '--host', host, '--port', String(port), '--db', db]));
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`Refusing to listen on ${host.replace(/[.:]/g, '\\$&')}`));
      expect(result.stderr).toContain('--allow-remote');
      expect(result.stdout).toBe('');
      expect(await canListen(port, '0.0.0.0'), 'the port was never taken').toBe(true);
    });
  }

  it('with --allow-remote listens on every interface, warns on stderr, prints a loopback URL and still requires the token', async () => {
    const db = join(makeTempDir(), 'x.db');
    const cli = startCli(['serve', '--host', '0.0.0.0', '--allow-remote', '--port', '0', '--db', db]);
    const url = await waitFor(`serve to print its URL (stderr: ${cli.stderr})`, () => {
      if (cli.child.exitCode !== null) throw new Error(`serve exited (${cli.child.exitCode}): ${cli.stderr}`);
      const newline = cli.stdout.indexOf('\n');
      return newline >= 0 ? cli.stdout.slice(0, newline) : undefined;
    });
    const match = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)$/.exec(url);
    expect(match, url).not.toBeNull();
    const port = Number(match?.[1]);
    expect(cli.stderr).toMatch(/warning/i);
    expect(cli.stderr).toContain('reachable from other machines');
    expect(await canListen(port, '0.0.0.0'), 'the port is taken on every interface').toBe(false);
    expect((await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' })).status, 'without the token').toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/`, { headers: { Authorization: `Bearer ${match?.[2]}` } })).status, 'with the token').toBe(200);
    process.kill(cli.pid, 'SIGTERM');
    const exit = await Promise.race([cli.exited, sleep(30_000).then(() => null)]);
    expect(exit?.code, 'serve stops with exit 0 on SIGTERM').toBe(0);
  });
});
