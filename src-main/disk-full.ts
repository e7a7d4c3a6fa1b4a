import { dirname } from 'node:path';
import { AppError } from '../src-shared/api/errors';

/**
 * A full disk, however it shows: SQLite's `SQLITE_FULL`, a file write's `ENOSPC`, or `EDQUOT` (the user's quota).
 * Every write of Runboard's that can meet one (the database, a checkpoint, an imported dataset) turns it into one
 * `DISK_FULL` error that names the folder to free space in, so a user reads what happened instead of a stack trace.
 */
const DISK_FULL_CODES: readonly string[] = ['SQLITE_FULL', 'ENOSPC', 'EDQUOT'];

/** The error code of a full disk in `error` (`SQLITE_FULL`, `ENOSPC`, `EDQUOT`), or null for any other error. */
export function diskFullCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DISK_FULL_CODES.includes(code) ? code : null;
}

/** Whether `error` says the disk is full: a `DISK_FULL` AppError, or a raw SQLite or file-system error that does. */
export function isDiskFull(error: unknown): boolean {
  return (error instanceof AppError && error.code === 'DISK_FULL') || diskFullCode(error) !== null;
}

/**
 * The error a user reads when `file` could not be written because its disk is full.
 * @param what what was not written, as a user names it ("the checkpoint final of run 3", "the database ...").
 * @param code the code that said so (`SQLITE_FULL`, `ENOSPC`, `EDQUOT`).
 * @param kept what is safe despite it, one sentence, or nothing.
 */
export function diskFullError(file: string, what: string, code: string, kept = ''): AppError {
  const quota = code === 'EDQUOT' ? ' (or your disk quota is used up)' : '';
  return new AppError('DISK_FULL', `The disk is full${quota}: ${what} could not be written to ${dirname(file)} (${code}).${kept ? ` ${kept}` : ''} Free some space there and try again.`);
}
