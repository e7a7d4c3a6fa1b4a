import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src-main/server/request-body';
import { bearer, parseJson, rawExchange, request, startTestServer, type TestServer } from './helpers';

describe('reliability 11: oversized or malformed bodies never reach the API', () => {
  let running: TestServer;
  beforeAll(async () => {
    running = await startTestServer();
  });
  afterAll(() => running.stop());

  function head(extra: string[]): string {
    const { port, token } = running.server;
    return [`POST /api/runs/list HTTP/1.1`, `Host: 127.0.0.1:${port}`, `Authorization: Bearer ${token}`, 'Content-Type: application/json', ...extra, '', ''].join('\r\n');
  }

  /** A JSON body of exactly `size` bytes that the runs/list schema would accept. */
  function bodyOf(size: number): string {
    const frame = '{"experiment":""}';
    return `{"experiment":"${'x'.repeat(size - frame.length)}"}`;
  }

  it('is 1 MiB', () => {
    expect(MAX_BODY_BYTES).toBe(1024 * 1024);
  });

  it('answers 413 to an announced oversized body at once, without reading the rest, and closes the connection', async () => {
    const before = running.api.calls.length;
    const started = Date.now();
    // Announce 10 MiB, send only 64 KiB, and wait: the answer must not wait for the rest.
    const { text, closedByServer } = await rawExchange(running.server.port, [head([`Content-Length: ${10 * MAX_BODY_BYTES}`]), 'x'.repeat(64 * 1024)]);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(text).toContain('"code":"PAYLOAD_TOO_LARGE"');
    expect(closedByServer).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(running.api.calls.length).toBe(before);
  });

  it('stops reading a chunked body as soon as it passes the limit, answers 413 and closes', async () => {
    const before = running.api.calls.length;
    const chunk = 'y'.repeat(64 * 1024);
    const chunks = [head(['Transfer-Encoding: chunked'])];
    // 1.5 MiB in chunks and no final zero-length chunk: the server can only answer by giving up on the body.
    for (let sent = 0; sent < 1.5 * MAX_BODY_BYTES; sent += chunk.length) chunks.push(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const { text, closedByServer } = await rawExchange(running.server.port, chunks);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toContain('"code":"PAYLOAD_TOO_LARGE"');
    expect(closedByServer).toBe(true);
    expect(running.api.calls.length).toBe(before);
  });

  it('answers 413 before 100 Continue, so the client never sends the body', async () => {
    const { text } = await rawExchange(running.server.port, [head([`Content-Length: ${2 * MAX_BODY_BYTES}`, 'Expect: 100-continue'])]);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).not.toContain('100 Continue');
  });

  it('sends 100 Continue for an acceptable body and then answers it', async () => {
    const body = '{"experiment":"e"}';
    const { text } = await rawExchange(running.server.port, [head([`Content-Length: ${body.length}`, 'Expect: 100-continue', 'Connection: close']), body]);
    expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  });

  it('takes a body of exactly 1 MiB, and refuses one byte more', async () => {
    const exact = await request(running.server.port, { method: 'POST', path: '/api/runs/list', headers: { ...bearer(running.server), 'Content-Type': 'application/json' }, body: bodyOf(MAX_BODY_BYTES) });
    expect(exact.status).toBe(200);
    const before = running.api.calls.length;
    const over = await request(running.server.port, { method: 'POST', path: '/api/runs/list', headers: { ...bearer(running.server), 'Content-Type': 'application/json' }, body: bodyOf(MAX_BODY_BYTES + 1) });
    expect(over.status).toBe(413);
    expect(parseJson(over)).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(running.api.calls.length).toBe(before);
  });

  it('answers 400 to a body that is not JSON, or not UTF-8, without calling the API', async () => {
    const before = running.api.calls.length;
    for (const body of ['{', '{"experiment":}', "{'experiment':'x'}", 'undefined', 'NaN', '{"a":1}{"b":2}', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])]) {
      const answer = await request(running.server.port, { method: 'POST', path: '/api/runs/list', headers: { ...bearer(running.server), 'Content-Type': 'application/json' }, body });
      expect(answer.status, String(body)).toBe(400);
      expect(parseJson(answer)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    }
    expect(running.api.calls.length).toBe(before);
  });

  it('reads an empty body as {} (the input of methods that take none)', async () => {
    const answer = await request(running.server.port, { method: 'POST', path: '/api/system/info', headers: { ...bearer(running.server), 'Content-Type': 'application/json' } });
    expect(answer.status).toBe(200);
    expect(running.api.calls.at(-1)).toEqual({ method: 'system/info', input: {} });
  });

  it('keeps serving after all that', async () => {
    expect((await request(running.server.port, { headers: bearer(running.server) })).status).toBe(200);
  });
});
