/**
 * Helpers for the sweep worker tests (`runboard sweep --no-local`, `runboard worker`): SQL on the store a test's CLI
 * processes write (a database file read-only, or the test server's database), and the worker command the CLI printed,
 * as words to run.
 */
import pg from 'pg';
import { numberPlaceholders } from '../../src-main/store/postgres/session';
import { withReadonlyDb } from './helpers';

/** Rows of a query with `?` placeholders on a store location (a file path or a postgres:// URL). */
export async function queryStore(db: string, sql: string, args: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
  if (/^postgres(ql)?:\/\//.test(db)) {
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      return (await client.query(numberPlaceholders(sql), args as unknown[])).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  }
  return withReadonlyDb(db, (connection) => connection.prepare(sql).all(...args) as Record<string, unknown>[]);
}

/** The `runboard worker ...` line the CLI printed, split into the words a shell would pass (single quotes as a shell reads them). */
export function printedWorkerCommand(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.trim().startsWith('runboard worker '));
  if (!line) throw new Error(`no worker command in:\n${stdout}`);
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let started = false;
  for (const c of line.trim()) {
    if (c === "'") {
      quoted = !quoted;
      started = true;
    } else if (c === ' ' && !quoted) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (started) words.push(word);
  return words.slice(1);
}

/** Each trial of a sweep with its claim and its runs, oldest first (status, error, host, backend, creation, start and end). */
export async function trialsWithRuns(db: string, sweepId: number) {
  const trials = await queryStore(db, 'SELECT trial, claim_state, claimed_by, attempts, run_id FROM sweep_trials WHERE sweep_id = ? ORDER BY trial', [sweepId]);
  const runs = await queryStore(db, 'SELECT id, trial, status, error, owner_host, owner_pid, backend, created_at, started_at, ended_at FROM runs WHERE sweep_id = ? ORDER BY id', [sweepId]);
  return trials.map((t) => ({
    trial: Number(t.trial),
    state: t.claim_state as string | null,
    claimedBy: t.claimed_by as string | null,
    attempts: Number(t.attempts),
    runId: t.run_id === null ? null : Number(t.run_id),
    runs: runs
      .filter((r) => Number(r.trial) === Number(t.trial))
      .map((r) => ({
        id: Number(r.id),
        status: r.status as string,
        error: r.error as string | null,
        host: r.owner_host as string | null,
        pid: Number(r.owner_pid),
        backend: r.backend as string | null,
        createdAt: Number(r.created_at),
        startedAt: r.started_at === null ? null : Number(r.started_at),
        endedAt: r.ended_at === null ? null : Number(r.ended_at),
      })),
  }));
}
