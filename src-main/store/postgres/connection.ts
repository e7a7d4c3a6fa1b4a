import { readFileSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parse } from 'pg-connection-string';
import type { PoolConfig } from 'pg';
import { AppError } from '../../../src-shared/api/errors';
import { maskPassword } from '../../paths';

/** Where a store connects, as it may be named in a message: host (or socket folder), port, database, user. Never the password. */
export interface ServerIdentity {
  host: string;
  port: number;
  database: string;
  user: string;
}

/**
 * The connection settings of a `postgres://` URL, as libpq reads it: user, host (a Unix socket folder through
 * `?host=/path`), port, database, `sslmode` and the other options (`application_name`, `options`...) pass through;
 * what the URL leaves out comes from PGHOST, PGPORT, PGDATABASE and PGUSER. The password comes from the URL, else
 * PGPASSWORD, else ~/.pgpass (or PGPASSFILE), read only when the server asks for one.
 */
export function connectionConfig(url: string, env: NodeJS.ProcessEnv = process.env): { config: PoolConfig; identity: ServerIdentity } {
  let parsed: ReturnType<typeof parse>;
  try {
    // libpq's meaning of sslmode (`require` encrypts without checking the certificate, as psql and psycopg do),
    // not node-postgres's older reading of it as `verify-full`.
    parsed = parse(url, { useLibpqCompat: true });
  } catch (error) {
    throw new AppError('BAD_INPUT', `--db ${maskPassword(url)} is not a PostgreSQL URL like postgres://user@host:5432/database (${(error as Error).message}).`);
  }
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const identity: ServerIdentity = {
    host: text(parsed.host) ?? text(env.PGHOST) ?? 'localhost',
    port: Number(text(parsed.port) ?? text(env.PGPORT) ?? 5432),
    database: '',
    user: text(parsed.user) ?? text(env.PGUSER) ?? userInfo().username,
  };
  identity.database = text(parsed.database) ?? text(env.PGDATABASE) ?? identity.user;
  const urlPassword = text(parsed.password);
  const { user: _user, password: _password, host: _host, port: _port, database: _database, ...options } = parsed;
  const config: PoolConfig = {
    ...(options as PoolConfig),
    host: identity.host,
    port: identity.port,
    database: identity.database,
    user: identity.user,
    password: async () => urlPassword ?? text(env.PGPASSWORD) ?? passwordFromPgpass(identity, env) ?? '',
  };
  return { config, identity };
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
export function describeConnectionError(error: unknown, identity: ServerIdentity): unknown {
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
  if ((error as Error).message?.includes('does not support SSL') || (error as Error).message?.includes('SSL')) {
    return new AppError('DB_UNREACHABLE', `Cannot connect to ${where} with the URL's sslmode: ${(error as Error).message}.`);
  }
  return error;
}
