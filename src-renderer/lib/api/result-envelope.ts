import { ERROR_CODES, type ApiResult, type ErrorCode, type FieldError } from '../../../src-shared/api/errors';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

function toFields(value: unknown): FieldError[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const fields: FieldError[] = [];
  for (const item of value) {
    if (isRecord(item) && typeof item.field === 'string' && typeof item.message === 'string') {
      fields.push({ field: item.field, message: item.message });
    }
  }
  return fields;
}

/**
 * Checks that an answer from across a boundary has the contract's envelope (`{ok:true,value}` or
 * `{ok:false,error:{code,message,fields?}}`). Returns null when it does not, so the caller can say so.
 * The value itself is typed by the contract, not re-validated: the host validated it before sending.
 */
export function toApiResult(body: unknown): ApiResult<unknown> | null {
  if (!isRecord(body)) return null;
  if (body.ok === true && 'value' in body) return { ok: true, value: body.value };
  if (body.ok === false && isRecord(body.error) && typeof body.error.message === 'string') {
    const code = isErrorCode(body.error.code) ? body.error.code : 'INTERNAL';
    const fields = toFields(body.error.fields);
    return { ok: false, error: fields ? { code, message: body.error.message, fields } : { code, message: body.error.message } };
  }
  return null;
}
