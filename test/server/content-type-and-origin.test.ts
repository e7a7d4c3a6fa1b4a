import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callApi, parseJson, request, startTestServer, type TestServer } from './helpers';

describe('reliability 9: only JSON from our own origin reaches the API', () => {
  let running: TestServer;
  beforeAll(async () => {
    running = await startTestServer();
  });
  afterAll(() => running.stop());

  function post(headers: Record<string, string | undefined>, body = '{"experiment":"default"}') {
    return request(running.server.port, { method: 'POST', path: '/api/runs/list', headers: { ...bearer(running.server), ...headers }, body });
  }

  it('answers 415 to bodies that are not application/json, without calling the API', async () => {
    const before = running.api.calls.length;
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json-patch+json',
      'application/jsonx',
      'application/json; charset=latin1',
      undefined,
    ]) {
      const answer = await post({ 'Content-Type': type });
      expect(answer.status, String(type)).toBe(415);
      expect(parseJson(answer)).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    }
    expect(running.api.calls.length).toBe(before);
  });

  it('accepts application/json with or without a UTF-8 charset', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;Charset="UTF-8"']) {
      const answer = await post({ 'Content-Type': type });
      expect(answer.status, type).toBe(200);
    }
    expect(running.api.calls.at(-1)).toEqual({ method: 'runs/list', input: { experiment: 'default' } });
  });

  it('answers 403 to a POST from another origin, even with the token and JSON, without calling the API', async () => {
    const before = running.api.calls.length;
    for (const origin of ['http://evil.example', 'null', `http://localhost:${running.server.port}`, `http://127.0.0.1:${running.server.port + 1}`]) {
      const answer = await post({ 'Content-Type': 'application/json', Origin: origin });
      expect(answer.status, origin).toBe(403);
      expect(parseJson(answer).error?.code).toBe('FORBIDDEN');
    }
    expect(running.api.calls.length).toBe(before);
  });

  it('accepts a POST whose Origin is our own, and one with no Origin (a script, not a browser)', async () => {
    expect((await post({ 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${running.server.port}` })).status).toBe(200);
    expect((await callApi(running.server, 'runs/list', {}, { Host: `localhost:${running.server.port}`, Origin: `http://localhost:${running.server.port}` })).status).toBe(200);
    expect((await post({ 'Content-Type': 'application/json' })).status).toBe(200);
  });

  it('sends no CORS headers, so a foreign page cannot read an answer', async () => {
    const preflight = await request(running.server.port, {
      method: 'OPTIONS',
      path: '/api/runs/list',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST', ...bearer(running.server) },
    });
    expect(preflight.status).toBe(405);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});
