import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg, { type Pool, type PoolClient } from 'pg';
import { AppError } from '../../../src-shared/api/errors';
import { downsample } from '../../../src-shared/downsample';
import type { MetricPoint, MetricSeries, RunOutcome, RunSource, RunStatus, RunSummary } from '../../../src-shared/entities/run';
import { localFilesDir, maskPassword, type ServerLocation } from '../../paths';
import { ColumnCache, KNOWN_COLUMN_QUERIES, planRunsPage, type RunQuery } from '../run-query';
import type {
  CreateRunInput,
  EpochInput,
  ExperimentRecord,
  ExternalLogEntry,
  ExternalRunChange,
  ExternalRunInput,
  ImportedRun,
  MetricPointInput,
  RunDetail,
  RunFilter,
  RunRecord,
  RunStore,
} from '../run-store';
import { decodeMetric, runSummaryFromRow, type SummaryRow } from '../run-summaries';
import { REQUEST_RUN_STOP_SQL, RUN_STOP_REQUESTED_SQL } from '../run-statements';
import { postgresDialect, type SqlDialect } from '../sql-dialect';
import { encodeBatch, encodeParam, summarisePoints, type PointsSummary, type StoredPoint } from '../stored-values';
import { orphanedRuns, thisProcessOwner, type ProcessOwner } from '../process-owner';
import { connectionConfig, describeConnectionError, settleTls, type ServerIdentity, type SslMode } from './connection';
import { LATEST_POSTGRES_SCHEMA_VERSION } from './postgres-migrations';
import { migratePostgres } from './postgres-migrate';
import { PostgresAnnotations } from './postgres-annotations';
import { PostgresCopies } from './postgres-copies';
import { PostgresExternalRuns } from './postgres-external-runs';
import { PostgresSweeps } from './postgres-sweeps';
import { NUMBER_TYPES, arrays, column, describePostgresError, query, transaction, value, type Queryable } from './session';

/** The channel every store's write announces itself on (payload: the writing store's id), for other hosts' UIs. */
const CHANGES_CHANNEL = 'runboard_changed';
/** A lost LISTEN connection is made again after this wait, doubled each time it fails, up to the last. */
const LISTEN_RETRY_FIRST_MS = 500;
const LISTEN_RETRY_MAX_MS = 10_000;

/** The upsert of a batch's per-key summaries: the last value is the one of the highest step, latest time within it. */
const LATER = '(excluded.last_step > s.last_step OR (excluded.last_step = s.last_step AND excluded.last_time >= coalesce(s.last_time, 0)))';
const UPSERT_SUMMARIES = `
  INSERT INTO metric_summaries AS s (run_id, key, last_step, last_value, last_special, last_time, min_value, max_value, count)
  SELECT ?, * FROM unnest(?::text[], ?::bigint[], ?::double precision[], ?::text[], ?::bigint[], ?::double precision[], ?::double precision[], ?::bigint[])
  ON CONFLICT (run_id, key) DO UPDATE SET
    last_value = CASE WHEN ${LATER} THEN excluded.last_value ELSE s.last_value END,
    last_special = CASE WHEN ${LATER} THEN excluded.last_special ELSE s.last_special END,
    last_time = CASE WHEN ${LATER} THEN excluded.last_time ELSE s.last_time END,
    last_step = CASE WHEN ${LATER} THEN excluded.last_step ELSE s.last_step END,
    min_value = CASE WHEN excluded.min_value IS NULL THEN s.min_value WHEN s.min_value IS NULL THEN excluded.min_value ELSE least(s.min_value, excluded.min_value) END,
    max_value = CASE WHEN excluded.max_value IS NULL THEN s.max_value WHEN s.max_value IS NULL THEN excluded.max_value ELSE greatest(s.max_value, excluded.max_value) END,
    count = s.count + excluded.count`;

/** The runs table's rows for a WHERE clause over `runs r`, newest first: the columns of `SummaryRow`, in its order. */
function summariesSql(where: string): string {
  return `
    SELECT r.id, r.name, e.name AS experiment, r.status, r.backend, r.device, r.parent_run_id, r.seed, r.created_at, r.started_at, r.ended_at, r.error,
      r.kind, r.outcome, r.sweep_id, r.trial,
      CASE WHEN r.sweep_id IS NULL THEN NULL ELSE (SELECT count(*) FROM runs o WHERE o.sweep_id = r.sweep_id AND o.trial = r.trial AND o.id <= r.id) END AS attempt,
      r.notes, r.archived, CASE WHEN r.deleted_at IS NULL THEN 0 ELSE 1 END AS deleted,
      (SELECT json_object_agg(t.key, t.value) FROM tags t WHERE t.run_id = r.id) AS tags,
      (SELECT json_object_agg(p.key, CASE p.type WHEN 'number' THEN to_json(p.num_value) WHEN 'string' THEN to_json(p.text_value)
                                                 WHEN 'boolean' THEN to_json(p.num_value = 1) ELSE 'null'::json END)
         FROM params p WHERE p.run_id = r.id) AS params,
      (SELECT json_agg(json_build_array(m.key, m.last_step, m.last_value, m.last_special, m.min_value, m.max_value))
         FROM metric_summaries m WHERE m.run_id = r.id) AS summaries,
      r.source
    FROM runs r JOIN experiments e ON e.id = r.experiment_id
    ${where ? `WHERE ${where}` : ''}
    ORDER BY r.id DESC`;
}

/**
 * The PostgreSQL implementation of `RunStore` (node-postgres, a pool): for a team, several machines logging into one
 * database. Each method is one transaction; a batch of points is one statement per table (`unnest` of arrays); every
 * write announces itself with NOTIFY, which other hosts' `watchExternalChanges` hear.
 */
export class PostgresStore implements RunStore {
  readonly path: string;
  readonly filesDir: string;
  readonly schemaVersion: number;
  readonly sweeps: PostgresSweeps;
  readonly annotations: PostgresAnnotations;
  /** Whole runs and sweeps for `runboard db copy`. */
  readonly copies: PostgresCopies;
  private readonly external: PostgresExternalRuns;
  private readonly columnCache: ColumnCache;
  /** This store's id in change notifications, so it does not take its own writes for another's. */
  private readonly instance = randomUUID();
  private readonly listeners = new Set<() => void>();
  private listener: pg.Client | null = null;
  private closed = false;
  /** Writes and reads under way, which `close` lets finish before it ends the pool. */
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(
    private readonly pool: Pool,
    private readonly identity: ServerIdentity,
    private readonly config: pg.PoolConfig,
    private readonly sslmode: SslMode,
    location: ServerLocation,
    schemaVersion: number,
    /** How filters and sorts are written for this server (whether it has ICU's collation). */
    private readonly dialect: SqlDialect,
  ) {
    this.path = maskPassword(location.url);
    this.filesDir = localFilesDir(location);
    this.schemaVersion = schemaVersion;
    const write = <T>(body: (client: PoolClient) => Promise<T>, announce?: boolean) => this.write(body, announce);
    this.sweeps = new PostgresSweeps(pool, write);
    this.annotations = new PostgresAnnotations(write);
    this.copies = new PostgresCopies(pool, write, (body) => this.use(() => transaction(pool, body, { readOnly: true })), this.path);
    this.external = new PostgresExternalRuns(pool, write, (client, runId, points, firstStep) => this.writePoints(client, runId, points, firstStep));
    const names = async (sql: string) => new Set(await column<string>(pool, sql));
    this.columnCache = new ColumnCache(async () => ({ params: await names(KNOWN_COLUMN_QUERIES.params), metrics: await names(KNOWN_COLUMN_QUERIES.metrics), tags: await names(KNOWN_COLUMN_QUERIES.tags) }));
  }

  /**
   * Connects (credentials from the URL, PGPASSWORD or ~/.pgpass), migrates under an advisory lock, and marks runs and
   * sweeps orphaned by a dead process of this host as `interrupted`.
   * @throws AppError(DB_UNREACHABLE) naming the server when it cannot be reached or refuses the login;
   *   AppError(DB_TOO_NEW) for a database of a newer Runboard.
   */
  static async open(location: ServerLocation, env: NodeJS.ProcessEnv = process.env): Promise<PostgresStore> {
    const { config, identity, sslmode } = connectionConfig(location.url, env);
    let poolConfig: pg.PoolConfig = { ...config, types: NUMBER_TYPES, max: 8, connectionTimeoutMillis: 15_000, application_name: config.application_name ?? 'runboard' };
    try {
      poolConfig = await settleTls(poolConfig, sslmode);
    } catch (error) {
      throw describeConnectionError(error, identity, sslmode);
    }
    const pool = new pg.Pool(poolConfig);
    // An idle client that loses its server is replaced by the pool; the next statement says what went wrong.
    pool.on('error', () => undefined);
    const where = `the database "${identity.database}" on ${maskPassword(location.url)}`;
    try {
      const version = await migratePostgres(pool, where);
      const icu = (await value<boolean>(pool, "SELECT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu')")) === true;
      const store = new PostgresStore(pool, identity, poolConfig, sslmode, location, version, postgresDialect(icu));
      await store.recoverInterruptedRuns();
      await store.sweeps.recoverInterrupted();
      return store;
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw describeConnectionError(error, identity, sslmode);
    }
  }

  /** The pool, for benchmarks and tests that compare against raw SQL. */
  get connection(): Pool {
    return this.pool;
  }

  /**
   * Runs work on the pool unless the store is closed, keeping it in `pending` until it settles; the pool's and the
   * server's failures become the store's errors.
   */
  private async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new AppError('INTERNAL', 'The database is closed.');
    const running = work();
    this.pending.add(running);
    try {
      return await running;
    } catch (error) {
      throw describePostgresError(describeConnectionError(error, this.identity, this.sslmode), this.path);
    } finally {
      this.pending.delete(running);
    }
  }

  /**
   * One transaction that announces itself to other hosts when it commits (unless `announce` is false: a worker's
   * heartbeat or claim, which no other host needs to hear of, and which would otherwise wake every idle worker);
   * database failures become the store's errors.
   */
  private write<T>(body: (client: PoolClient) => Promise<T>, announce = true): Promise<T> {
    const notify = (client: PoolClient) => query(client, 'SELECT pg_notify(?, ?)', [CHANGES_CHANNEL, this.instance]).then(() => undefined);
    return this.use(() => transaction(this.pool, body, announce ? { notify } : {}));
  }

  /** A read on the pool; failures become the store's errors. */
  private read<T>(body: (on: Queryable) => Promise<T>): Promise<T> {
    return this.use(() => body(this.pool));
  }

  async createRun(input: CreateRunInput): Promise<RunSummary> {
    const owner = thisProcessOwner();
    const id = await this.write(async (client) => {
      await query(client, 'INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [input.experiment, Date.now()]);
      if (input.parentRunId != null && (await query(client, 'SELECT 1 FROM runs WHERE id = ?', [input.parentRunId])).length === 0) {
        throw new AppError('NOT_FOUND', `Parent run ${input.parentRunId} does not exist.`);
      }
      const runId = (await value<number>(
        client,
        `INSERT INTO runs (experiment_id, name, status, kind, backend, seed, config, parent_run_id, sweep_id, trial, created_at, owner_host, owner_pid, owner_started, owner_boot)
         VALUES ((SELECT id FROM experiments WHERE name = ?), ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [
          input.experiment,
          input.name?.trim() || '',
          input.kind ?? 'train',
          input.backend,
          input.seed,
          JSON.stringify(input.config),
          input.parentRunId ?? null,
          input.sweep?.sweepId ?? null,
          input.sweep?.trial ?? null,
          Date.now(),
          owner.owner_host,
          owner.owner_pid,
          owner.owner_started,
          owner.owner_boot,
        ],
      )) as number;
      if (!input.name?.trim()) await query(client, 'UPDATE runs SET name = ? WHERE id = ?', [input.sweep ? `sweep${input.sweep.sweepId}-trial${input.sweep.trial}` : `${input.dataset ?? 'run'}-${runId}`, runId]);
      if (input.sweep) await query(client, 'UPDATE sweep_trials SET run_id = ? WHERE sweep_id = ? AND trial = ?', [runId, input.sweep.sweepId, input.sweep.trial]);
      const params = Object.entries(input.params).map(([key, v]) => [key, ...encodeParam(v)] as const);
      if (params.length > 0) {
        await query(client, 'INSERT INTO params (run_id, key, type, num_value, text_value) SELECT ?, * FROM unnest(?::text[], ?::text[], ?::double precision[], ?::text[])', [
          runId,
          params.map((p) => p[0]),
          params.map((p) => p[1]),
          params.map((p) => p[2]),
          params.map((p) => p[3]),
        ]);
      }
      return runId;
    });
    return (await this.getRun(id)) as RunSummary;
  }

  async markRunning(runId: number, started: { backend: string; device: string; time: number }): Promise<void> {
    await this.write((client) => query(client, "UPDATE runs SET status = 'running', backend = ?, device = ?, started_at = ? WHERE id = ? AND status = 'queued'", [started.backend, started.device, started.time, runId]));
  }

  async logEpoch(runId: number, epoch: EpochInput): Promise<void> {
    return this.logBatch(
      runId,
      Object.entries(epoch.metrics).map(([key, v]) => ({ key, step: epoch.step, value: v, time: epoch.time })),
    );
  }

  /**
   * One transaction, one statement per table: the points (`unnest` of arrays) and the per-key summaries of the points
   * inserted now, so a batch logged again (a retry after a commit whose reply was lost) adds nothing.
   */
  async logBatch(runId: number, points: readonly MetricPointInput[]): Promise<void> {
    if (points.length === 0) return;
    encodeBatch(points, 1); // refuses a bad step before a connection is taken
    await this.write((client) => this.writePoints(client, runId, points, 1));
  }

  private async writePoints(client: PoolClient, runId: number, points: readonly MetricPointInput[], firstStep: 0 | 1): Promise<void> {
    const rows = encodeBatch(points, firstStep);
    const inserted = await query<StoredPoint>(
      client,
      `INSERT INTO metrics (run_id, key, step, value, special, wall_time)
       SELECT ?, * FROM unnest(?::text[], ?::bigint[], ?::double precision[], ?::text[], ?::bigint[])
       ON CONFLICT (run_id, step, key, wall_time) DO NOTHING
       RETURNING key, step, value, special, wall_time AS time`,
      [runId, rows.map((r) => r.key), rows.map((r) => r.step), rows.map((r) => r.value), rows.map((r) => r.special), rows.map((r) => r.time)],
    );
    if (inserted.length === 0) return;
    const summaries = summarisePoints(inserted);
    const keys = [...summaries.keys()];
    const s = keys.map((key) => summaries.get(key) as PointsSummary);
    await query(client, UPSERT_SUMMARIES, [
      runId,
      keys,
      s.map((m) => m.step),
      s.map((m) => m.value),
      s.map((m) => m.special),
      s.map((m) => m.time),
      s.map((m) => m.min),
      s.map((m) => m.max),
      s.map((m) => m.count),
    ]);
  }

  async requestStop(runId: number): Promise<boolean> {
    return this.write(async (client) => (await query(client, `${REQUEST_RUN_STOP_SQL} RETURNING id`, [runId])).length === 1);
  }

  async stopRequested(runId: number): Promise<boolean> {
    return (await this.read((on) => value<number>(on, RUN_STOP_REQUESTED_SQL, [runId]))) === 1;
  }

  async endRun(runId: number, end: { status: Exclude<RunStatus, 'queued' | 'running'>; time: number; error?: string | null; outcome?: RunOutcome | null }): Promise<void> {
    await this.write((client) =>
      query(client, "UPDATE runs SET status = ?, ended_at = ?, error = ?, outcome = coalesce(?, outcome) WHERE id = ? AND status IN ('queued','running')", [
        end.status,
        end.time,
        end.error ?? null,
        end.outcome ? JSON.stringify(end.outcome) : null,
        runId,
      ]),
    );
  }

  async putArtifact(runId: number, name: string, data: unknown): Promise<void> {
    await this.write((client) =>
      query(client, 'INSERT INTO run_artifacts (run_id, name, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, name) DO UPDATE SET data = excluded.data, created_at = excluded.created_at', [
        runId,
        name,
        JSON.stringify(data),
        Date.now(),
      ]),
    );
  }

  async getArtifact(runId: number, name: string): Promise<unknown> {
    const text = await this.read((on) => value<string>(on, 'SELECT data FROM run_artifacts WHERE run_id = ? AND name = ?', [runId, name]));
    return text === undefined ? null : (JSON.parse(text) as unknown);
  }

  private async summaries(on: Queryable, where: string, args: readonly unknown[]): Promise<RunSummary[]> {
    const rows = await arrays(on, summariesSql(where), args);
    const now = Date.now();
    return rows.map((row) => {
      // outcome and source are JSON text (json and jsonb columns come parsed).
      row[13] = row[13] === null ? null : (JSON.parse(row[13] as string) as RunOutcome);
      row[23] = row[23] === null ? null : (JSON.parse(row[23] as string) as RunSource);
      return runSummaryFromRow(row as SummaryRow, now);
    });
  }

  async getRun(runId: number): Promise<RunDetail | null> {
    return this.read(async (on) => {
      const [summary] = await this.summaries(on, 'r.id = ?', [runId]);
      if (!summary) return null;
      const config = JSON.parse((await value<string>(on, 'SELECT config FROM runs WHERE id = ?', [runId])) ?? '{}') as Record<string, unknown>;
      return { ...summary, config };
    });
  }

  async listRuns(filter: RunFilter = {}): Promise<RunSummary[]> {
    const clauses: string[] = ['r.deleted_at IS NULL'];
    const args: unknown[] = [];
    if (filter.experiment !== undefined) {
      clauses.push('r.experiment_id = (SELECT id FROM experiments WHERE name = ?)');
      args.push(filter.experiment);
    }
    if (filter.sweepId !== undefined) {
      clauses.push('r.sweep_id = ?');
      args.push(filter.sweepId);
    }
    if (filter.runIds !== undefined) {
      clauses.push('r.id = ANY(?::bigint[])');
      args.push(filter.runIds);
    }
    return this.read((on) => this.summaries(on, clauses.join(' AND '), args));
  }

  async queryRuns(query_: RunQuery): Promise<{ runs: RunSummary[]; total: number }> {
    const plan = await planRunsPage(query_, this.columnCache, this.dialect);
    // One snapshot: the page, the count and the rows agree.
    return this.use(() =>
      transaction(
        this.pool,
        async (client) => {
          const ids = await column<number>(client, plan.ids.sql, plan.ids.args);
          const total = (await value<number>(client, plan.total.sql, plan.total.args)) ?? 0;
          const byId = new Map((await this.summaries(client, 'r.id = ANY(?::bigint[])', [ids])).map((run) => [run.run_id, run]));
          return { runs: ids.map((id) => byId.get(id)).filter((run): run is RunSummary => run !== undefined), total };
        },
        { readOnly: true },
      ),
    );
  }

  async columns(): Promise<{ params: string[]; metrics: string[]; tags: string[] }> {
    const known = await this.read(() => this.columnCache.refresh());
    const sorted = (names: ReadonlySet<string>) => [...names].sort();
    return { params: sorted(known.params), metrics: sorted(known.metrics), tags: sorted(known.tags) };
  }

  async listExperiments(): Promise<{ id: number; name: string; run_count: number }[]> {
    return this.read((on) =>
      query<{ id: number; name: string; run_count: number }>(
        on,
        'SELECT e.id, e.name, (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id AND r.deleted_at IS NULL) AS run_count FROM experiments e ORDER BY e.name COLLATE "C"',
      ),
    );
  }

  async getMetrics(runIds: readonly number[], keys: readonly string[] | undefined, maxPoints: number | null, afterStep?: number): Promise<MetricSeries[]> {
    if (runIds.length === 0) return [];
    const rows = await this.read((on) =>
      query<{ run_id: number; key: string; step: number; value: number | null; special: string | null; wall_time: number }>(
        on,
        `SELECT run_id, key, step, value, special, wall_time FROM metrics WHERE run_id = ANY(?::bigint[]) ${keys ? 'AND key = ANY(?::text[])' : ''} AND step > ? ORDER BY run_id, key, step, wall_time`,
        keys ? [runIds, keys, afterStep ?? Number.MIN_SAFE_INTEGER] : [runIds, afterStep ?? Number.MIN_SAFE_INTEGER],
      ),
    );
    const series = new Map<string, MetricPoint[]>();
    for (const row of rows) {
      const id = `${row.run_id}\u0000${row.key}`;
      let points = series.get(id);
      if (!points) series.set(id, (points = []));
      points.push({ step: row.step, value: decodeMetric(row.value, row.special), time: row.wall_time });
    }
    const out: MetricSeries[] = [];
    for (const runId of runIds) {
      const runKeys = keys ?? [...new Set(rows.filter((r) => r.run_id === runId).map((r) => r.key))].sort();
      for (const key of runKeys) {
        const points = series.get(`${runId}\u0000${key}`) ?? [];
        if (points.length === 0 && (keys || afterStep !== undefined)) continue;
        const kept = maxPoints === null ? points : downsample(points, maxPoints, (p) => (typeof p.value === 'number' ? p.value : NaN));
        out.push({ run_id: runId, key, points: kept, downsampled: kept.length < points.length });
      }
    }
    return out;
  }

  /** Runs left `queued` or `running` by a process of this host that is gone become `interrupted`. */
  async recoverInterruptedRuns(): Promise<number[]> {
    const candidates = await this.read((on) =>
      query<{ id: number } & ProcessOwner>(on, "SELECT id, owner_host, owner_pid, owner_started, owner_boot FROM runs WHERE status IN ('queued','running') AND kind != 'external'"),
    );
    const orphaned = orphanedRuns(candidates, hostname());
    if (orphaned.length === 0) return [];
    await this.write(async (client) => {
      for (const run of orphaned) {
        await query(
          client,
          `UPDATE runs SET status = 'interrupted', error = ?,
             ended_at = coalesce((SELECT max(wall_time) FROM metrics m WHERE m.run_id = runs.id), started_at, created_at)
           WHERE id = ? AND status IN ('queued','running')`,
          [`The process that ran it (pid ${run.owner_pid ?? '?'}) ended before the run did.`, run.id],
        );
      }
    });
    return orphaned.map((run) => run.id);
  }

  async createExperiment(name: string): Promise<ExperimentRecord> {
    return this.external.createExperiment(name, Date.now());
  }

  async findExperiment(ref: { id: number } | { name: string }): Promise<ExperimentRecord | null> {
    return this.read(() => this.external.findExperiment(ref));
  }

  async createExternalRun(input: ExternalRunInput): Promise<RunSummary> {
    const runId = await this.external.create(input, Date.now());
    return (await this.getRun(runId)) as RunSummary;
  }

  async updateExternalRun(runId: number, change: ExternalRunChange, heardAt: number): Promise<RunSummary> {
    await this.external.update(runId, change, heardAt);
    return (await this.getRun(runId)) as RunSummary;
  }

  async logExternal(runId: number, entry: ExternalLogEntry, heardAt: number): Promise<void> {
    await this.external.log(runId, entry, heardAt);
  }

  async importRun(run: ImportedRun): Promise<{ runId: number; created: boolean }> {
    return this.external.importRun(run);
  }

  async interruptSilentRuns(heardBefore: number): Promise<number[]> {
    const minutes = Math.round((Date.now() - heardBefore) / 60_000);
    return this.external.interruptSilent(heardBefore, `Its script was not heard from for ${minutes} minute${minutes === 1 ? '' : 's'}: it ended without ending the run (a crash, or a kill).`);
  }

  async runRecords(runIds: readonly number[]): Promise<RunRecord[]> {
    return this.read(() => this.external.records(runIds));
  }

  /**
   * Hears other stores' writes through LISTEN on one connection of its own (no table is polled). Notifications that
   * come in a burst (an epoch of each of many runs) are told once per 200 ms. A connection lost (the server restarted)
   * is made again, with growing waits, and the listeners are told once it is back, since writes meanwhile went unheard.
   */
  watchExternalChanges(onChange: () => void): () => void {
    this.listeners.add(onChange);
    if (!this.listener) void this.listen(LISTEN_RETRY_FIRST_MS);
    return () => {
      this.listeners.delete(onChange);
    };
  }

  /** Listens on a new connection; `afterLoss`: it replaces a lost one (`waitMs`: the wait before the next try). */
  private async listen(waitMs: number, afterLoss = false): Promise<void> {
    const client = new pg.Client({ ...this.config, types: NUMBER_TYPES });
    this.listener = client;
    let pending: NodeJS.Timeout | null = null;
    const tell = () => {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        for (const listener of this.listeners) listener();
      }, 200);
      pending.unref();
    };
    client.on('notification', (message) => {
      if (message.payload !== this.instance) tell();
    });
    let connected = false;
    let lost = false;
    const again = (why: string) => {
      if (lost || this.closed || this.listener !== client) return;
      lost = true;
      // Said once per outage, not at every try.
      if (connected || !afterLoss) console.error(`runboard: stopped hearing changes from ${this.path} (${why}); listening again once it answers`);
      void client.end().catch(() => undefined);
      const next = connected ? LISTEN_RETRY_FIRST_MS : waitMs;
      const timer = setTimeout(() => {
        if (!this.closed && this.listener === client) void this.listen(Math.min(next * 2, LISTEN_RETRY_MAX_MS), true);
      }, next);
      timer.unref();
    };
    client.on('error', (error) => again(error.message));
    client.on('end', () => again('the connection ended'));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
      connected = true;
      if (afterLoss) {
        console.error(`runboard: hearing changes from ${this.path} again`);
        // What was written meanwhile went unheard.
        tell();
      }
    } catch (error) {
      again((describeConnectionError(error, this.identity, this.sslmode) as Error).message);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // What was asked before the close is done (or fails) first: ending the pool would leave it waiting for a connection.
    await Promise.allSettled([...this.pending]);
    this.listeners.clear();
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}

export { LATEST_POSTGRES_SCHEMA_VERSION };
