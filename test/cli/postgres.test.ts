/**
 * The built CLI on a PostgreSQL store: `train --db postgres://...` logs a run that `runs` lists and `serve` shows
 * (in Debian's Chromium when it is there), `doctor` and every message show the location without its password, and a
 * server that cannot be reached or refuses the password is named in one line, with no stack trace.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_POSTGRES_SCHEMA_VERSION } from '../../src-main/store/postgres/postgres-migrations';
import { SHOTS, hasChromium, launchChromium, startServe, stopProcess } from '../e2e/harness';
import { POSTGRES_TEST_PASSWORD, postgresServer, postgresUrl, usePostgresDatabase } from '../helpers/stores';
import { TINY, assertCliIsBuilt, cliEnv, killAll, removeTempDirs, runCli, makeTempDir, type RunJson } from './helpers';

const server = postgresServer();
const required = process.env.RUNBOARD_REQUIRE_POSTGRES === '1';
if ('reason' in server && !required) console.warn(`Skipping the CLI's PostgreSQL tests: ${server.reason}`);

describe.skipIf('reason' in server && !required)('the CLI on a PostgreSQL store', () => {
  const database = usePostgresDatabase();
  /** Over TCP with the password in the URL: what a team's URL looks like. */
  const url = () => postgresUrl(database(), { tcp: true, password: POSTGRES_TEST_PASSWORD });
  // Local files (datasets, checkpoints) of a server store go to the data folder: a temporary one here.
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    assertCliIsBuilt();
    env = cliEnv({ XDG_DATA_HOME: makeTempDir() });
  });
  afterEach(killAll);
  afterAll(removeTempDirs);

  it('train logs a run that runs lists, and serve shows it, with the password never printed', async () => {
    const train = await runCli(['train', ...TINY, '--name', 'on-postgres', '--db', url()], { env, timeoutMs: 180_000 });
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/in experiment "default", database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\//);
    expect(train.stdout + train.stderr).not.toContain(POSTGRES_TEST_PASSWORD);

    // Its saved weights are on this machine, in the data folder's folder for this server and database.
    if ('reason' in server) throw new Error(server.reason);
    const files = join(env.XDG_DATA_HOME as string, 'runboard', 'servers', `127.0.0.1-${server.port}-${database()}`);
    expect(existsSync(join(files, 'checkpoints', '1', 'final.json')), `checkpoints under ${files}`).toBe(true);
    // A fine-tuned run finds its parent's weights there.
    const child = await runCli(['train', '--dataset', 'iris', '--epochs', '1', '--backend', 'wasm', '--from-run', '1', '--name', 'child', '--db', url()], { env, timeoutMs: 180_000 });
    expect(child.code, child.stderr).toBe(0);

    // RUNBOARD_DB works as --db does.
    const listed = await runCli(['runs', '--json'], { env: { ...env, RUNBOARD_DB: url() } });
    expect(listed.code, listed.stderr).toBe(0);
    const runs = JSON.parse(listed.stdout) as RunJson[];
    expect(runs.map((r) => [r.name, r.status, r.epochs, r.parent_run_id])).toEqual([
      ['child', 'finished', 1, 1],
      ['on-postgres', 'finished', 3, null],
    ]);

    const serve = await startServe(url(), env as Record<string, string>);
    try {
      const first = await fetch(serve.url, { redirect: 'manual' });
      const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const origin = new URL(serve.url).origin;
      const answer = await fetch(`${origin}/api/runs/list`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', origin }, body: '{}' });
      const body = (await answer.json()) as { ok: boolean; value: { name: string; status: string }[] };
      expect(body.ok).toBe(true);
      expect(body.value.map((r) => [r.name, r.status])).toEqual([
        ['child', 'finished'],
        ['on-postgres', 'finished'],
      ]);
      if (hasChromium) {
        const browser = await launchChromium();
        try {
          const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
          await page.goto(serve.url);
          await page.locator('tbody tr[data-run-id]', { hasText: 'on-postgres' }).waitFor({ timeout: 20_000 });
          await page.screenshot({ path: join(SHOTS, 'postgres-runs-table.png'), fullPage: true });
          // The header names the database and its server.
          expect(await page.locator('header .system').innerText()).toContain(`db: ${database()} on 127.0.0.1:${new URL(url()).port}`);
          expect(await page.locator('body').innerText()).not.toContain(POSTGRES_TEST_PASSWORD);
        } finally {
          await browser.close();
        }
      }
    } finally {
      await stopProcess(serve.process);
    }
  });

  it('a sweep runs its trials into the database, and export --sweep reads them back', async () => {
    const sweep = await runCli(['sweep', '--dataset', 'iris', '--hidden', '8', '--epochs', '2', '--backend', 'wasm', '--parallel', '2', '--strategy', 'grid', '--param', 'lr=[0.1,0.01]', '--json', '--db', url()], { env, timeoutMs: 180_000 });
    expect(sweep.code, sweep.stderr).toBe(0);
    const detail = JSON.parse(sweep.stdout) as { sweep_id: number; status: string; trials: { status: string; epochs: number }[] };
    expect(detail.status).toBe('finished');
    expect(detail.trials.map((t) => [t.status, t.epochs])).toEqual([
      ['finished', 2],
      ['finished', 2],
    ]);
    const csv = await runCli(['export', '--sweep', String(detail.sweep_id), '--format', 'csv', '--db', url()], { env });
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.trim().split('\n')).toHaveLength(3);
    const sweeps = await runCli(['sweeps', '--json', '--db', url()], { env });
    expect((JSON.parse(sweeps.stdout) as { sweep_id: number; status: string }[]).map((s) => [s.sweep_id, s.status])).toEqual([[detail.sweep_id, 'finished']]);
  });

  it('doctor shows the database with its password masked, its schema and its runs', async () => {
    const doctor = await runCli(['doctor', '--json', '--db', url()], { env, timeoutMs: 120_000 });
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(doctor.stdout).not.toContain(POSTGRES_TEST_PASSWORD);
    const report = JSON.parse(doctor.stdout) as { database: { path: string; schemaVersion: number; problem: string | null } };
    expect(report.database).toMatchObject({ path: expect.stringMatching(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\//), schemaVersion: LATEST_POSTGRES_SCHEMA_VERSION, problem: null });
  });

  it('a wrong password or a refused connection is one line naming the server, exit 1, no stack trace', async () => {
    const wrong = await runCli(['runs', '--db', postgresUrl(database(), { tcp: true, password: 'guess-123' })], { env });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^runboard: the PostgreSQL server at 127\.0\.0\.1:\d+ refused the password for user "postgres"[^\n]*\n$/);
    expect(wrong.stderr).not.toContain('guess-123');

    const refused = await runCli(['train', ...TINY, '--db', 'postgres://ana:hunter2@127.0.0.1:1/runs'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('runboard: Cannot connect to the PostgreSQL server at 127.0.0.1:1: the connection was refused. Is the server running and listening there?\n');
  });
});
