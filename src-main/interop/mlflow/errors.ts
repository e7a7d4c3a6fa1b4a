import { z } from 'zod';
import { AppError } from '../../../src-shared/api/errors';

/**
 * MLflow's error codes and the HTTP statuses its server answers them with (`mlflow/protos/databricks.proto`,
 * `mlflow/server/handlers.py`). The client reads `error_code` from the body: `set_experiment` creates an
 * experiment only on `RESOURCE_DOES_NOT_EXIST`. A bad request is never a 5xx: the client retries those.
 */
export const MLFLOW_ERROR_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  INTERNAL_ERROR: 500,
} as const;

export type MlflowErrorCode = keyof typeof MLFLOW_ERROR_STATUS;

/** The body of every MLflow error answer. */
export const mlflowErrorBodySchema = z
  .object({ error_code: z.enum(Object.keys(MLFLOW_ERROR_STATUS) as [MlflowErrorCode, ...MlflowErrorCode[]]), message: z.string() })
  .strict();

/** An error answered in MLflow's shape: `{"error_code": ..., "message": ...}` with its status. */
export class MlflowError extends Error {
  readonly code: MlflowErrorCode;
  constructor(code: MlflowErrorCode, message: string) {
    super(message);
    this.name = 'MlflowError';
    this.code = code;
  }

  get status(): number {
    return MLFLOW_ERROR_STATUS[this.code];
  }

  toJSON(): { error_code: MlflowErrorCode; message: string } {
    return { error_code: this.code, message: this.message };
  }
}

export const invalid = (message: string): MlflowError => new MlflowError('INVALID_PARAMETER_VALUE', message);
export const missing = (path: string): MlflowError => invalid(`Missing value for required parameter '${path}'.`);

/**
 * Any error as MLflow's: the store's deliberate refusals keep their message (NOT_FOUND is RESOURCE_DOES_NOT_EXIST,
 * BAD_INPUT is INVALID_PARAMETER_VALUE, CONFLICT is RESOURCE_ALREADY_EXISTS); anything else is INTERNAL_ERROR, whose
 * details stay in the log.
 */
export function asMlflowError(error: unknown): { error: MlflowError; unexpected: boolean } {
  if (error instanceof MlflowError) return { error, unexpected: false };
  if (error instanceof AppError) {
    switch (error.code) {
      case 'NOT_FOUND':
        return { error: new MlflowError('RESOURCE_DOES_NOT_EXIST', error.message), unexpected: false };
      case 'BAD_INPUT':
      case 'PAYLOAD_TOO_LARGE':
      case 'UNSUPPORTED_MEDIA_TYPE':
        return { error: invalid(error.message), unexpected: false };
      case 'CONFLICT':
        return { error: new MlflowError('RESOURCE_ALREADY_EXISTS', error.message), unexpected: false };
      default:
        return { error: new MlflowError('INTERNAL_ERROR', error.message), unexpected: error.code === 'INTERNAL' };
    }
  }
  return { error: new MlflowError('INTERNAL_ERROR', 'Internal error; the details are in the Runboard log.'), unexpected: true };
}
