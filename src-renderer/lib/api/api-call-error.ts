import type { ApiError, ErrorCode, FieldError } from '../../../src-shared/api/errors';

/** Codes only the client produces: the host never answered, or answered something that is not the contract. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'BAD_RESPONSE';

/** A failed API call as the UI sees it: the host's code and message, and per-field errors for forms. */
export class ApiCallError extends Error {
  readonly code: ErrorCode | ClientErrorCode;
  readonly fields: readonly FieldError[];
  readonly method: string;

  constructor(method: string, code: ErrorCode | ClientErrorCode, message: string, fields: readonly FieldError[] = []) {
    super(message);
    this.name = 'ApiCallError';
    this.method = method;
    this.code = code;
    this.fields = fields;
  }

  static fromApiError(method: string, error: ApiError): ApiCallError {
    return new ApiCallError(method, error.code, error.message, error.fields ?? []);
  }
}

/** A message fit to show for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
