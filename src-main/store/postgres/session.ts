import pg, { type Pool, type PoolClient, type QueryResultRow } from 'pg';
import { AppError } from '../../../src-shared/api/errors';

/**
 * Numbers the `?` placeholders of a statement (`$1`, `$2`...), as PostgreSQL wants them, leaving quoted text alone:
 * the query builders shared with SQLite (filters, sorts, pages) write `?`.
 */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const c of sql) {
    if (c === "'") quoted = !quoted;
    out += c === '?' && !quoted ? `$${++n}` : c;
  }
  return out;
}

/**
 * Values as Runboard reads them: 64-bit integers (ids, steps, times in ms, counts) and numerics as JavaScript numbers,
 * which hold them exactly below 2^53 (times in ms and ids stay far below), instead of node-postgres's strings.
 */
export const NUMBER_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** Something statements run on: the pool (each statement its own transaction) or one client inside a transaction. */
export type Queryable = Pool | PoolClient;

/** Runs a statement written with `?` placeholders. */
export async function query<R extends QueryResultRow = QueryResultRow>(on: Queryable, sql: string, args: readonly unknown[] = []): Promise<R[]> {
  const result = await on.query<R>(numberPlaceholders(sql), args as unknown[]);
  return result.rows;
}

/** Each row as an array of its columns, in order. */
export async function arrays(on: Queryable, sql: string, args: readonly unknown[] = []): Promise<unknown[][]> {
  const result = await on.query({ text: numberPlaceholders(sql), values: args as unknown[], rowMode: 'array' });
  return result.rows as unknown[][];
}

/** The first column of each row. */
export async function column<T>(on: Queryable, sql: string, args: readonly unknown[] = []): Promise<T[]> {
  const result = await on.query({ text: numberPlaceholders(sql), values: args as unknown[], rowMode: 'array' });
  return result.rows.map((row: unknown[]) => row[0] as T);
}

/** The first column of the first row, or undefined. */
export async function value<T>(on: Queryable, sql: string, args: readonly unknown[] = []): Promise<T | undefined> {
  return (await column<T>(on, sql, args))[0];
}

/**
 * Runs `body` in one transaction on one client of the pool: committed when it resolves, rolled back when it throws.
 * `notify` is called inside it before the commit (the store announces its writes there).
 */
export async function transaction<T>(pool: Pool, body: (client: PoolClient) => Promise<T>, options: { readOnly?: boolean; notify?: (client: PoolClient) => Promise<void> } = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(options.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
    const result = await body(client);
    if (options.notify) await options.notify(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Whether a failure is the connection's, not the statement's: the server went away (a restart, a network cut, an
 * administrator's shutdown) or cannot take connections now. What failed so may succeed once it is back.
 */
function isConnectionFailure(code: string, message: string): boolean {
  if (code.startsWith('08') || ['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03'].includes(code)) return true;
  // node-postgres says these without a code.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
}

/**
 * PostgreSQL's failures as the store's errors, as SQLite's are (`describeSqliteError`): check and constraint failures
 * say what was refused; any other failure of the server (a trigger that raises, a lock timeout...) is an INTERNAL
 * error naming the database. Errors that are not the server's (the code's own) are left unchanged.
 */
export function describePostgresError(error: unknown, where: string): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  if (code === '23503') return new AppError('NOT_FOUND', `A run, sweep or experiment it refers to does not exist (${message}).`);
  if (code === '23514' || code === '22P02' || code === '22003') return new AppError('BAD_INPUT', `The database refused a value: ${message}.`);
  // disk_full: the same DISK_FULL a local file's full disk gives, so a run ends failed saying so at once.
  if (code === '53100') return new AppError('DISK_FULL', `The disk is full on the server of ${where} (PostgreSQL 53100): nothing of this write was stored. Free some space on the server and try again.`);
  if (isConnectionFailure(code, message)) return new AppError('DB_UNREACHABLE', `Lost the connection to ${where}: ${message}`);
  if (error instanceof pg.DatabaseError) return new AppError('INTERNAL', `Database error on ${where}: ${message}`);
  return error;
}
