/**
 * `runboard db copy` through the built CLI: a file copied into another file with its saved weights, into PostgreSQL
 * and back with nothing lost (the password never printed), the summary, a second copy adding nothing, a progress bar
 * on a terminal, and one-line errors with exit 2 for bad usage (missing source, same store twice, a newer schema) and
 * 1 for a failure (a server that cannot be reached, another copy writing into the same store).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store';
import { checkpointDirectory } from '../../src-main/paths';
import { LATEST_POSTGRES_SCHEMA_VERSION } from '../../src-main/store/postgres/postgres-migrations';
import { POSTGRES_TEST_PASSWORD, adminQuery, postgresServer, postgresUrl, usePostgresDatabase } from '../helpers/stores';
import { BIN, ROOT, assertCliIsBuilt, cliEnv, killAll, listRuns, makeTempDir, removeTempDirs, runCli, sha256, startCli, type CliResult } from './helpers';

beforeAll(assertCliIsBuilt);
afterEach(killAll);
afterAll(removeTempDirs);

/** A database file with `count` finished runs of three epochs (the first with saved weights) and a sweep. */
async function source(count = 3): Promise<string> {
  const path = join(makeTempDir(), 'source.db');
  const store = await openStore({ path, explicit: true });
  try {
    for (let i = 1; i <= count; i++) {
      const run = await store.createRun({ experiment: 'lab', name: `run-${i}`, config: { dataset: 'iris' }, params: { lr: i / 10 }, seed: i, backend: 'wasm' });
      for (let step = 1; step <= 3; step++) await store.logEpoch(run.run_id, { step, time: 1000 * step, metrics: { loss: 1 / step, acc: step / 4 } });
      await store.endRun(run.run_id, { status: 'finished', time: 5000 });
    }
    await store.annotations.setTags(1, { stage: 'final' });
    await store.sweeps.create({
      name: 'search', experiment: 'lab', strategy: 'grid', space: [{ name: 'lr', distribution: 'choice(0.1,0.01)' }], fixed: {},
      objective: { metric: 'loss', direction: 'min' }, trials: [{ lr: 0.1 }, { lr: 0.01 }], seed: 1, parallel: 1, asha: null,
    });
    const weights = checkpointDirectory(store.filesDir, 1);
    mkdirSync(weights, { recursive: true });
    writeFileSync(join(weights, 'final.json'), '{"weights":[1,2,3]}');
  } finally {
    await store.close();
  }
  return path;
}

/** What `runs --json` says of a database, without ids and times that a copy gives anew. */
async function runsOf(db: string, env?: NodeJS.ProcessEnv): Promise<unknown[]> {
  const result = await runCli(['runs', '--json', '--include-archived', '--db', db], env ? { env } : {});
  if (result.code !== 0) throw new Error(result.stderr);
  const runs = JSON.parse(result.stdout) as { run_id: number; name: string; duration_s: number | null }[];
  return runs.map(({ run_id: _id, duration_s: _d, ...rest }) => rest).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Two `runboard db copy` processes started at once into one store: each either copies or refuses naming the other
 * (which of them, and whether they overlap at all, is up to the machine), and every run is there exactly once.
 */
async function twoAtOnce(from: string, to: string, env?: NodeJS.ProcessEnv): Promise<CliResult[]> {
  const options = env ? { env } : {};
  const results = await Promise.all([startCli(['db', 'copy', '--from', from, '--to', to], options).exited, startCli(['db', 'copy', '--from', from, '--to', to], options).exited]);
  for (const result of results) {
    if (result.code === 1) expect(result.stderr).toMatch(/^runboard: Another `runboard db copy` is writing into .*; wait for it to end, then run this copy again\./);
    else expect(result.code, result.stderr).toBe(0);
  }
  expect(results.some((result) => result.code === 0)).toBe(true);
  return results;
}

const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** Runs `runboard <args>` under `script` (a pseudo-terminal); returns what the terminal showed. */
function inTerminal(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn('script', ['-q', '-e', '-c', [process.execPath, BIN, ...args].map(shellQuote).join(' '), '/dev/null'], { cwd: ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('runboard db copy between files', () => {
  it('copies every run, sweep and saved-weights folder with a summary, and adds nothing the second time', async () => {
    const from = await source();
    const toDir = makeTempDir();
    const to = join(toDir, 'copy.db');
    const first = await runCli(['db', 'copy', '--from', from, '--to', to]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(
      `Copied 3 runs (18 points), 1 sweep from ${from} to ${to}; skipped 0 already copied.\n  Saved weights of 1 run copied to ${join(toDir, 'checkpoints')}.\n`,
    );
    expect(await runsOf(to)).toEqual(await runsOf(from));
    expect(readFileSync(join(toDir, 'checkpoints', '1', 'final.json'), 'utf8')).toBe('{"weights":[1,2,3]}');

    const again = await runCli(['db', 'copy', '--from', from, '--to', to, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ runs: 0, points: 0, sweeps: 0, skippedRuns: 3, skippedSweeps: 1, checkpoints: { copied: 0, notCopied: [] } });
    expect((await listRuns(to)).length).toBe(3);
  });

  it('says which saved weights it could not copy when both stores share a files folder', async () => {
    const from = await source(1);
    const to = join(from, '..', 'beside.db');
    const result = await runCli(['db', 'copy', '--from', from, '--to', to]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Saved weights of run 1 not copied: both stores keep their files in ${join(from, '..')}, where run ids would share folders.`);
  });

  it('draws a progress bar on a terminal and clears it before the summary', async () => {
    const from = await source(4);
    const to = join(makeTempDir(), 'copy.db');
    const { code, output } = await inTerminal(['db', 'copy', '--from', from, '--to', to]);
    expect(code, output).toBe(0);
    expect(output).toContain('\r[>                             ] 0/4 runs  run-1');
    expect(output).toMatch(/\r\[=+> *\] 2\/4 runs {2}run-3/);
    expect(output).toContain('] 4/4 runs');
    expect(output).toMatch(/\r\x1b\[KCopied 4 runs \(24 points\), 1 sweep/);
  });

  it('prints no progress bar when its output is not a terminal', async () => {
    const from = await source(1);
    const result = await runCli(['db', 'copy', '--from', from, '--to', join(makeTempDir(), 'copy.db')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  });
});

describe('runboard db copy with bad input', () => {
  it('exits 2 with one line for a missing source, the same store twice, a missing flag, and a destination of a newer Runboard', async () => {
    const from = await source(1);
    const dir = makeTempDir();
    const missing = await runCli(['db', 'copy', '--from', join(dir, 'nope.db'), '--to', join(dir, 'x.db')]);
    expect([missing.code, missing.stderr]).toEqual([2, `runboard: --from ${join(dir, 'nope.db')}: no such database file.\n`]);

    const same = await runCli(['db', 'copy', '--from', from, '--to', join(from, '..', '.', 'source.db')]);
    expect([same.code, same.stderr]).toEqual([2, `runboard: --from and --to are the same store (${from}): there is nothing to copy.\n`]);

    const noTo = await runCli(['db', 'copy', '--from', from]);
    expect(noTo.code).toBe(2);
    expect(noTo.stderr).toContain("required option '--to <path|url>' not specified");

    const newer = join(dir, 'newer.db');
    const made = await openStore({ path: newer, explicit: true });
    await made.close();
    const db = new BetterSqlite3(newer);
    db.pragma('user_version = 999');
    db.close();
    const before = sha256(newer);
    const tooNew = await runCli(['db', 'copy', '--from', from, '--to', newer]);
    expect(tooNew.code).toBe(2);
    expect(tooNew.stderr).toMatch(/^runboard: --to: .*newer\.db was written by a newer version of Runboard \(schema version 999; .*\n$/);
    expect(sha256(newer)).toBe(before);
  });

  it('exits 1 naming the server it cannot reach, in one line without the password', async () => {
    const from = await source(1);
    const result = await runCli(['db', 'copy', '--from', from, '--to', 'postgres://someone:secret@127.0.0.1:1/team']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('runboard: --to: Cannot connect to the PostgreSQL server at 127.0.0.1:1: the connection was refused. Is the server running and listening there?\n');
    expect(result.stderr).not.toContain('secret');
  });

  it('exits 1 while another copy writes into the same store, and copies once it is done', async () => {
    const from = await source(2);
    const to = join(makeTempDir(), 'busy.db');
    // This test process holds the destination's copy lock, as a running `runboard db copy` would.
    const holder = await openStore({ path: to, explicit: true });
    const release = await holder.copies.lock();
    try {
      const refused = await runCli(['db', 'copy', '--from', from, '--to', to]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`^runboard: Another \`runboard db copy\` is writing into ${to} \\(pid ${process.pid} on .*\\); wait for it to end, then run this copy again\\.`));
      expect(await holder.listRuns()).toEqual([]);
    } finally {
      await release();
      await holder.close();
    }
    const later = await runCli(['db', 'copy', '--from', from, '--to', to]);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toMatch(/^Copied 2 runs \(12 points\)/);
  });

  it('two copies started at once into one file: each copies or refuses, and every run is there once', async () => {
    const from = await source(40);
    const to = join(makeTempDir(), 'shared.db');
    await twoAtOnce(from, to);
    expect((await listRuns(to)).map((run) => run.name).sort()).toEqual((await listRuns(from)).map((run) => run.name).sort());
  });
});

const server = postgresServer();
const required = process.env.RUNBOARD_REQUIRE_POSTGRES === '1';
if ('reason' in server && !required) console.warn(`Skipping the CLI's db copy tests on PostgreSQL: ${server.reason}`);

describe.skipIf('reason' in server && !required)('runboard db copy with PostgreSQL', () => {
  const database = usePostgresDatabase();
  const url = () => postgresUrl(database(), { tcp: true, password: POSTGRES_TEST_PASSWORD });
  // A server store's files (saved weights) go to the data folder: a temporary one here.
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    env = cliEnv({ XDG_DATA_HOME: makeTempDir() });
  });

  it('copies a file up to PostgreSQL and back into a new file with nothing lost, the password never printed', async () => {
    const from = await source();
    const up = await runCli(['db', 'copy', '--from', from, '--to', url()], { env });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^Copied 3 runs \(18 points\), 1 sweep from .* to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\w+; skipped 0 already copied\.\n {2}Saved weights of 1 run copied to /);
    expect(await runsOf(url(), env)).toEqual(await runsOf(from));

    const back = join(makeTempDir(), 'back.db');
    const down = await runCli(['db', 'copy', '--from', url(), '--to', back], { env });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/^Copied 3 runs \(18 points\), 1 sweep from postgres:\/\/postgres:\*\*\*@/);
    expect(await runsOf(back)).toEqual(await runsOf(from));
    expect(readFileSync(join(back, '..', 'checkpoints', '1', 'final.json'), 'utf8')).toBe('{"weights":[1,2,3]}');

    const again = await runCli(['db', 'copy', '--from', from, '--to', url()], { env });
    expect(again.stdout).toMatch(/^Copied 0 runs \(0 points\), 0 sweeps .*; skipped 4 already copied\./);
    expect(up.stdout + up.stderr + down.stdout + down.stderr + again.stdout).not.toContain(POSTGRES_TEST_PASSWORD);
  });

  it('two copies started at once into one PostgreSQL database: each copies or refuses, and every run is there once', async () => {
    const from = await source(40);
    await adminQuery('CREATE SCHEMA busy', database());
    const busy = postgresUrl(database(), { tcp: true, password: POSTGRES_TEST_PASSWORD, query: { options: '-c search_path=busy' } });
    await twoAtOnce(from, busy, env);
    const copied = (await runsOf(busy, env)) as { name: string }[];
    expect(copied.map((run) => run.name)).toEqual(((await runsOf(from)) as { name: string }[]).map((run) => run.name));
  });

  it('refuses a PostgreSQL destination of a newer Runboard with exit 2, and writes nothing', async () => {
    const from = await source(1);
    const before = await runsOf(url(), env);
    await adminQuery('UPDATE runboard_schema SET version = 999', database());
    try {
      const result = await runCli(['db', 'copy', '--from', from, '--to', url()], { env });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^runboard: --to: .*newer .*Runboard.*\n$/);
    } finally {
      await adminQuery(`UPDATE runboard_schema SET version = ${LATEST_POSTGRES_SCHEMA_VERSION}`, database());
    }
    expect(await runsOf(url(), env)).toEqual(before);
  });
});
