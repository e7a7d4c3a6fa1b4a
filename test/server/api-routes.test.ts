import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src-shared/api/errors';
import { bearer, callApi, parseJson, request, startTestServer, type TestServer } from './helpers';

describe('the contract over HTTP: POST /api/<domain>/<verb>', () => {
  let running: TestServer;
  beforeAll(async () => {
    running = await startTestServer();
  });
  afterEach(() => {
    running.api.respond = (method, input) => ({ ok: true, value: { method, input } });
    vi.restoreAllMocks();
  });
  afterAll(() => running.stop());

  it('passes the parsed body to the host and answers 200 with { ok: true, value }', async () => {
    running.api.respond = () => ({ ok: true, value: [{ id: 1, name: 'default', run_count: 3 }] });
    const answer = await callApi(running.server, 'experiments/list', {});
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(parseJson(answer)).toEqual({ ok: true, value: [{ id: 1, name: 'default', run_count: 3 }] });
    expect(running.api.calls.at(-1)).toEqual({ method: 'experiments/list', input: {} });
  });

  it('hands the input over untouched (the host validates it)', async () => {
    await callApi(running.server, 'runs/metrics', { run_ids: [1, 2], max_points: 500, extra: '<img src=x>' });
    expect(running.api.calls.at(-1)).toEqual({ method: 'runs/metrics', input: { run_ids: [1, 2], max_points: 500, extra: '<img src=x>' } });
  });

  it.each([
    ['BAD_INPUT', 400],
    ['NOT_FOUND', 404],
    ['CONFLICT', 409],
    ['BACKEND_UNAVAILABLE', 422],
    ['DB_TOO_NEW', 500],
  ] as const)('answers an error result %s with HTTP %i and the error as is', async (code, status) => {
    const error = code === 'BAD_INPUT' ? { code, message: 'Invalid input: lr: must be positive', fields: [{ field: 'lr', message: 'must be positive' }] } : { code, message: `it is ${code}` };
    running.api.respond = () => ({ ok: false, error });
    const answer = await callApi(running.server, 'runs/start', {});
    expect(answer.status).toBe(status);
    expect(parseJson(answer)).toEqual({ ok: false, error });
  });

  it('answers 404 JSON for a method the contract does not have', async () => {
    const before = running.api.calls.length;
    for (const method of ['runs/delete-everything', 'runs', 'runs/list/extra', '__proto__/x', 'constructor', 'runs%2Flist']) {
      const answer = await callApi(running.server, method, {});
      expect(answer.status, method).toBe(404);
      expect(parseJson(answer)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    expect(running.api.calls.length).toBe(before);
  });

  it('answers 405 with Allow: POST to any other verb on an API route', async () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH']) {
      const answer = await request(running.server.port, { method, path: '/api/runs/list', headers: bearer(running.server) });
      expect(answer.status, method).toBe(405);
      expect(answer.headers.allow).toBe('POST');
    }
  });

  it('answers a plain GET of /api/events with 426 (it is a WebSocket)', async () => {
    const answer = await request(running.server.port, { path: '/api/events', headers: bearer(running.server) });
    expect(answer.status).toBe(426);
  });

  it('never serves the UI under /api', async () => {
    const answer = await request(running.server.port, { path: '/api/unknown', headers: bearer(running.server) });
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('turns a host that throws into 500 INTERNAL, logs the stack to stderr, and keeps serving', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    running.api.respond = () => {
      throw new Error('database exploded at /secret/path.db');
    };
    const answer = await callApi(running.server, 'runs/list', {});
    expect(answer.status).toBe(500);
    const body = parseJson(answer);
    expect(body).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(body.error?.message).not.toContain('exploded');
    const logged = stderr.mock.calls.map((call) => String(call[0])).join('');
    expect(logged).toContain('database exploded');
    expect(logged).toContain('api-routes.test.ts');
    stderr.mockRestore();
    running.api.respond = () => ({ ok: true, value: [] });
    expect((await callApi(running.server, 'runs/list', {})).status).toBe(200);
  });

  it('turns a rejected promise (even an AppError thrown instead of returned) into 500 INTERNAL', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    running.api.respond = () => Promise.reject(new AppError('NOT_FOUND', 'thrown, not returned'));
    const answer = await callApi(running.server, 'runs/get', { run_id: 1 });
    expect(answer.status).toBe(500);
    expect(parseJson(answer).error?.code).toBe('INTERNAL');
  });

  it('answers an unknown error code from the host with 500', async () => {
    running.api.respond = () => ({ ok: false, error: { code: 'MADE_UP' as 'INTERNAL', message: 'odd' } });
    expect((await callApi(running.server, 'runs/list', {})).status).toBe(500);
  });
});
