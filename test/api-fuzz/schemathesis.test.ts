import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliIsBuilt, killAll, makeTempDir, removeTempDirs, runCli, startCli, TINY, waitFor, type RunningCli } from '../cli/helpers';

/**
 * schemathesis (issue 15 item 2) against `runboard serve` on a database with a few runs and a sweep: it reads the
 * server's own /api/openapi.json and sends what the schemas allow and what they forbid, checking that no answer is a
 * 5xx and that every answer matches the schema of its status. The read-only operations run first, and the database
 * must be the same afterwards, row for row.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const VENV = join(ROOT, '.venv-schemathesis');
const SCHEMATHESIS = join(VENV, 'bin', 'schemathesis');
const present = existsSync(SCHEMATHESIS);
/** CI (`.ci/run`) sets it: there a missing environment fails these tests instead of skipping them. */
const required = process.env.RUNBOARD_REQUIRE_INTEROP === '1';
const runs = present || required;
const title = (text: string) =>
  runs
    ? text
    : `${text} (skipped: ${SCHEMATHESIS} not found; make it with /usr/bin/python3 -m venv .venv-schemathesis && .venv-schemathesis/bin/pip install -r test/api-fuzz/requirements.txt, as .ci/run does)`;

/** Examples per operation, per pass: enough to reach every refusal, bounded so the whole file takes about two minutes. */
const EXAMPLES = 12;
/**
 * Operations that start training or reach beyond the database (the network, paths on this machine): only sent
 * requests their schema forbids (`--mode negative`), which must be refused before anything starts.
 */
const OUTWARD = ['runs/start', 'sweeps/start', 'sweeps/resume', 'datasets/fetch', 'runs/import', 'datasets/import-images'];

let serve: RunningCli | undefined;
let origin = '';
let token = '';
let db = '';
let schemaFile = '';

beforeAll(async () => {
  if (!runs) return;
  assertCliIsBuilt();
  const dir = makeTempDir();
  db = join(dir, 'fuzzed.db');
  for (const extra of [[], ['--test-split', '0.2', '--name', 'with-test']]) {
    const run = await runCli(['train', ...TINY, '--db', db, ...extra]);
    if (run.code !== 0) throw new Error(`train failed: ${run.stderr}`);
  }
  const sweep = await runCli(['sweep', ...TINY, '--db', db, '--param', 'lr=loguniform(1e-3,1e-1)', '--trials', '2', '--parallel', '1', '--seed', '1']);
  if (sweep.code !== 0) throw new Error(`sweep failed: ${sweep.stderr}`);
  serve = startCli(['serve', '--port', '0', '--db', db]);
  const url = await waitFor(`serve to print its URL (stderr: ${serve.stderr})`, () => serve!.stdout.split('\n')[0]?.match(/^http:\/\/[^/]+\/\?token=\S+$/)?.[0], 60_000);
  origin = new URL(url).origin;
  token = new URL(url).searchParams.get('token') ?? '';
  const document = await fetch(`${origin}/api/openapi.json`, { headers: { Authorization: `Bearer ${token}` } });
  expect(document.status).toBe(200);
  schemaFile = join(dir, 'openapi.json');
  writeFileSync(schemaFile, await document.text());
}, 180_000);

afterAll(() => {
  killAll();
  removeTempDirs();
});

/** Runs schemathesis to its end with the given filters; its exit code and output. */
function schemathesis(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  if (!present) return Promise.reject(new Error(`${SCHEMATHESIS} not found, and RUNBOARD_REQUIRE_INTEROP=1 (set by .ci/run) requires it: see .ci/run`));
  const child = spawn(
    SCHEMATHESIS,
    [
      'run',
      schemaFile,
      '--url',
      origin,
      '--header',
      `Authorization: Bearer ${token}`,
      '--checks',
      'not_a_server_error,response_schema_conformance',
      '--max-examples',
      String(EXAMPLES),
      '--seed',
      '15',
      '--workers',
      '2',
      '--no-color',
      '--output-truncate',
      'false',
      ...args,
    ],
    { cwd: makeTempDir(), env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolveRun, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}

/** Every row of every table of the database, as text: what no read may change. */
function snapshot(): string {
  const database = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const tables = database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    // Rows sorted as text: some tables have no rowid to order them by.
    return JSON.stringify(tables.map((table) => [table, database.prepare(`SELECT * FROM "${table}"`).all().map((row) => JSON.stringify(row)).sort()]));
  } finally {
    database.close();
  }
}

/** The summary lines and every failure schemathesis printed, for the assertion's message. */
function failures(output: string): string {
  const start = output.indexOf('= FAILURES =');
  return start >= 0 ? output.slice(start - 30, start + 20_000) : output.slice(-6_000);
}

describe.skipIf(!runs)(title('schemathesis against runboard serve'), () => {
  it('the read-only operations answer every request without a 5xx and as their schemas say, and change no row of the database', async () => {
    const before = snapshot();
    const result = await schemathesis(['--include-tag', 'reads']);
    expect(result.code, failures(result.output)).toBe(0);
    expect(result.output).toMatch(/Tested: \d+/);
    expect(snapshot(), 'a read-only operation changed the database').toBe(before);
  }, 300_000);

  it('the operations that write answer every request without a 5xx and as their schemas say', async () => {
    const result = await schemathesis(['--include-tag', 'writes', ...OUTWARD.flatMap((method) => ['--exclude-path', `/api/${method}`])]);
    expect(result.code, failures(result.output)).toBe(0);
  }, 300_000);

  it('the operations that train or reach beyond the database refuse every request their schemas forbid, starting nothing', async () => {
    const before = snapshot();
    const result = await schemathesis(['--mode', 'negative', ...OUTWARD.flatMap((method) => ['--include-path', `/api/${method}`])]);
    expect(result.code, failures(result.output)).toBe(0);
    expect(snapshot(), 'a refused request changed the database').toBe(before);
  }, 300_000);
});
