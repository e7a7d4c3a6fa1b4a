import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { Method, MethodOutput } from '../../src-shared/api/contract';
import type { ApiResult } from '../../src-shared/api/errors';
import type { AnyEvent } from '../../src-shared/api/events';
import type { ApiHost } from '../../src-shared/api/host';
import { startServer, type RunningServer, type ServeOptions } from '../../src-main/server/index';

/** An in-memory `ApiHost`: records every call, answers with `respond`, and lets a test publish events. */
export class FakeApiHost implements ApiHost {
  readonly calls: Array<{ method: Method; input: unknown }> = [];
  private readonly listeners = new Set<(event: AnyEvent) => void>();
  respond: (method: Method, input: unknown) => ApiResult<unknown> | Promise<ApiResult<unknown>> = (method, input) => ({
    ok: true,
    value: { method, input },
  });

  async call<M extends Method>(method: M, input: unknown): Promise<ApiResult<MethodOutput<M>>> {
    this.calls.push({ method, input });
    return (await this.respond(method, input)) as ApiResult<MethodOutput<M>>;
  }

  subscribe(listener: (event: AnyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  emit(event: AnyEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

export const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';
export const INDEX_HTML = '<!doctype html><html><head><title>Runboard test UI</title></head><body><div id="app"></div></body></html>';
export const APP_JS = 'console.log("runboard app");';

export interface RendererFixture {
  /** The temp folder holding `renderer/` and `outside/`. */
  base: string;
  rendererDir: string;
  outsideDir: string;
  cleanup(): Promise<void>;
}

/**
 * A built-UI look-alike: `index.html`, assets of every served type, a hidden file, and symlinks (to a file and to a
 * folder) pointing outside the root at a secret.
 */
export async function makeRendererDir(): Promise<RendererFixture> {
  const base = await mkdtemp(join(tmpdir(), 'runboard-serve-'));
  const rendererDir = join(base, 'renderer');
  const outsideDir = join(base, 'outside');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await mkdir(outsideDir);
  await writeFile(join(rendererDir, 'index.html'), INDEX_HTML);
  await writeFile(join(rendererDir, 'assets', 'app-3f2a1b.js'), APP_JS);
  await writeFile(join(rendererDir, 'assets', 'style-9c8d7e.css'), 'body{margin:0}');
  await writeFile(join(rendererDir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(rendererDir, 'assets', 'chart.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await writeFile(join(rendererDir, 'assets', 'backend.wasm'), Buffer.from([0x00, 0x61, 0x73, 0x6d]));
  await writeFile(join(rendererDir, 'assets', 'inter.woff2'), Buffer.from('wOF2'));
  await writeFile(join(rendererDir, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
  await writeFile(join(rendererDir, 'manifest.json'), '{"name":"Runboard"}');
  await writeFile(join(rendererDir, '.env'), SECRET);
  await writeFile(join(outsideDir, 'secret.txt'), SECRET);
  await writeFile(join(outsideDir, 'secret'), SECRET);
  await symlink(join(outsideDir, 'secret.txt'), join(rendererDir, 'assets', 'leak.txt'));
  await symlink(join(outsideDir, 'secret'), join(rendererDir, 'leak'));
  await symlink(outsideDir, join(rendererDir, 'assets', 'linked'));
  return { base, rendererDir, outsideDir, cleanup: () => rm(base, { recursive: true, force: true }) };
}

export interface TestServer {
  server: RunningServer;
  api: FakeApiHost;
  renderer: RendererFixture;
  /** Closes the server and removes the fixture. */
  stop(): Promise<void>;
}

export async function startTestServer(options: Partial<Omit<ServeOptions, 'api' | 'rendererDir'>> = {}): Promise<TestServer> {
  const api = new FakeApiHost();
  const renderer = await makeRendererDir();
  const server = await startServer({ api, rendererDir: renderer.rendererDir, port: 0, ...options });
  return {
    server,
    api,
    renderer,
    stop: async () => {
      await server.close();
      await renderer.cleanup();
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestSpec {
  method?: string;
  path?: string;
  headers?: Record<string, string | undefined>;
  body?: string | Buffer;
  /** Connect here instead of 127.0.0.1 (the Host header is still set from `headers` or the default). */
  connectHost?: string;
}

/**
 * One HTTP request on a fresh connection, with full control over the path and headers (`Host` defaults to
 * `127.0.0.1:PORT`; pass `undefined` to leave a header out).
 */
export function request(port: number, spec: RequestSpec = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ Host: `127.0.0.1:${port}`, ...spec.headers })) if (value !== undefined) headers[name] = value;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: spec.connectHost ?? '127.0.0.1', port, method: spec.method ?? 'GET', path: spec.path ?? '/', headers, agent: false, setHost: false },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') }));
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(spec.body);
  });
}

export function bearer(server: RunningServer): Record<string, string> {
  return { Authorization: `Bearer ${server.token}` };
}

/** A JSON API call with the bearer token. */
export function callApi(server: RunningServer, method: string, body: unknown, headers: Record<string, string | undefined> = {}): Promise<HttpAnswer> {
  return request(server.port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { ...bearer(server), 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export function parseJson(answer: HttpAnswer): { ok: boolean; value?: unknown; error?: { code: string; message: string; fields?: unknown } } {
  return JSON.parse(answer.body) as { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}

/** Writes raw bytes on a TCP connection and collects everything the server sends until it closes the connection. */
export function rawExchange(port: number, chunks: Array<string | Buffer>, timeoutMs = 10_000): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(received).toString('utf8'), closedByServer: false });
    }, timeoutMs);
    socket.on('data', (chunk) => received.push(chunk));
    // A reset after the answer (the server stopped reading our body) still counts as the server closing.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(received).toString('utf8'), closedByServer: true });
    });
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    socket.on('timeout', () => reject(new Error('timeout')));
  });
}

export interface UpgradeOutcome {
  /** 101 when the socket opened, otherwise the refusal's status. */
  status: number;
  socket?: WebSocket;
  body?: string;
}

/** Opens a `ws` client to `/api/events` (or `path`) and reports whether the server accepted it. */
export function openEvents(port: number, headers: Record<string, string> = {}, path = '/api/events'): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    socket.once('open', () => resolve({ status: 101, socket }));
    socket.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', () => resolve({ status: response.statusCode ?? 0 }));
    });
    socket.once('error', reject);
  });
}

/** Resolves with the next message a socket receives, parsed as JSON. */
export function nextMessage(socket: WebSocket): Promise<unknown> {
  return new Promise((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)) as unknown)));
}

export function closed(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) resolve(socket.readyState);
    else socket.once('close', (code) => resolve(code));
  });
}

/** Polls until `check` holds, or fails after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A sample event, as the host would publish after an epoch. */
export function epochEvent(runId: number, epoch: number): AnyEvent {
  return { event: 'run/epoch-logged', payload: { run_id: runId, epoch, time: 1_700_000_000_000 + epoch, metrics: { loss: 0.5 / epoch, val_loss: 'NaN' } } };
}
