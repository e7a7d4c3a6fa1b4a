import { afterEach, describe, expect, it } from 'vitest';
import { mlflowRoutes } from '../../src-main/interop/mlflow';
import { ENDPOINT_METHODS } from '../../src-main/interop/mlflow/messages';
import { startServer, type RunningServer } from '../../src-main/server/index';
import { METHODS, READ_METHODS } from '../../src-shared/api/contract';
import { useCore } from '../helpers/core';
import { makeRendererDir, type RendererFixture } from './helpers';

const newCore = useCore();
let fixture: RendererFixture | undefined;
let server: RunningServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  await fixture?.cleanup();
  fixture = undefined;
});

interface Operation {
  operationId: string;
  tags: string[];
  requestBody?: { content: { 'application/json': { schema: Record<string, unknown> } } };
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { content?: { 'application/json': { schema: Record<string, unknown> } } }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Partial<Record<'get' | 'post', Operation>>>;
}

/** `serve` as the CLI starts it (the contract and the MLflow routes), and its /api/openapi.json. */
async function servedDocument(): Promise<{ status: number; document: Document }> {
  const { core } = await newCore();
  fixture = await makeRendererDir();
  server = await startServer({ api: core.api, rendererDir: fixture.rendererDir, port: 0, extraRoutes: mlflowRoutes(core) });
  const response = await fetch(`http://127.0.0.1:${server.port}/api/openapi.json`, { headers: { Authorization: `Bearer ${server.token}` } });
  return { status: response.status, document: (await response.json()) as Document };
}

describe('/api/openapi.json', () => {
  it('describes every contract method as POST /api/<method>, with its input schema, its output and its error bodies', async () => {
    const { status, document } = await servedDocument();
    expect(status).toBe(200);
    expect(document.openapi).toBe('3.1.0');
    for (const method of METHODS) {
      const operation = document.paths[`/api/${method}`]?.post;
      expect(operation, method).toBeDefined();
      expect(operation!.requestBody!.content['application/json'].schema, method).toHaveProperty('type', 'object');
      const success = operation!.responses['200']!.content!['application/json'].schema as { properties: { value: unknown } };
      expect(success.properties.value, method).toBeDefined();
      for (const refusal of ['400', '401', '404', '405', '413', '415', '500']) {
        expect(operation!.responses[refusal]?.content?.['application/json'].schema, `${method} ${refusal}`).toHaveProperty('properties.error');
      }
      expect(operation!.tags, method).toEqual([READ_METHODS.includes(method) ? 'reads' : 'writes']);
    }
  });

  it('describes every MLflow tracking endpoint with the HTTP method its client uses, its fields and its error body', async () => {
    const { document } = await servedDocument();
    for (const [endpoint, method] of Object.entries(ENDPOINT_METHODS)) {
      const operation = document.paths[`/api/2.0/mlflow/${endpoint}`]?.[method === 'GET' ? 'get' : 'post'];
      expect(operation, endpoint).toBeDefined();
      if (method === 'GET') expect(operation!.parameters!.length, endpoint).toBeGreaterThan(0);
      else expect(operation!.requestBody, endpoint).toBeDefined();
      expect(operation!.responses['404']!.content!['application/json'].schema, endpoint).toHaveProperty('properties.error_code');
    }
  });

  it('lists no path the server does not answer, and no route the server answers is missing from it', async () => {
    const { document } = await servedDocument();
    const expected = [...METHODS.map((method) => `/api/${method}`), ...Object.keys(ENDPOINT_METHODS).map((endpoint) => `/api/2.0/mlflow/${endpoint}`), '/api/openapi.json'];
    expect(Object.keys(document.paths).sort()).toEqual(expected.sort());
  });

  it('is refused without the token, and read with GET only', async () => {
    await servedDocument();
    const url = `http://127.0.0.1:${server!.port}/api/openapi.json`;
    expect((await fetch(url)).status).toBe(401);
    const posted = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${server!.token}`, 'Content-Type': 'application/json' }, body: '{}' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET, HEAD');
  });
});
