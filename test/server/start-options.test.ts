/**
 * `startServer`'s options (`server/index.ts`) at their edges: the port range, what the refusal to listen remotely
 * advises, addresses that are not this machine's, the URL it prints, and the warning it gives when listening on
 * every interface.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server/index';
import { AppError } from '../../src-shared/api/errors';
import { FakeApiHost, makeRendererDir, type RendererFixture } from './helpers';

let fixture: RendererFixture;
const started: RunningServer[] = [];
beforeEach(async () => {
  fixture = await makeRendererDir();
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const server of started.splice(0)) await server.close();
  await fixture.cleanup();
});

const start = async (options: { host?: string; port?: number; allowRemote?: boolean }) => {
  const server = await startServer({ api: new FakeApiHost(), rendererDir: fixture.rendererDir, ...options });
  started.push(server);
  return server;
};
const refusal = async (options: { host?: string; port?: number; allowRemote?: boolean }) => {
  const error = await start(options).catch((e: unknown) => e);
  if (!(error instanceof AppError)) throw new Error(`expected a refusal for ${JSON.stringify(options)}`);
  return error;
};

describe('startServer options', () => {
  it('refuses a port outside 0 to 65535 or not whole, saying which', async () => {
    for (const port of [-1, 65_536, 1.5, Number.NaN]) {
      const error = await refusal({ port });
      expect([error.code, error.message], String(port)).toEqual(['BAD_INPUT', `The port must be a whole number from 0 to 65535 (0 picks a free one), not ${port}.`]);
    }
  });

  it('takes port 65535 as a port (it may be taken, but it is not out of range)', async () => {
    const outcome = await start({ port: 65_535 }).then(
      (server) => ({ code: 'LISTENING', port: server.port }),
      (error: AppError) => ({ code: error.code, port: 65_535 }),
    );
    expect(['LISTENING', 'CONFLICT']).toContain(outcome.code);
    expect(outcome.port).toBe(65_535);
  });

  it('advises an SSH tunnel on the port asked for, or the default port when any port would do', async () => {
    expect((await refusal({ host: '0.0.0.0', port: 8080 })).message).toBe(
      'Refusing to listen on 0.0.0.0: other machines could reach it. Serve on 127.0.0.1 and use an SSH tunnel (ssh -L 8080:127.0.0.1:8080 ...), ' +
        'or pass --allow-remote to listen on 0.0.0.0 anyway (the token is still required).',
    );
    expect((await refusal({ host: '10.1.2.3', port: 0 })).message).toContain('(ssh -L 7321:127.0.0.1:7321 ...)');
    expect((await refusal({ host: '10.1.2.3' })).message).toContain('(ssh -L 7321:127.0.0.1:7321 ...)');
  });

  it("refuses an address or a name that is not this machine's", async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const address = await refusal({ host: '203.0.113.7', port: 0, allowRemote: true });
    expect([address.code, address.message]).toEqual(['BAD_INPUT', 'Cannot listen on 203.0.113.7: it is not an address of this machine.']);
    const name = await refusal({ host: 'no-such-host.invalid', port: 0, allowRemote: true });
    expect([name.code, name.message]).toEqual(['BAD_INPUT', 'Cannot listen on no-such-host.invalid: it is not an address of this machine.']);
  });

  it('prints a URL to the address it bound, in brackets for IPv6, and 127.0.0.1 when bound to every interface', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const ipv6 = await start({ host: '::1', port: 0 });
    expect(ipv6.url).toBe(`http://[::1]:${ipv6.port}/?token=${ipv6.token}`);
    const everywhere = await start({ host: '0.0.0.0', port: 0, allowRemote: true });
    expect(everywhere.url).toBe(`http://127.0.0.1:${everywhere.port}/?token=${everywhere.token}`);
    expect(stderr.mock.calls.map((call) => String(call[0])).join('')).toBe(
      `runboard serve: warning: listening on 0.0.0.0:${everywhere.port}, reachable from other machines. Anyone with the token can train and read every run, ` +
        'and plain HTTP is not encrypted: prefer 127.0.0.1 with an SSH tunnel.\n',
    );
  });
});
