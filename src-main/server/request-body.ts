import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../../src-shared/api/errors';

/** The largest request body the API reads, in bytes (1 MiB). The contract's own limits bound what is inside. */
export const MAX_BODY_BYTES = 1024 * 1024;

export type BodyResult =
  | { ok: true; value: unknown }
  | { ok: false; code: ErrorCode; message: string }
  /** The client went away mid-body: there is no one to answer. */
  | { ok: false; code: 'aborted' };

/** Whether a Content-Type header says JSON in UTF-8 (`application/json`, optionally `; charset=utf-8`). */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [mediaType = '', ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') return false;
  return parameters.every((parameter) => !parameter.startsWith('charset=') || /^charset="?utf-8"?$/.test(parameter));
}

/** Whether the request announces a body (so an answer that leaves it unread should close the connection). */
export function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Reads and parses a JSON body of at most `limit` bytes. A body announced or found to be larger is refused without
 * reading the rest: reading stops (the request is paused) and the caller answers 413 and closes the connection.
 * An empty body reads as `{}`, which is what methods without input take.
 */
export async function readJsonBody(request: IncomingMessage, response: ServerResponse, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  const tooLarge: BodyResult = {
    ok: false,
    code: 'PAYLOAD_TOO_LARGE',
    message: `The request body is larger than ${limit} bytes; send less per call.`,
  };
  const announced = Number(request.headers['content-length'] ?? 0);
  if (announced > limit) return tooLarge;
  // Only now, with the headers accepted, does a client that asked (`Expect: 100-continue`) get to send the body.
  if (request.headers.expect?.toLowerCase() === '100-continue') response.writeContinue();

  const bytes = await collect(request, limit);
  if (bytes === 'aborted') return { ok: false, code: 'aborted' };
  if (bytes === 'too-large') return tooLarge;

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, code: 'BAD_INPUT', message: 'The request body is not valid UTF-8.' };
  }
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, code: 'BAD_INPUT', message: `The request body is not valid JSON: ${(error as Error).message}` };
  }
}

function collect(request: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: Buffer | 'too-large' | 'aborted'): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onAbort);
      request.off('close', onAbort);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        request.pause();
        chunks.length = 0;
        finish('too-large');
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = (): void => finish(Buffer.concat(chunks, size));
    const onAbort = (): void => finish('aborted');
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onAbort);
    request.on('close', onAbort);
  });
}
