/**
 * Error codes that may cross a process or network boundary. Only an `AppError`'s message reaches a client;
 * anything else becomes `INTERNAL` with the details logged on the host.
 */
export const ERROR_CODES = {
  BAD_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BACKEND_UNAVAILABLE: 422,
  DB_TOO_NEW: 500,
  DB_NOT_SQLITE: 500,
  DB_DIR_MISSING: 500,
  DB_CORRUPT: 500,
  // The database server cannot be reached, or refuses the credentials.
  DB_UNREACHABLE: 503,
  IO_ERROR: 500,
  // The disk (or the user's quota) holding the database, a checkpoint or an import is full: SQLITE_FULL, ENOSPC, EDQUOT.
  DISK_FULL: 507,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One field that failed validation, named as the user typed it (`lr`, `hidden`, `batch_size`...). */
export interface FieldError {
  field: string;
  message: string;
}

export interface ApiError {
  code: ErrorCode;
  message: string;
  fields?: FieldError[];
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** A deliberate, user-facing error. Its message is shown as is, so it must say what went wrong and what to do. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldError[] | undefined;

  constructor(code: ErrorCode, message: string, fields?: FieldError[]) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.fields = fields;
  }

  toJSON(): ApiError {
    return this.fields ? { code: this.code, message: this.message, fields: this.fields } : { code: this.code, message: this.message };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code];
}
