import { isIP } from 'node:net';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import type { IncomingMessage } from 'node:http';

/**
 * Host and Origin checks for `serve`: the defence against DNS rebinding (a page on `evil.example` whose name is
 * re-pointed at 127.0.0.1 sends requests with `Host: evil.example`) and cross-site requests (a page elsewhere
 * posting to us or opening our WebSocket sends its own `Origin`).
 */

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** True for names and addresses that only this machine can reach: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHost(host: string): boolean {
  const bare = stripBrackets(host).toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  return bare.startsWith('::ffff:127.');
}

export function isWildcardHost(host: string): boolean {
  return WILDCARD_HOSTS.has(stripBrackets(host));
}

/** How a host appears in a URL or a `Host` header: IPv6 addresses in brackets, names lower-cased. */
export function formatUrlHost(host: string): string {
  const bare = stripBrackets(host).toLowerCase();
  return isIP(bare) === 6 ? `[${bare}]` : bare;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export interface HostPolicyOptions {
  /** The port the server listens on. */
  port: number;
  /** The address actually bound (from `server.address()`), or the name the user asked for. */
  boundHosts: string[];
  /** Whether the user allowed another interface than loopback (`--allow-remote`). */
  allowRemote: boolean;
}

/**
 * The `Host` header values we answer to: `localhost`, `127.0.0.1` and `[::1]` on our port, plus the bound host
 * (and, when bound to every interface with `--allow-remote`, this machine's addresses and hostname).
 */
export class HostPolicy {
  private readonly allowed: Set<string>;
  private readonly port: number;

  constructor(options: HostPolicyOptions) {
    this.port = options.port;
    const names = new Set(['localhost', '127.0.0.1', '[::1]']);
    for (const host of options.boundHosts) {
      if (isWildcardHost(host)) {
        if (options.allowRemote) for (const name of machineNames()) names.add(formatUrlHost(name));
      } else if (options.allowRemote || isLoopbackHost(host)) {
        names.add(formatUrlHost(host));
      }
    }
    this.allowed = new Set([...names].map((name) => `${name}:${options.port}`));
    // Browsers leave the port out of `Host` when it is the scheme's default.
    if (options.port === 80) for (const name of names) this.allowed.add(name);
  }

  /** The request's `Host` header, lower-cased, when it names us; undefined when the request must get a 403. */
  acceptedHost(request: IncomingMessage): string | undefined {
    const header = request.headers.host;
    if (typeof header !== 'string') return undefined;
    const host = header.trim().toLowerCase();
    return this.allowed.has(host) ? host : undefined;
  }

  /** Whether the request's `Origin` header (when present) is our own origin as reached through `host`. */
  originAllowed(request: IncomingMessage, host: string): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    return origin.trim().toLowerCase() === `http://${host}`;
  }

  /** A host:port to use where no request `Host` can be trusted (in error responses). */
  get fallbackHost(): string {
    return `127.0.0.1:${this.port}`;
  }
}

/** This machine's interface addresses and hostname: the names a remote browser may use to reach a wildcard bind. */
function machineNames(): string[] {
  const names: string[] = [osHostname()];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) names.push(entry.address.split('%')[0] ?? entry.address);
  }
  return names;
}

/**
 * Headers sent with every response. `host` is the validated `Host` header (or the fallback), so that the
 * WebSocket the page opens back to us is allowed by `connect-src`.
 */
export function securityHeaders(host: string): Record<string, string> {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ws://${host}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
