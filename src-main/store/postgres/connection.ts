import { readFileSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parse } from 'pg-connection-string';
import pg, { type PoolConfig } from 'pg';
import { AppError } from '../../../src-shared/api/errors';
import { maskPassword } from '../../paths';

/** Where a store connects, as it may be named in a message: host (or socket folder), port, database, user. Never the password. */
export interface ServerIdentity {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** libpq's `sslmode` values. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/**
 * The connection settings of a `postgres://` URL, as libpq reads it: user, host (a Unix socket folder through
 * `?host=/path`), port, database, `sslmode` and the other options (`application_name`, `options`...) pass through;
 * what the URL leaves out comes from PGHOST, PGPORT, PGDATABASE, PGUSER and PGSSLMODE. The password comes from the
 * URL, else PGPASSWORD, else ~/.pgpass (or PGPASSFILE), read only when the server asks for one.
 *
 * `sslmode` is libpq's, `prefer` when absent: `config.ssl` is the TLS a first connection tries (none for `disable`
 * and `allow`, which connect plain, nor over a Unix socket, where libpq never uses TLS); with `prefer`, a server that
 * refuses TLS is then reached plain (`settleTls`), as libpq does.
 * @throws AppError(BAD_INPUT) for a URL that is not one, or an sslmode libpq does not know.
 */
export function connectionConfig(url: string, env: NodeJS.ProcessEnv = process.env): { config: PoolConfig; identity: ServerIdentity; sslmode: SslMode } {
  const bad = (why: string) => new AppError('BAD_INPUT', `--db ${maskPassword(url)}: ${why}`);
  let parsed: ReturnType<typeof parse>;
  try {
    // libpq's meaning of sslmode (`require` encrypts without checking the certificate, as psql and psycopg do),
    // not node-postgres's older reading of it as `verify-full`.
    parsed = parse(url, { useLibpqCompat: true });
  } catch (error) {
    throw new AppError('BAD_INPUT', `--db ${maskPassword(url)} is not a PostgreSQL URL like postgres://user@host:5432/database (${(error as Error).message}).`);
  }
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const givenMode = text(parsed.sslmode) ?? text(env.PGSSLMODE) ?? 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(givenMode)) throw bad(`sslmode "${givenMode}" is not one of ${SSL_MODES.join(', ')}.`);
  const sslmode = givenMode as SslMode;
  // The mode came from PGSSLMODE or the default: read the URL again with it, for the same TLS options as when written there.
  if (text(parsed.sslmode) === undefined && sslmode !== 'disable' && sslmode !== 'allow') {
    try {
      parsed = parse(`${url}${url.includes('?') ? '&' : '?'}sslmode=${sslmode}`, { useLibpqCompat: true });
    } catch (error) {
      throw bad(`with sslmode=${sslmode} (${(error as Error).message}).`);
    }
  }
  const identity: ServerIdentity = {
    host: text(parsed.host) ?? text(env.PGHOST) ?? 'localhost',
    port: Number(text(parsed.port) ?? text(env.PGPORT) ?? 5432),
    database: '',
    user: text(parsed.user) ?? text(env.PGUSER) ?? userInfo().username,
  };
  identity.database = text(parsed.database) ?? text(env.PGDATABASE) ?? identity.user;
  const urlPassword = text(parsed.password);
  const { user: _user, password: _password, host: _host, port: _port, database: _database, sslmode: _sslmode, ssl, ...options } = parsed;
  const plain = sslmode === 'disable' || sslmode === 'allow' || identity.host.startsWith('/');
  const config: PoolConfig = {
    ...(options as PoolConfig),
    // Always set, so that node-postgres does not read PGSSLMODE its own way (any mode but disable as verify-full).
    ssl: plain ? false : ((ssl ?? {}) as PoolConfig['ssl']),
    host: identity.host,
    port: identity.port,
    database: identity.database,
    user: identity.user,
    password: async () => urlPassword ?? text(env.PGPASSWORD) ?? passwordFromPgpass(identity, env) ?? '',
    Client: ClosingClient,
  };
  return { config, identity, sslmode };
}

/** node-postgres's error when the server answers a TLS request with no. */
const isTlsRefused = (error: unknown): boolean => (error as Error).message?.includes('does not support SSL') === true;

/**
 * The configuration to connect with, once TLS is settled: libpq's `prefer` (its default) uses TLS when the server
 * offers it and connects plain when the server refuses it. node-postgres has no such mode (TLS configured is TLS
 * required), so a first connection asks, and every later connection is made as its answer says. Other modes are as
 * configured. A failure other than a refused TLS is thrown as the connection failed.
 */
export async function settleTls<T extends PoolConfig>(config: T, sslmode: SslMode): Promise<T> {
  if (sslmode !== 'prefer' || config.ssl === false) return config;
  const probe = new pg.Client(config);
  // A failed connection also reports its error as an event.
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return config;
  } catch (error) {
    if (isTlsRefused(error)) return { ...config, ssl: false };
    throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
}

/**
 * A pool's client that closes its connection when it fails to connect. pg-pool forgets such a client without ending it;
 * when the failure is the client's own (no password to answer a SCRAM login), its socket stays open and the server
 * keeps a backend waiting in authentication until its authentication_timeout (a minute), a backend that meanwhile
 * holds up a DROP DATABASE and counts against max_connections.
 */
export class ClosingClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: ((err: Error) => void) | ((err: null, client: pg.Client) => void)): void;
  override connect(callback?: ((err: Error) => void) | ((err: null, client: pg.Client) => void)): Promise<pg.Client> | void {
    if (!callback) return super.connect().catch((error: unknown) => this.closeAfter(error));
    const settle = callback as (error: Error | null, client?: pg.Client) => void;
    super.connect((error: Error | null) => {
      if (error) void this.end().catch(() => undefined);
      settle(error, this);
    });
  }

  private async closeAfter(error: unknown): Promise<never> {
    await this.end().catch(() => undefined);
    throw error;
  }
}

/** `host:port` as messages name the server (a socket folder as it is). */
export function describeServer(identity: ServerIdentity): string {
  return identity.host.startsWith('/') ? `the socket in ${identity.host} (port ${identity.port})` : `${identity.host}:${identity.port}`;
}

/**
 * The password ~/.pgpass (or PGPASSFILE) holds for this server, as libpq reads it: lines of
 * `host:port:database:user:password`, `*` matching anything, `\:` and `\\` escaped; a Unix socket matches `localhost`.
 * A file that others may read is ignored, as libpq ignores it.
 */
export function passwordFromPgpass(identity: ServerIdentity, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.PGPASSFILE || join(homedir(), '.pgpass');
  let content: string;
  try {
    if ((statSync(file).mode & 0o077) !== 0) return undefined;
    content = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const host = identity.host.startsWith('/') ? 'localhost' : identity.host;
  const wanted = [host, String(identity.port), identity.database, identity.user];
  for (const line of content.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields: string[] = [''];
    for (let i = 0; i < line.length; i++) {
      const c = line[i] as string;
      if (c === '\\' && i + 1 < line.length) fields[fields.length - 1] += line[++i] as string;
      else if (c === ':' && fields.length < 5) fields.push('');
      else fields[fields.length - 1] += c;
    }
    if (fields.length < 5) continue;
    if (wanted.every((value, i) => fields[i] === '*' || fields[i] === value)) return fields[4];
  }
  return undefined;
}

/**
 * A failure to connect or to log in, said plainly and naming the server (never the password): what was tried and
 * what to check. Anything else is returned unchanged.
 */
export function describeConnectionError(error: unknown, identity: ServerIdentity, sslmode: SslMode = 'prefer'): unknown {
  const code = (error as { code?: string }).code ?? '';
  const where = `the PostgreSQL server at ${describeServer(identity)}`;
  const who = `database "${identity.database}", user "${identity.user}"`;
  const reasons: Record<string, string> = {
    ECONNREFUSED: `Cannot connect to ${where}: the connection was refused. Is the server running and listening there?`,
    ENOTFOUND: `Cannot connect to ${where}: the host name is unknown.`,
    EAI_AGAIN: `Cannot connect to ${where}: the host name could not be looked up.`,
    ETIMEDOUT: `Cannot connect to ${where}: the connection timed out.`,
    EHOSTUNREACH: `Cannot connect to ${where}: the host cannot be reached.`,
    ENOENT: `Cannot connect to ${where}: there is no server socket there. Is the server running?`,
    ECONNRESET: `Cannot connect to ${where}: the server closed the connection.`,
    '28P01': `${where} refused the password for user "${identity.user}" (${who}). Give it in the URL, PGPASSWORD or ~/.pgpass.`,
    '28000': `${where} refused user "${identity.user}" (${who}): check pg_hba.conf on the server, or the user name.`,
    '3D000': `${where} has no database "${identity.database}". Create it first (createdb ${identity.database}), or name another in the URL.`,
    '57P03': `${where} is starting up or shutting down; try again in a moment.`,
  };
  const message = reasons[code];
  if (message) return new AppError('DB_UNREACHABLE', message);
  if ((error as Error).message?.includes('password authentication failed') || (error as Error).message?.includes('SASL')) {
    return new AppError('DB_UNREACHABLE', `${where} refused the login of user "${identity.user}" (${who}): a password is needed or wrong. Give it in the URL, PGPASSWORD or ~/.pgpass.`);
  }
  if (isTlsRefused(error)) {
    return new AppError('DB_UNREACHABLE', `Cannot connect to ${where}: it does not accept TLS connections, and sslmode=${sslmode} needs TLS. Use sslmode=prefer (TLS when the server offers it) or sslmode=disable.`);
  }
  if ((error as Error).message?.includes('SSL')) {
    return new AppError('DB_UNREACHABLE', `Cannot connect to ${where} with sslmode=${sslmode}: ${(error as Error).message}.`);
  }
  return error;
}
