/**
 * `server/security.ts` on its own: which host names count as loopback or as every interface, how a host is written
 * in a URL, which `Host` and `Origin` headers the policy accepts for each way of binding, and the headers sent with
 * every response.
 */
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { formatUrlHost, HostPolicy, isLoopbackHost, isWildcardHost, securityHeaders } from '../../src-main/server/security';

const withHeaders = (headers: Record<string, string | string[] | undefined>) => ({ headers }) as unknown as IncomingMessage;
const accepts = (policy: HostPolicy, host: string | undefined) => policy.acceptedHost(withHeaders({ host })) !== undefined;

describe('loopback and wildcard hosts', () => {
  it('counts localhost, 127.0.0.0/8 and ::1 in its spellings as loopback', () => {
    for (const host of ['localhost', 'LocalHost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '[0:0:0:0:0:0:0:1]', '::ffff:127.0.0.1', '[::FFFF:127.0.0.2]']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });

  it('counts every other name and address as reachable from elsewhere', () => {
    for (const host of ['0.0.0.0', '10.0.0.127', '128.0.0.1', '127.example.com', 'my-127.0.0.1.host', '::', '::2', '::ffff:10.0.0.1', '1::ffff:127.0.0.1', '[::1', 'example.com', '']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('knows the addresses that mean every interface', () => {
    for (const host of ['0.0.0.0', '::', '[::]', '']) expect(isWildcardHost(host), host).toBe(true);
    for (const host of ['127.0.0.1', '::1', '[0.0.0.0', '0.0.0.0]', '[::x', 'x::]']) expect(isWildcardHost(host), host).toBe(false);
  });

  it('writes IPv6 addresses in brackets and names in lower case for a URL', () => {
    expect(formatUrlHost('::1')).toBe('[::1]');
    expect(formatUrlHost('[::1]')).toBe('[::1]');
    expect(formatUrlHost('FE80::1')).toBe('[fe80::1]');
    expect(formatUrlHost('127.0.0.1')).toBe('127.0.0.1');
    expect(formatUrlHost('My-Box.Local')).toBe('my-box.local');
  });
});

describe('HostPolicy: the Host headers a server answers to', () => {
  it('answers to localhost, 127.0.0.1 and [::1] on its port, and to nothing else, on loopback', () => {
    const policy = new HostPolicy({ port: 7321, boundHosts: ['127.0.0.1'], allowRemote: false });
    for (const host of ['localhost:7321', '127.0.0.1:7321', '[::1]:7321', 'LOCALHOST:7321', '  127.0.0.1:7321  ']) expect(accepts(policy, host), host).toBe(true);
    for (const host of ['localhost', '127.0.0.1:7322', 'evil.example:7321', '127.0.0.2:7321', undefined]) expect(accepts(policy, host), String(host)).toBe(false);
    expect(policy.acceptedHost(withHeaders({ host: ' LocalHost:7321 ' }))).toBe('localhost:7321');
  });

  it('adds a bound loopback address, but not a remote one unless remote access is allowed', () => {
    expect(accepts(new HostPolicy({ port: 8000, boundHosts: ['127.0.0.5'], allowRemote: false }), '127.0.0.5:8000')).toBe(true);
    expect(accepts(new HostPolicy({ port: 8000, boundHosts: ['::1'], allowRemote: false }), '[::1]:8000')).toBe(true);
    expect(accepts(new HostPolicy({ port: 8000, boundHosts: ['192.168.1.20'], allowRemote: false }), '192.168.1.20:8000')).toBe(false);
    const remote = new HostPolicy({ port: 8000, boundHosts: ['192.168.1.20', 'FD00::7'], allowRemote: true });
    expect(accepts(remote, '192.168.1.20:8000')).toBe(true);
    expect(accepts(remote, '[fd00::7]:8000')).toBe(true);
    expect(accepts(remote, '192.168.1.21:8000')).toBe(false);
  });

  it("answers to this machine's names and addresses when bound to every interface with remote access allowed, and not without", () => {
    const addresses = Object.values(networkInterfaces())
      .flatMap((entries) => entries ?? [])
      .map((entry) => formatUrlHost(entry.address.split('%')[0] as string));
    const everywhere = new HostPolicy({ port: 9000, boundHosts: ['0.0.0.0'], allowRemote: true });
    expect(accepts(everywhere, `${formatUrlHost(hostname())}:9000`)).toBe(true);
    for (const address of addresses) expect(accepts(everywhere, `${address}:9000`), address).toBe(true);
    expect(accepts(everywhere, 'evil.example:9000')).toBe(false);
    const refused = new HostPolicy({ port: 9000, boundHosts: ['0.0.0.0', '::'], allowRemote: false });
    expect(accepts(refused, `${formatUrlHost(hostname())}:9000`)).toBe(hostname().toLowerCase() === 'localhost');
    expect(accepts(refused, '0.0.0.0:9000')).toBe(false);
    expect(accepts(refused, '[::]:9000')).toBe(false);
  });

  it('also answers to a Host without a port on port 80, where browsers leave it out', () => {
    const policy = new HostPolicy({ port: 80, boundHosts: ['127.0.0.1'], allowRemote: false });
    expect(accepts(policy, 'localhost')).toBe(true);
    expect(accepts(policy, '127.0.0.1:80')).toBe(true);
    expect(accepts(new HostPolicy({ port: 8080, boundHosts: ['127.0.0.1'], allowRemote: false }), 'localhost')).toBe(false);
  });

  it('refuses a Host header that is not one string', () => {
    const policy = new HostPolicy({ port: 7321, boundHosts: ['127.0.0.1'], allowRemote: false });
    expect(policy.acceptedHost(withHeaders({ host: ['localhost:7321', 'localhost:7321'] }))).toBeUndefined();
  });

  it('accepts no Origin (a script) or our own, in any case and spacing, and refuses any other', () => {
    const policy = new HostPolicy({ port: 7321, boundHosts: ['127.0.0.1'], allowRemote: false });
    const allowed = (origin: string | undefined) => policy.originAllowed(withHeaders({ origin }), 'localhost:7321');
    expect([undefined, 'http://localhost:7321', ' HTTP://LocalHost:7321 '].map(allowed)).toEqual([true, true, true]);
    expect(['https://localhost:7321', 'http://127.0.0.1:7321', 'http://localhost:7321.evil.example', 'null', ''].map(allowed)).toEqual([false, false, false, false, false]);
  });

  it('gives 127.0.0.1 on its port for answers that cannot trust a Host', () => {
    expect(new HostPolicy({ port: 4567, boundHosts: ['0.0.0.0'], allowRemote: true }).fallbackHost).toBe('127.0.0.1:4567');
  });
});

describe('security headers', () => {
  it('are the same set for every answer, with the WebSocket allowed back to the given host only', () => {
    expect(securityHeaders('localhost:7321')).toEqual({
      'Content-Security-Policy':
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws://localhost:7321; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
  });
});
