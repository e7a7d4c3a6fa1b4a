import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src-main/core';
import type { SqliteStore } from '../../src-main/store/sqlite-store';
import { mlflowRoutes } from '../../src-main/interop/mlflow';
import { startServer, type RunningServer } from '../../src-main/server/index';
import type { AnyEvent } from '../../src-shared/api/events';
import { useCore } from '../helpers/core';
import { makeRendererDir, type RendererFixture } from '../server/helpers';

const newCore = useCore();
let fixture: RendererFixture | undefined;
let server: RunningServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  await fixture?.cleanup();
  fixture = undefined;
});

interface Served {
  core: Core;
  events: AnyEvent[];
  get(endpoint: string, query?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  post(endpoint: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  rows(table: string): number;
}

/** `serve` on a fresh database with the MLflow routes, and helpers that call them as the client does. */
async function serveWithMlflow(): Promise<Served> {
  const { core, events } = await newCore();
  fixture = await makeRendererDir();
  server = await startServer({ api: core.api, rendererDir: fixture.rendererDir, port: 0, extraRoutes: mlflowRoutes(core) });
  const base = `http://127.0.0.1:${server.port}/api/2.0/mlflow/`;
  const auth = { Authorization: `Bearer ${server.token}` };
  const read = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> });
  return {
    core,
    events,
    get: async (endpoint, query = {}) => read(await fetch(`${base}${endpoint}?${new URLSearchParams(query)}`, { headers: auth })),
    post: async (endpoint, body, headers = {}) =>
      read(await fetch(`${base}${endpoint}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })),
    rows: (table) => (core.store as SqliteStore).connection.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number,
  };
}

async function createRun(s: Served, experimentId = '0'): Promise<string> {
  const { body } = await s.post('runs/create', { experiment_id: experimentId, start_time: 1_000, run_name: 'script', user_id: 'ana', tags: [{ key: 'mlflow.source.name', value: 'train.py' }] });
  return ((body.run as Record<string, Record<string, string>>).info as Record<string, string>).run_id as string;
}

describe('MLflow tracking API: what a training script calls', () => {
  it('gets the default experiment "0", creates one, finds it by name, and says RESOURCE_DOES_NOT_EXIST for a missing name', async () => {
    const s = await serveWithMlflow();
    expect((await s.get('experiments/get', { experiment_id: '0' })).body).toMatchObject({ experiment: { experiment_id: '0', name: 'default', lifecycle_stage: 'active' } });
    expect(await s.get('experiments/get-by-name', { experiment_name: 'course' })).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Could not find experiment with name 'course'" } });
    const created = await s.post('experiments/create', { name: 'course' });
    expect(created).toEqual({ status: 200, body: { experiment_id: '2' } });
    expect((await s.get('experiments/get-by-name', { experiment_name: 'course' })).body).toMatchObject({ experiment: { experiment_id: '2', name: 'course' } });
    expect(await s.post('experiments/create', { name: 'course' })).toMatchObject({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    const search = await s.post('experiments/search', { max_results: 1, filter: "name LIKE 'c%'" });
    expect(search.body).toMatchObject({ experiments: [{ name: 'course' }] });
    expect(search.body.next_page_token).toBeUndefined();
  });

  it('creates a run of kind external with its source, logs params, metrics and tags, and ends it as end_run does', async () => {
    const s = await serveWithMlflow();
    const id = await createRun(s);
    expect(s.events.some((e) => e.event === 'run/created')).toBe(true);
    expect((await s.post('runs/log-parameter', { run_id: id, key: 'lr', value: '0.01' })).status).toBe(200);
    expect((await s.post('runs/log-metric', { run_id: id, key: 'loss', value: 0.5, timestamp: 2_000, step: 0 })).status).toBe(200);
    expect((await s.post('runs/log-metric', { run_id: id, key: 'loss', value: 'NaN', timestamp: 3_000, step: 1 })).status).toBe(200);
    expect((await s.post('runs/set-tag', { run_id: id, key: 'version', value: 'v1' })).status).toBe(200);
    // end_run: runs/get, then runs/update.
    expect((await s.get('runs/get', { run_id: id })).body).toMatchObject({ run: { info: { status: 'RUNNING', run_name: 'script' } } });
    const updated = await s.post('runs/update', { run_id: id, status: 'FINISHED', end_time: 9_000 });
    expect(updated.body).toMatchObject({ run_info: { run_id: id, status: 'FINISHED', end_time: 9_000, start_time: 1_000, experiment_id: '0', user_id: 'ana' } });
    const run = (await s.get('runs/get', { run_id: id })).body.run as { data: Record<string, unknown> };
    expect(run.data).toEqual({
      metrics: [{ key: 'loss', value: 'NaN', timestamp: 3_000, step: 1 }],
      params: [{ key: 'lr', value: '0.01' }],
      tags: [
        { key: 'mlflow.source.name', value: 'train.py' },
        { key: 'version', value: 'v1' },
      ],
    });
    const stored = await s.core.store.getRun(Number(id));
    expect(stored).toMatchObject({ kind: 'external', status: 'finished', params: { lr: 0.01 }, source: { type: 'mlflow-api', location: 'train.py', user: 'ana' } });
    // Live curves: each logged step reached the UIs as an epoch.
    expect(s.events.filter((e) => e.event === 'run/epoch-logged').map((e) => (e.payload as { epoch: number }).epoch)).toEqual([0, 1]);
  });

  it('keeps a retried log-batch from duplicating points, and takes NaN and the infinities as strings', async () => {
    const s = await serveWithMlflow();
    const id = await createRun(s);
    const batch = {
      run_id: id,
      metrics: [
        { key: 'acc', value: 0.5, timestamp: 10, step: 0 },
        { key: 'acc', value: 'Infinity', timestamp: 11, step: 1 },
        { key: 'loss', value: '-Infinity', timestamp: 11, step: 1 },
      ],
      params: [{ key: 'optimizer', value: 'sgd' }],
      tags: [{ key: 'phase', value: 'train' }],
    };
    expect((await s.post('runs/log-batch', batch)).status).toBe(200);
    expect((await s.post('runs/log-batch', batch)).status).toBe(200);
    const history = await s.get('metrics/get-history', { run_id: id, metric_key: 'acc' });
    expect(history.body).toEqual({
      metrics: [
        { key: 'acc', value: 0.5, timestamp: 10, step: 0 },
        { key: 'acc', value: 'Infinity', timestamp: 11, step: 1 },
      ],
    });
    expect(s.rows('metrics')).toBe(3);
  });

  it('reads a JSON number too large for a double (1e400) as protobuf does: an infinity', async () => {
    const s = await serveWithMlflow();
    const id = await createRun(s);
    expect(await s.post('runs/log-metric', `{"run_id": "${id}", "key": "huge", "value": 1e400, "timestamp": 5, "step": 0}`)).toEqual({ status: 200, body: {} });
    expect(await s.post('runs/log-metric', `{"run_id": "${id}", "key": "huge", "value": -1e400, "timestamp": 6, "step": 1}`)).toEqual({ status: 200, body: {} });
    expect((await s.get('metrics/get-history', { run_id: id, metric_key: 'huge' })).body).toEqual({
      metrics: [
        { key: 'huge', value: 'Infinity', timestamp: 5, step: 0 },
        { key: 'huge', value: '-Infinity', timestamp: 6, step: 1 },
      ],
    });
  });

  it('searches runs with MLflow filters and order, Runboard\'s own runs included, page by page with tokens', async () => {
    const s = await serveWithMlflow();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await createRun(s);
      ids.push(id);
      await s.post('runs/log-batch', { run_id: id, metrics: [{ key: 'acc', value: i / 10, timestamp: 1, step: 0 }], params: [{ key: 'optimizer', value: i % 2 === 0 ? 'sgd' : 'adam' }] });
      await s.post('runs/update', { run_id: id, status: i === 4 ? 'FAILED' : 'FINISHED', end_time: 5 });
    }
    const trained = await s.core.store.createRun({ experiment: 'default', name: 'trained', config: {}, params: { optimizer: 'sgd' }, seed: 1, backend: 'wasm' });
    await s.core.store.endRun(trained.run_id, { status: 'finished', time: 3 });
    const found = await s.post('runs/search', { experiment_ids: ['0'], filter: "attributes.status = 'FINISHED' AND params.optimizer = 'sgd'", order_by: ['metrics.acc DESC'] });
    expect((found.body.runs as { info: { run_id: string } }[]).map((r) => r.info.run_id)).toEqual([ids[2], ids[0], String(trained.run_id)]);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s.post('runs/search', { experiment_ids: ['0'], max_results: 2, order_by: ['attributes.start_time ASC'], ...(token ? { page_token: token } : {}) });
      seen.push(...(page.body.runs as { info: { run_id: string } }[]).map((r) => r.info.run_id));
      token = page.body.next_page_token as string | undefined;
    } while (token);
    expect(seen.sort()).toEqual([...ids, String(trained.run_id)].sort());
    expect((await s.post('runs/search', { experiment_ids: ['0'], filter: 'metrics.never > 1' })).body).toEqual({ runs: [] });
    // A Runboard run is readable and can be tagged, but takes no metrics from a script.
    expect((await s.get('runs/get', { run_id: String(trained.run_id) })).body).toMatchObject({ run: { info: { status: 'FINISHED' }, data: { params: [{ key: 'optimizer', value: 'sgd' }] } } });
    expect((await s.post('runs/set-tag', { run_id: String(trained.run_id), key: 'seen', value: 'yes' })).status).toBe(200);
    expect(await s.post('runs/log-metric', { run_id: String(trained.run_id), key: 'x', value: 1, timestamp: 1 })).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });
});

describe('MLflow tracking API: bad input is refused in MLflow\'s shape, writes nothing, and the server keeps serving', () => {
  it('answers every kind of bad call with an MLflow error and a 4xx, never a 5xx', async () => {
    const s = await serveWithMlflow();
    const id = await createRun(s);
    await s.post('runs/log-parameter', { run_id: id, key: 'lr', value: '0.01' });
    const before = { metrics: s.rows('metrics'), params: s.rows('params'), tags: s.rows('tags'), runs: s.rows('runs'), experiments: s.rows('experiments') };
    const cases: [string, unknown, number, string, RegExp][] = [
      ['runs/log-metric', { run_id: id, key: 'loss', value: 'abc', timestamp: 1 }, 400, 'INVALID_PARAMETER_VALUE', /'value'/],
      ['runs/log-metric', { run_id: id, key: 'loss', value: 1 }, 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'timestamp'/],
      ['runs/log-metric', { run_id: id, value: 1, timestamp: 1 }, 400, 'INVALID_PARAMETER_VALUE', /'key'/],
      ['runs/log-metric', { run_id: id, key: 'loss', value: 1, timestamp: 'soon' }, 400, 'INVALID_PARAMETER_VALUE', /'timestamp'/],
      ['runs/log-metric', { run_id: id, key: 'loss', value: 1, timestamp: 1, step: 1.5 }, 400, 'INVALID_PARAMETER_VALUE', /'step'/],
      // Past what a double holds exactly: it would be stored rounded (a timestamp as text, as GET calls send it).
      ['runs/log-metric', { run_id: id, key: 'loss', value: 1, timestamp: '99999999999999999999999' }, 400, 'INVALID_PARAMETER_VALUE', /'timestamp' supplied: expected a whole number \(64-bit integer\)/],
      ['runs/log-metric', { run_id: id, key: 'loss', value: 1, timestamp: 1, step: 1e20 }, 400, 'INVALID_PARAMETER_VALUE', /'step' supplied: expected a whole number \(64-bit integer\)/],
      ['runs/log-metric', { run_id: id, key: '../loss', value: 1, timestamp: 1 }, 400, 'INVALID_PARAMETER_VALUE', /must not resolve to other names/],
      ['runs/log-metric', { run_id: id, key: '/loss', value: 1, timestamp: 1 }, 400, 'INVALID_PARAMETER_VALUE', /must not resolve to other names/],
      ['runs/log-metric', { run_id: id, key: 'a/../b', value: 1, timestamp: 1 }, 400, 'INVALID_PARAMETER_VALUE', /would resolve to 'b'/],
      ['runs/log-metric', { run_id: id, key: 'semi;colon', value: 1, timestamp: 1 }, 400, 'INVALID_PARAMETER_VALUE', /Names may only contain/],
      ['runs/log-metric', { run_id: '999', key: 'loss', value: 1, timestamp: 1 }, 404, 'RESOURCE_DOES_NOT_EXIST', /Run 999 does not exist/],
      ['runs/log-metric', { run_id: 'abc', key: 'loss', value: 1, timestamp: 1 }, 404, 'RESOURCE_DOES_NOT_EXIST', /Run with id=abc not found/],
      ['runs/log-parameter', { run_id: id, key: 'lr', value: '0.02' }, 400, 'INVALID_PARAMETER_VALUE', /Changing param values is not allowed/],
      ['runs/log-parameter', { run_id: id, key: 'big', value: 'x'.repeat(6001) }, 400, 'INVALID_PARAMETER_VALUE', /exceeds the maximum length of 6000/],
      ['runs/log-parameter', { run_id: id, key: 7, value: '1' }, 400, 'INVALID_PARAMETER_VALUE', /'key'/],
      ['runs/set-tag', { run_id: id, key: 'big', value: 'x'.repeat(8001) }, 400, 'INVALID_PARAMETER_VALUE', /8000/],
      ['runs/delete-tag', { run_id: id, key: 'never' }, 404, 'RESOURCE_DOES_NOT_EXIST', /No tag with name: never/],
      ['runs/update', { run_id: id, status: 'DONE' }, 400, 'INVALID_PARAMETER_VALUE', /'status'/],
      ['runs/update', { status: 'FINISHED' }, 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'run_id'/],
      ['runs/create', { experiment_id: '77' }, 404, 'RESOURCE_DOES_NOT_EXIST', /No Experiment with id=77 exists/],
      ['runs/create', { experiment_id: '0', tags: [{ key: '..', value: 'x' }] }, 400, 'INVALID_PARAMETER_VALUE', /tags\[0\]\.key/],
      ['experiments/create', { name: '' }, 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'name'/],
      ['experiments/create', { name: 'n'.repeat(501) }, 400, 'INVALID_PARAMETER_VALUE', /500/],
      ['runs/search', { filter: "params.model = 'LR' AND" }, 400, 'INVALID_PARAMETER_VALUE', /at column 24/],
      ['runs/search', { experiment_ids: ['x'] }, 400, 'INVALID_PARAMETER_VALUE', /Invalid experiment ID 'x'/],
      ['runs/search', { max_results: 50_001 }, 400, 'INVALID_PARAMETER_VALUE', /max_results/],
      ['runs/search', { page_token: '!!!' }, 400, 'INVALID_PARAMETER_VALUE', /Invalid page token/],
      ['runs/search', { order_by: ['metrics.acc sideways'] }, 400, 'INVALID_PARAMETER_VALUE', /Invalid order_by/],
      ['runs/log-batch', { run_id: id, metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })) }, 400, 'INVALID_PARAMETER_VALUE', /at most 1000 metrics/],
      ['runs/log-batch', { run_id: id, params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })) }, 400, 'INVALID_PARAMETER_VALUE', /at most 100 params/],
      ['runs/log-batch', { run_id: id, tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: '1' })) }, 400, 'INVALID_PARAMETER_VALUE', /at most 100 tags/],
      ['runs/log-batch', { run_id: id, metrics: Array.from({ length: 950 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })), params: Array.from({ length: 60 }, (_, i) => ({ key: `p${i}`, value: '1' })) }, 400, 'INVALID_PARAMETER_VALUE', /at most 1000 metrics, params, and tags/],
      ['runs/log-batch', { run_id: id, params: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }, 400, 'INVALID_PARAMETER_VALUE', /Duplicate parameter keys/],
      ['runs/log-batch', { run_id: id, metrics: [{ key: 'ok', value: 1, timestamp: 1 }], params: [{ key: 'lr', value: '0.5' }] }, 400, 'INVALID_PARAMETER_VALUE', /Changing param values/],
      ['runs/log-batch', { run_id: id, metrics: 'lots' }, 400, 'INVALID_PARAMETER_VALUE', /'metrics'/],
      ['runs/log-batch', [1, 2], 400, 'INVALID_PARAMETER_VALUE', /must be a JSON object/],
      ['runs/log-batch', '{"run_id": ', 400, 'BAD_REQUEST', /not valid JSON/],
      ['runs/nothing-here', {}, 404, 'ENDPOINT_NOT_FOUND', /does not answer/],
    ];
    for (const [endpoint, body, status, code, message] of cases) {
      const answer = await s.post(endpoint, body);
      expect({ endpoint, status: answer.status, code: answer.body.error_code }, JSON.stringify(body).slice(0, 200)).toEqual({ endpoint, status, code });
      expect(answer.body.message, endpoint).toMatch(message);
    }
    expect(await s.get('runs/get', { run_id: '12345' })).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await s.get('experiments/get', { experiment_id: '1' })).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await s.get('metrics/get-history', { run_id: id })).toMatchObject({ status: 400, body: { message: "Missing value for required parameter 'metric_key'." } });
    expect(await s.get('runs/log-metric')).toMatchObject({ status: 400, body: { error_code: 'BAD_REQUEST' } });
    expect(await s.post('runs/log-metric', '{}', { 'Content-Type': 'text/plain' })).toMatchObject({ status: 400, body: { error_code: 'BAD_REQUEST' } });
    // Artifacts are not kept: the client's upload is refused by name, not written anywhere.
    const artifact = await fetch(`http://127.0.0.1:${server!.port}/api/2.0/mlflow-artifacts/artifacts/0/${id}/artifacts/model.pkl`, { method: 'PUT', headers: { Authorization: `Bearer ${server!.token}` }, body: 'bytes' });
    expect(artifact.status).toBe(404);
    expect(await artifact.json()).toEqual({ error_code: 'ENDPOINT_NOT_FOUND', message: 'Runboard keeps no artifacts: log_artifact and log_model are not stored here (params, metrics and tags are).' });
    expect({ metrics: s.rows('metrics'), params: s.rows('params'), tags: s.rows('tags'), runs: s.rows('runs'), experiments: s.rows('experiments') }).toEqual(before);
    // Still serving.
    expect((await s.post('runs/log-metric', { run_id: id, key: 'loss', value: 1, timestamp: 1 })).status).toBe(200);
  });

  it('refuses a body over MLflow\'s 1 MB batch limit without reading it, and keeps serving', async () => {
    const s = await serveWithMlflow();
    const id = await createRun(s);
    const huge = JSON.stringify({ run_id: id, tags: [{ key: 'x', value: 'y'.repeat(1_100_000) }] });
    expect(await s.post('runs/log-batch', huge)).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/at most 1000000 bytes/) } });
    expect(s.rows('tags')).toBe(1);
    expect((await s.get('runs/get', { run_id: id })).status).toBe(200);
  });

  it('refuses calls without the token and with a foreign Host, in MLflow\'s shape', async () => {
    const s = await serveWithMlflow();
    const answer = await fetch(`http://127.0.0.1:${server!.port}/api/2.0/mlflow/experiments/get?experiment_id=0`);
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ error_code: 'UNAUTHENTICATED', message: expect.stringMatching(/MLFLOW_TRACKING_TOKEN/) });
    const wrong = await fetch(`http://127.0.0.1:${server!.port}/api/2.0/mlflow/runs/create`, { method: 'POST', headers: { Authorization: 'Bearer nope-nope-nope-nope', 'Content-Type': 'application/json' }, body: '{}' });
    expect(wrong.status).toBe(401);
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server!.port, path: '/api/2.0/mlflow/experiments/get?experiment_id=0', headers: { Host: `evil.example:${server!.port}`, Authorization: `Bearer ${server!.token}` } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    expect(s.rows('runs')).toBe(0);
  });
});
