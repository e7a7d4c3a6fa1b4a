/**
 * `--only pg`: the PostgreSQL store (issue 14) against its anchors on a throwaway server (the tests' own starter,
 * test/helpers/postgres-server.ts: Debian's PostgreSQL, a Unix socket in a temporary folder, fsync off), stopped at
 * the end whatever happens. Each measure gets a database of its own, dropped after it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg, { type Pool } from 'pg';
import { PostgresStore } from '../src-main/store/postgres/postgres-store';
import type { MetricPointInput } from '../src-main/store/run-store';
import { startPostgres } from '../test/helpers/postgres-server';
import { createLoggingRuns, sustainedRate } from './logging';
import { seedTableRuns } from './runs-table';
import { median, percentile, round, sideBySide } from './stats';
import { twoProcessCeiling } from './sweeps';

const run = promisify(execFile);

/** Makes and drops databases on the server, and names their URLs (over the socket, as the superuser). */
class BenchServer {
  private made = 0;
  constructor(
    private readonly socketDir: string,
    private readonly port: number,
  ) {}

  url(database: string): string {
    return `postgres://postgres@/${database}?${new URLSearchParams({ host: this.socketDir, port: String(this.port) }).toString()}`;
  }

  private async admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** Runs `body` on a new, empty database (its URL), dropped afterwards. */
  async withDatabase<T>(body: (url: string) => Promise<T>): Promise<T> {
    const name = `runboard_bench_${++this.made}`;
    await this.admin(`CREATE DATABASE ${name}`);
    try {
      return await body(this.url(name));
    } finally {
      await this.admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }

  /** Runs `body` on a store opened on a new database (migrated), closed and dropped afterwards. */
  withStore<T>(body: (store: PostgresStore, url: string) => Promise<T>): Promise<T> {
    return this.withDatabase(async (url) => {
      const store = await PostgresStore.open({ url });
      try {
        return await body(store, url);
      } finally {
        await store.close();
      }
    });
  }
}

/** The anchor of pg_logging_ratio: the rows of one batch in one autocommitted `INSERT ... SELECT FROM unnest`, nothing else. */
async function rawInsert(pool: Pool, runId: number, points: readonly MetricPointInput[]): Promise<void> {
  await pool.query(
    `INSERT INTO metrics (run_id, key, step, value, special, wall_time)
     SELECT $1, key, step, value, NULL, wall_time FROM unnest($2::text[], $3::bigint[], $4::double precision[], $5::bigint[]) AS u(key, step, value, wall_time)`,
    [runId, points.map((p) => p.key), points.map((p) => p.step), points.map((p) => p.value), points.map((p) => p.time)],
  );
}

/**
 * pg_logging_ratio: metric rows per second of sustained logBatch through PostgresStore (a transaction per batch that
 * also keeps the per-key summaries and announces itself with NOTIFY) divided by raw bulk inserts of the same rows in
 * the same batches into the same table, on the store's own pool (so with the same number of connections).
 */
async function benchPgLogging(server: BenchServer, rounds: number): Promise<Record<string, number>> {
  const logging = (viaStore: boolean) =>
    server.withStore(async (store) => {
      const ids = await createLoggingRuns(store);
      return sustainedRate(ids, viaStore ? (id, points) => store.logBatch(id, points) : (id, points) => rawInsert(store.connection, id, points));
    });
  const result = await sideBySide(rounds, () => logging(true), () => logging(false));
  const ours = median(result.a);
  const raw = median(result.b);
  return { pg_logging_ratio: round(ours / raw), pg_logging_store_rows_per_s: Math.round(ours), pg_logging_raw_rows_per_s: Math.round(raw) };
}

const PAGE = 100;

/**
 * The anchor of pg_runs_table_ratio, as one would write it by hand: the page's ids sorted by best val_accuracy (a
 * join on the summaries, runs without one last, newest first among ties), then those runs' rows, params and summaries,
 * and the count of all runs.
 */
async function rawPage(pool: Pool): Promise<number> {
  const ids = (
    await pool.query<{ id: number }>(
      `SELECT r.id FROM runs r LEFT JOIN metric_summaries m ON m.run_id = r.id AND m.key = 'val_accuracy'
       WHERE r.deleted_at IS NULL AND r.archived = 0 ORDER BY m.max_value DESC NULLS LAST, r.id DESC LIMIT $1`,
      [PAGE],
    )
  ).rows.map((row) => row.id);
  await pool.query({ text: 'SELECT r.*, e.name FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ANY($1::bigint[])', values: [ids], rowMode: 'array' });
  await pool.query({ text: 'SELECT run_id, key, type, num_value, text_value FROM params WHERE run_id = ANY($1::bigint[])', values: [ids], rowMode: 'array' });
  await pool.query({ text: 'SELECT * FROM metric_summaries WHERE run_id = ANY($1::bigint[])', values: [ids], rowMode: 'array' });
  await pool.query('SELECT count(*) FROM runs r WHERE r.deleted_at IS NULL AND r.archived = 0');
  return ids.length;
}

/**
 * pg_runs_table_ratio: the first page (100) of 10,000 runs sorted by best val_accuracy, the time of hand-written SQL
 * divided by the time of the store's queryRuns (what the runs table and `runboard runs` ask). The runs are those of
 * bench/runs-table.ts, seeded once through the store, eight at a time.
 */
async function benchPgRunsTable(server: BenchServer, rounds: number, runs = 10_000): Promise<Record<string, number>> {
  return server.withStore(async (store) => {
    const seedStarted = performance.now();
    await seedTableRuns(store, runs, 5, 8);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    await store.connection.query('ANALYZE');
    const time = async (fn: () => Promise<number>) => {
      const started = performance.now();
      const rows = await fn();
      if (rows !== PAGE) throw new Error(`the page held ${rows} runs, expected ${PAGE}`);
      return performance.now() - started;
    };
    const viaStore = async () => {
      const page = await store.queryRuns({ sort: { column: 'best.val_accuracy', direction: 'desc' }, offset: 0, limit: PAGE });
      if (page.total !== runs) throw new Error(`queryRuns counted ${page.total} runs, expected ${runs}`);
      return page.runs.length;
    };
    // One of each first, unmeasured: the first query of a connection plans and reads cold.
    await viaStore();
    await rawPage(store.connection);
    const result = await sideBySide(rounds, () => time(() => rawPage(store.connection)), () => time(viaStore));
    const raw = median(result.a);
    const ours = median(result.b);
    return { pg_runs_table_ratio: round(raw / ours), pg_runs_table_raw_ms: round(raw, 1), pg_runs_table_store_ms: round(ours, 1), pg_runs_table_runs: runs, pg_runs_table_seed_s: round(seedSeconds, 1) };
  });
}

/** The distributed sweep: bench/sweeps.ts's sweep (random search, 6 trials of 10 epochs on digits, seed 7), on workers. */
const SWEEP = ['--dataset', 'digits', '--epochs', '10', '--backend', 'wasm', '--strategy', 'random', '--trials', '6', '--param', 'lr=loguniform(1e-4,1e-2)', '--param', 'momentum=uniform(0.85,0.99)', '--seed', '7'];
/** bare-fit.js's arguments for the same model and data as a trial (the defaults: 256-256, dropout 0.2, batch 32). */
const BARE_TRIAL = ['digits', '10', '32', '256,256', '0.2', 'wasm'];

/**
 * distributed_sweep_ratio: trial-epochs per second of one `runboard sweep --no-local` run by two `runboard worker`
 * processes (one trial at a time each) divided by the same sweep run by one, through the built CLI as a user runs
 * them, timed from the workers' start to the last one's exit. Divided in turn by the machine's own ceiling for it:
 * two bare model.fit processes of a trial's model and data at once against one after the other.
 */
async function benchDistributedSweep(server: BenchServer, rounds: number): Promise<Record<string, number>> {
  const cli = fileURLToPath(new URL('../../bin/runboard.js', import.meta.url));
  // The workers' files (checkpoints) go to a folder of the benchmark's, not the user's data directory.
  const dataHome = mkdtempSync(join(tmpdir(), 'runboard-bench-'));
  const env = { ...process.env, XDG_DATA_HOME: dataHome };
  const throughput = (workers: number) =>
    server.withDatabase(async (url) => {
      const { stdout } = await run(process.execPath, [cli, 'sweep', '--no-local', ...SWEEP, '--db', url, '--json'], { env });
      const sweepId = (JSON.parse(stdout) as { sweep_id: number }).sweep_id;
      const started = performance.now();
      await Promise.all(Array.from({ length: workers }, () => run(process.execPath, [cli, 'worker', '--db', url, '--sweep', String(sweepId), '--parallel', '1'], { env })));
      const seconds = (performance.now() - started) / 1000;
      const store = await PostgresStore.open({ url });
      try {
        const detail = await store.sweeps.get(sweepId);
        if (detail?.status !== 'finished') throw new Error(`the benchmark sweep ended ${detail?.status ?? 'missing'}`);
        return detail.epochs_trained / seconds;
      } finally {
        await store.close();
      }
    });
  try {
    const result = await sideBySide(rounds, () => throughput(2), () => throughput(1));
    const ceiling = await twoProcessCeiling(rounds, [fileURLToPath(new URL('./bare-fit.js', import.meta.url)), ...BARE_TRIAL]);
    const two = median(result.a);
    const one = median(result.b);
    return {
      distributed_sweep_ratio: round(two / one / ceiling),
      distributed_two_workers_vs_one: round(two / one),
      distributed_machine_two_process_ratio: round(ceiling),
      distributed_epochs_per_s_two_workers: round(two, 2),
      distributed_epochs_per_s_one_worker: round(one, 2),
    };
  } finally {
    rmSync(dataHome, { recursive: true, force: true });
  }
}

/** Trials per sweep in the claim benchmark: 120 claims per worker. */
const CLAIM_TRIALS = 360;
const CLAIM_WORKERS = 3;

/**
 * Claim latency, defined as the time from the `claimTrial` call to its return with a trial, with three workers
 * claiming from one sweep at once: each on a store of its own (its own pool of connections), doing what a worker does
 * between claims without the training (releaseStale, claimTrial, finishTrial), so every claim meets the others'
 * (the most contended case). 360 trials per round, so at least 360 claims; p50 and p99 over every round's.
 */
async function benchClaimLatency(server: BenchServer, rounds: number): Promise<Record<string, number>> {
  return server.withDatabase(async (url) => {
    const stores = await Promise.all(Array.from({ length: CLAIM_WORKERS }, () => PostgresStore.open({ url })));
    try {
      const latencies: number[] = [];
      for (let r = 0; r < Math.max(1, rounds); r++) {
        const sweepId = await (stores[0] as PostgresStore).sweeps.create({
          name: '',
          experiment: 'bench',
          strategy: 'grid',
          space: [{ name: 'lr', distribution: `[${Array.from({ length: CLAIM_TRIALS }, (_, i) => i + 1).join(',')}]` }],
          fixed: { dataset: 'digits' },
          objective: { metric: 'val_accuracy', direction: 'max' },
          trials: Array.from({ length: CLAIM_TRIALS }, (_, i) => ({ lr: i + 1 })),
          seed: 1,
          parallel: 1,
          asha: null,
          workers: true,
        });
        const claims = await Promise.all(
          stores.map(async (store, w) => {
            let claimed = 0;
            for (;;) {
              await store.sweeps.claims.releaseStale(60_000);
              const started = performance.now();
              const trial = await store.sweeps.claims.claimTrial(`bench:${w}`, sweepId);
              if (!trial) return claimed;
              latencies.push(performance.now() - started);
              claimed++;
              await store.sweeps.claims.finishTrial(`bench:${w}`, sweepId, trial.trial);
            }
          }),
        );
        if (claims.reduce((a, b) => a + b, 0) !== CLAIM_TRIALS) throw new Error(`the workers claimed ${claims.join('+')} trials, expected ${CLAIM_TRIALS} in all`);
      }
      return { pg_claim_call_p50_ms: round(percentile(latencies, 0.5), 2), pg_claim_call_p99_ms: round(percentile(latencies, 0.99), 2), pg_claims: latencies.length };
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
}

/**
 * The PostgreSQL benchmarks on a throwaway server, stopped at the end, also on an error or Ctrl+C. Without
 * PostgreSQL they are skipped, and the one result says why.
 */
/** The parts of `--only pg`, each of which `--pg-parts` may pick alone (the runs table seeds 10,000 runs first). */
export const PG_PARTS = ['logging', 'table', 'claims', 'distributed'] as const;
export type PgPart = (typeof PG_PARTS)[number];

export async function benchPostgres(rounds: number, say: (text: string) => void, parts: ReadonlySet<PgPart> = new Set(PG_PARTS)): Promise<Record<string, number | string>> {
  const server = await startPostgres();
  const { socketDir, port, reason } = server.info;
  if (socketDir === null || port === null) return { pg_skipped: reason ?? 'no PostgreSQL server' };
  const onSignal = () => {
    server.stop();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('exit', server.stop);
  try {
    const bench = new BenchServer(socketDir, port);
    const results: Record<string, number> = {};
    if (parts.has('logging')) {
      say('  pg logging: logBatch vs raw INSERT ... unnest of the same batches...');
      Object.assign(results, await benchPgLogging(bench, rounds));
    }
    if (parts.has('table')) {
      say('  pg runs table: queryRuns vs raw SQL, first page of 10,000 runs sorted by a metric (seeding first)...');
      Object.assign(results, await benchPgRunsTable(bench, rounds));
    }
    if (parts.has('claims')) {
      say('  pg claims: three workers claiming the trials of one sweep...');
      Object.assign(results, await benchClaimLatency(bench, rounds));
    }
    if (parts.has('distributed')) {
      say('  pg distributed sweep: two runboard workers vs one, beside two bare model.fit processes vs one...');
      Object.assign(results, await benchDistributedSweep(bench, Math.max(3, Math.min(rounds, 5))));
    }
    return results;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('exit', server.stop);
    server.stop();
  }
}
