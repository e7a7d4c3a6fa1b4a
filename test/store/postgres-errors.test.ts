import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { describePostgresError } from '../../src-main/store/postgres/session';
import { isDiskFull } from '../../src-main/disk-full';
import { AppError } from '../../src-shared/api/errors';

/** A server error as node-postgres gives it. */
function serverError(code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

describe("PostgreSQL's errors, as a user reads them", () => {
  it('says the disk is full (DISK_FULL, as a local full disk does) when the server has no space left (53100)', () => {
    const error = describePostgresError(serverError('53100', 'could not extend file "base/16384/16400": No space left on device'), 'the database "runs" on postgres://ana:***@db/runs');
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('DISK_FULL');
    expect(isDiskFull(error)).toBe(true);
    expect((error as AppError).message).toBe(
      'The disk is full on the server of the database "runs" on postgres://ana:***@db/runs (PostgreSQL 53100): nothing of this write was stored. Free some space on the server and try again.',
    );
  });

  it('keeps other database errors apart from a full disk', () => {
    const error = describePostgresError(serverError('55P03', 'could not obtain lock on row in relation "runs"'), 'the database "runs"');
    expect(isDiskFull(error)).toBe(false);
    expect((error as AppError).code).toBe('INTERNAL');
  });
});
