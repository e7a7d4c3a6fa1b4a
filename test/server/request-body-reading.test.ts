/**
 * `server/request-body.ts` on its own, with a stream standing in for the request: which Content-Type is JSON,
 * which requests announce a body, and how a body is read (size limit, 100-continue, a client that goes away,
 * UTF-8 and JSON errors, an empty body).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hasBody, isJsonContentType, readJsonBody } from '../../src-main/server/request-body';

/** A request whose body is the stream itself. */
function fakeRequest(headers: Record<string, string> = {}) {
  const stream = new PassThrough();
  return Object.assign(stream, { headers }) as unknown as IncomingMessage & PassThrough;
}

function fakeResponse() {
  const calls = { writeContinue: 0 };
  return { response: { writeContinue: () => calls.writeContinue++ } as unknown as ServerResponse, calls };
}

describe('isJsonContentType', () => {
  it('accepts application/json, in any case, with a UTF-8 charset (quoted or not) or other parameters', () => {
    for (const header of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json ; version=2']) {
      expect(isJsonContentType(header), header).toBe(true);
    }
  });

  it('refuses other types, another charset, and none at all', () => {
    for (const header of [undefined, '', 'text/plain', 'application/json-patch+json', 'application/jsonx', 'application/json; charset=latin1', 'application/json; charset=utf-8x', 'application/json; charset=utf-16']) {
      expect(isJsonContentType(header), String(header)).toBe(false);
    }
  });
});

describe('hasBody', () => {
  it('is true for a chunked request or a non-zero Content-Length, false otherwise', () => {
    const announces = (headers: Record<string, string>) => hasBody(fakeRequest(headers));
    expect(announces({})).toBe(false);
    expect(announces({ 'content-length': '0' })).toBe(false);
    expect(announces({ 'content-length': '12' })).toBe(true);
    expect(announces({ 'transfer-encoding': 'chunked' })).toBe(true);
    expect(announces({ 'transfer-encoding': 'chunked', 'content-length': '0' })).toBe(true);
  });
});

describe('readJsonBody', () => {
  it('parses a JSON body and leaves no listener of its own on the request', async () => {
    const request = fakeRequest();
    const { response, calls } = fakeResponse();
    const reading = readJsonBody(request, response);
    request.end('{"a":[1,2]}');
    expect(await reading).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(calls.writeContinue).toBe(0);
    expect(['data', 'end', 'error', 'close'].map((event) => request.listenerCount(event))).toEqual([0, 0, 0, 0]);
  });

  it('reads an empty or blank body as {}', async () => {
    for (const text of ['', '  \r\n\t ']) {
      const request = fakeRequest();
      const reading = readJsonBody(request, fakeResponse().response);
      request.end(text);
      expect(await reading, JSON.stringify(text)).toEqual({ ok: true, value: {} });
    }
  });

  it('refuses a body announced larger than the limit without reading it or asking for it', async () => {
    const request = fakeRequest({ 'content-length': '11', expect: '100-continue' });
    const { response, calls } = fakeResponse();
    expect(await readJsonBody(request, response, 10)).toEqual({ ok: false, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than 10 bytes; send less per call.' });
    expect(calls.writeContinue).toBe(0);
  });

  it('asks a client that expects 100-continue for its body once the headers are accepted', async () => {
    const request = fakeRequest({ 'content-length': '2', expect: '100-Continue' });
    const { response, calls } = fakeResponse();
    const reading = readJsonBody(request, response, 10);
    expect(calls.writeContinue).toBe(1);
    request.end('{}');
    expect(await reading).toEqual({ ok: true, value: {} });
  });

  it('stops at the first chunk past the limit, and pauses the request', async () => {
    const request = fakeRequest();
    const reading = readJsonBody(request, fakeResponse().response, 10);
    request.write('[1,2,3,');
    request.write('4,5]');
    expect(await reading).toEqual({ ok: false, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than 10 bytes; send less per call.' });
    expect(request.isPaused()).toBe(true);
  });

  it('takes a body of exactly the limit', async () => {
    const request = fakeRequest();
    const reading = readJsonBody(request, fakeResponse().response, 10);
    request.end('[1,2,3,45]');
    expect(await reading).toEqual({ ok: true, value: [1, 2, 3, 45] });
  });

  it('gives up quietly on a client that goes away mid-body, whether the request closes or errs', async () => {
    const closed = fakeRequest();
    const closing = readJsonBody(closed, fakeResponse().response);
    closed.write('{"a":');
    closed.emit('close');
    expect(await closing).toEqual({ ok: false, code: 'aborted' });
    const failed = fakeRequest();
    const failing = readJsonBody(failed, fakeResponse().response);
    failed.write('{"a":');
    failed.emit('error', new Error('aborted'));
    expect(await failing).toEqual({ ok: false, code: 'aborted' });
  });

  it('refuses a body that is not UTF-8, even inside a JSON string', async () => {
    const request = fakeRequest();
    const reading = readJsonBody(request, fakeResponse().response);
    request.end(Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
    expect(await reading).toEqual({ ok: false, code: 'BAD_INPUT', message: 'The request body is not valid UTF-8.' });
  });

  it("refuses a body that is not JSON, with the parser's reason", async () => {
    const request = fakeRequest();
    const reading = readJsonBody(request, fakeResponse().response);
    request.end('{"a":');
    const result = await reading;
    expect(result).toMatchObject({ ok: false, code: 'BAD_INPUT' });
    expect((result as { message: string }).message).toMatch(/^The request body is not valid JSON: .+/);
    expect((result as { message: string }).message).toContain((() => {
      try {
        JSON.parse('{"a":');
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })());
  });
});
