import type { z } from 'zod';
import { AppError, type FieldError } from './errors';

/** Turns a zod failure into an `AppError` that names each bad field the way the user typed it. */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)';
    const message = issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}` : issue.message;
    return { field: issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : field, message };
  });
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'input'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = toFieldErrors(result.error);
  const summary = fields.map((f) => (f.message.startsWith(f.field) ? f.message : `${f.field}: ${f.message}`)).join('; ');
  throw new AppError('BAD_INPUT', `Invalid ${what}: ${summary}`, fields);
}
