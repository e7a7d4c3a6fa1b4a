import { hostname } from 'node:os';
import type { Database, Transaction } from 'better-sqlite3';
import { AppError } from '../../src-shared/api/errors';
import { downsample } from '../../src-shared/downsample';
import type { MetricPoint, MetricSeries, RunOutcome, RunStatus, RunSummary } from '../../src-shared/entities/run';
import { localFilesDir, type FileLocation } from '../paths';
import { describeSqliteError, openDatabase, type OpenOptions } from './open-database';
import { RunAnnotations } from './run-annotations';
import { ColumnCache, KNOWN_COLUMN_QUERIES, planRunsPage, type RunQuery } from './run-query';
import { SQLITE_DIALECT } from './sql-dialect';
import { RunSummaryReader, decodeMetric } from './run-summaries';
import { prepareStatements } from './run-statements';
import { SweepTable } from './sweep-store';
import { SqliteTrialClaims } from './trial-claims';
import { encodeBatch, encodeParam, summarisePoints } from './stored-values';
import { orphanedRuns, thisProcessOwner, type ProcessOwner } from './process-owner';
import { ExternalRuns } from './external-runs';
import { SqliteCopies } from './sqlite-copies';
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
} from './run-store';


/** How often a UI host looks whether another process wrote to the database file. */
const EXTERNAL_CHANGE_POLL_MS = 1000;

/** The SQLite implementation of `RunStore` (better-sqlite3: synchronous, prepared once, `BEGIN IMMEDIATE` for writers). */
export class SqliteStore implements RunStore {
  readonly path: string;
  readonly filesDir: string;
  readonly schemaVersion: number;
  readonly backupPath: string | null;
  private readonly db: Database;
  private readonly statements: ReturnType<typeof prepareStatements>;
  /** One batch's rows: a savepoint inside the group transaction, so it commits or rolls back as a whole. */
  private readonly writeBatch: (runId: number, points: readonly MetricPointInput[], firstStep?: 0 | 1) => void;
  /** Runs a callback in a transaction; created once (better-sqlite3 transaction wrappers are not free). */
  private readonly inTransaction: Transaction<(body: () => unknown) => unknown>;
  private readonly pendingBatches: { runId: number; points: readonly MetricPointInput[]; resolve(): void; reject(error: unknown): void }[] = [];
  private readonly summaries: RunSummaryReader;
  /** Sweeps and their trials, on the same connection and writer. */
  readonly sweeps: SweepTable;
  /** Tags, notes, archiving and deletion. */
  readonly annotations: RunAnnotations;
  /** Whole runs and sweeps for `runboard db copy`. */
  readonly copies: SqliteCopies;
  private readonly columnCache: ColumnCache;
  /** Runs logged from scripts and imported ones. */
  private readonly external: ExternalRuns;
  private closed = false;

  private constructor(db: Database, path: string, schemaVersion: number, backupPath: string | null) {
    this.db = db;
    this.path = path;
    this.filesDir = localFilesDir({ path, explicit: true });
    this.schemaVersion = schemaVersion;
    this.backupPath = backupPath;
    this.statements = prepareStatements(db);
    this.inTransaction = db.transaction((body: () => unknown) => body());
    this.sweeps = new SweepTable(db, (body) => this.write(body), new SqliteTrialClaims(db, (body) => this.write(body)));
    this.annotations = new RunAnnotations(db, (body) => this.write(body));
    this.copies = new SqliteCopies(db, (body) => this.write(body), path);
    const names = (sql: string) => new Set(db.prepare(sql).pluck().all() as string[]);
    this.columnCache = new ColumnCache(() => ({ params: names(KNOWN_COLUMN_QUERIES.params), metrics: names(KNOWN_COLUMN_QUERIES.metrics), tags: names(KNOWN_COLUMN_QUERIES.tags) }));
    this.summaries = new RunSummaryReader(db);
    const s = this.statements;
    // Epochs count from 1; an external run's steps from 0, as MLflow's and TensorBoard's do.
    this.writeBatch = db.transaction((runId: number, points: readonly MetricPointInput[], firstStep: 0 | 1 = 1) => {
      // Only the points inserted now are summarised: a batch logged again adds nothing (see `summarisePoints`).
      const inserted = encodeBatch(points, firstStep).filter((row) => s.insertMetric.run(runId, row.key, row.step, row.value, row.special, row.time).changes === 1);
      for (const [key, m] of summarisePoints(inserted)) s.upsertSummary.run(runId, key, m.step, m.value, m.special, m.time, m.min, m.max, m.count);
    });
    this.external = new ExternalRuns(db, (body) => this.write(body), (runId, points) => this.writeBatch(runId, points, 0));
  }

  /** Opens the database (see `openDatabase` for what it refuses). Runs orphaned by a dead process become `interrupted`. */
  static open(location: FileLocation, options: OpenOptions = {}): SqliteStore {
    const opened = openDatabase(location, options);
    const store = new SqliteStore(opened.db, opened.path, opened.schemaVersion, opened.backupPath);
    store.recoverSync();
    store.sweeps.recoverInterruptedSync();
    return store;
  }

  /** The connection, for benchmarks and tests that compare against raw SQL. */
  get connection(): Database {
    return this.db;
  }

  async createRun(input: CreateRunInput): Promise<RunSummary> {
    const id = this.write(() => {
      const s = this.statements;
      s.insertExperiment.run(input.experiment, Date.now());
      const experiment = s.experimentByName.get(input.experiment) as { id: number };
      if (input.parentRunId != null && !s.runExists.get(input.parentRunId)) {
        throw new AppError('NOT_FOUND', `Parent run ${input.parentRunId} does not exist.`);
      }
      const result = s.insertRun.run({
        experiment_id: experiment.id,
        name: input.name?.trim() || '',
        status: 'queued',
        kind: input.kind ?? 'train',
        backend: input.backend,
        seed: input.seed,
        config: JSON.stringify(input.config),
        parent_run_id: input.parentRunId ?? null,
        sweep_id: input.sweep?.sweepId ?? null,
        trial: input.sweep?.trial ?? null,
        created_at: Date.now(),
        ...thisProcessOwner(),
      });
      const runId = Number(result.lastInsertRowid);
      if (!input.name?.trim()) s.renameRun.run(input.sweep ? `sweep${input.sweep.sweepId}-trial${input.sweep.trial}` : `${input.dataset ?? 'run'}-${runId}`, runId);
      if (input.sweep) s.setTrialRun.run(runId, input.sweep.sweepId, input.sweep.trial);
      for (const [key, value] of Object.entries(input.params)) {
        const [type, num, text] = encodeParam(value);
        s.insertParam.run(runId, key, type, num, text);
      }
      return runId;
    });
    return (await this.getRun(id)) as RunSummary;
  }

  async markRunning(runId: number, started: { backend: string; device: string; time: number }): Promise<void> {
    this.write(() => this.statements.markRunning.run(started.backend, started.device, started.time, runId));
  }

  async logEpoch(runId: number, epoch: EpochInput): Promise<void> {
    return this.logBatch(
      runId,
      Object.entries(epoch.metrics).map(([key, value]) => ({ key, step: epoch.step, value, time: epoch.time })),
    );
  }

  /**
   * Commits a batch of points all or nothing. Batches logged in the same tick (parallel runs of a sweep) share
   * one transaction, each inside its own savepoint, so a bad batch fails alone while the others commit together.
   */
  logBatch(runId: number, points: readonly MetricPointInput[]): Promise<void> {
    if (points.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pendingBatches.push({ runId, points, resolve, reject });
      if (this.pendingBatches.length === 1) queueMicrotask(() => this.flushBatches());
    });
  }

  private flushBatches(): void {
    const batches = this.pendingBatches.splice(0);
    if (batches.length === 0) return;
    const failures: (unknown | null)[] = [];
    try {
      this.write(() => {
        for (const { runId, points } of batches) {
          try {
            this.writeBatch(runId, points);
            failures.push(null);
          } catch (error) {
            failures.push(error);
          }
        }
      });
    } catch (error) {
      for (const batch of batches) batch.reject(error);
      return;
    }
    batches.forEach((batch, i) => {
      const failure = failures[i];
      if (failure === null) batch.resolve();
      else batch.reject(failure instanceof AppError || !(failure as { code?: string }).code?.startsWith('SQLITE_') ? failure : describeSqliteError(failure, this.path));
    });
  }

  async requestStop(runId: number): Promise<boolean> {
    return this.write(() => this.statements.requestStop.run(runId).changes === 1);
  }

  async stopRequested(runId: number): Promise<boolean> {
    return this.statements.stopRequested.get(runId) === 1;
  }

  async endRun(runId: number, end: { status: Exclude<RunStatus, 'queued' | 'running'>; time: number; error?: string | null; outcome?: RunOutcome | null }): Promise<void> {
    this.write(() => this.statements.endRun.run(end.status, end.time, end.error ?? null, end.outcome ? JSON.stringify(end.outcome) : null, runId));
  }

  async putArtifact(runId: number, name: string, data: unknown): Promise<void> {
    this.write(() => this.statements.putArtifact.run(runId, name, JSON.stringify(data), Date.now()));
  }

  async getArtifact(runId: number, name: string): Promise<unknown> {
    const text = this.statements.getArtifact.pluck().get(runId, name) as string | undefined;
    return text === undefined ? null : (JSON.parse(text) as unknown);
  }

  async getRun(runId: number): Promise<RunDetail | null> {
    const [summary] = this.summaries.read('r.id = ?', [runId]);
    if (!summary) return null;
    const config = JSON.parse((this.statements.configOfRun.get(runId) as { config: string }).config) as Record<string, unknown>;
    return { ...summary, config };
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
      clauses.push('r.id IN (SELECT value FROM json_each(?))');
      args.push(JSON.stringify(filter.runIds));
    }
    return this.summaries.read(clauses.join(' AND '), args);
  }

  /** One page of the runs table: filtered, sorted, with the total count of matching runs. */
  async queryRuns(query: RunQuery): Promise<{ runs: RunSummary[]; total: number }> {
    const plan = await planRunsPage(query, this.columnCache, SQLITE_DIALECT);
    const read = this.db.transaction(() => {
      const ids = this.db.prepare(plan.ids.sql).pluck().all(...plan.ids.args) as number[];
      const total = this.db.prepare(plan.total.sql).pluck().get(...plan.total.args) as number;
      const byId = new Map(this.summaries.read('r.id IN (SELECT value FROM json_each(?))', [JSON.stringify(ids)]).map((run) => [run.run_id, run]));
      return { runs: ids.map((id) => byId.get(id)).filter((run): run is RunSummary => run !== undefined), total };
    });
    return read.deferred();
  }

  /**
   * SQLite's data version: it changes when another connection (another process) commits, not for our own writes.
   * Polled by `watchExternalChanges`.
   */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Polls SQLite's data version every `intervalMs` (a file has no way to announce another process's commit). */
  watchExternalChanges(onChange: () => void, intervalMs = EXTERNAL_CHANGE_POLL_MS): () => void {
    let lastVersion = this.dataVersion();
    const timer = setInterval(() => {
      if (this.closed) return;
      const version = this.dataVersion();
      if (version === lastVersion) return;
      lastVersion = version;
      onChange();
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Param, metric and tag names that runs have logged (for filter checks and completion). */
  async columns(): Promise<{ params: string[]; metrics: string[]; tags: string[] }> {
    const known = await this.columnCache.refresh();
    return { params: [...known.params].sort(), metrics: [...known.metrics].sort(), tags: [...known.tags].sort() };
  }

  async listExperiments(): Promise<{ id: number; name: string; run_count: number }[]> {
    return this.statements.experiments.all() as { id: number; name: string; run_count: number }[];
  }

  async getMetrics(runIds: readonly number[], keys: readonly string[] | undefined, maxPoints: number | null, afterStep?: number): Promise<MetricSeries[]> {
    const s = this.statements;
    const read = this.db.transaction(() => {
      const out: MetricSeries[] = [];
      for (const runId of runIds) {
        const runKeys = keys ?? (s.metricKeysOfRun.pluck().all(runId) as string[]);
        for (const key of runKeys) {
          const rows = s.seriesOf.raw(true).all(runId, key, afterStep ?? Number.MIN_SAFE_INTEGER) as [number, number | null, string | null, number][];
          if (rows.length === 0 && (keys || afterStep !== undefined)) continue;
          const points: MetricPoint[] = rows.map(([step, value, special, time]) => ({ step, value: decodeMetric(value, special), time }));
          const kept = maxPoints === null ? points : downsample(points, maxPoints, (p) => (typeof p.value === 'number' ? p.value : NaN));
          out.push({ run_id: runId, key, points: kept, downsampled: kept.length < points.length });
        }
      }
      return out;
    });
    return read.deferred();
  }

  async recoverInterruptedRuns(): Promise<number[]> {
    return this.recoverSync();
  }

  async createExperiment(name: string): Promise<ExperimentRecord> {
    return this.external.createExperiment(name, Date.now());
  }

  async findExperiment(ref: { id: number } | { name: string }): Promise<ExperimentRecord | null> {
    return this.external.findExperiment(ref);
  }

  async createExternalRun(input: ExternalRunInput): Promise<RunSummary> {
    const runId = this.external.create(input, Date.now());
    return (await this.getRun(runId)) as RunSummary;
  }

  async updateExternalRun(runId: number, change: ExternalRunChange, heardAt: number): Promise<RunSummary> {
    this.external.update(runId, change, heardAt);
    return (await this.getRun(runId)) as RunSummary;
  }

  async logExternal(runId: number, entry: ExternalLogEntry, heardAt: number): Promise<void> {
    // Batches of the training host waiting for this tick go first, so writes stay in the order they were asked.
    this.flushBatches();
    this.external.log(runId, entry, heardAt);
  }

  async importRun(run: ImportedRun): Promise<{ runId: number; created: boolean }> {
    return this.external.importRun(run);
  }

  async interruptSilentRuns(heardBefore: number): Promise<number[]> {
    const minutes = Math.round((Date.now() - heardBefore) / 60_000);
    return this.external.interruptSilent(heardBefore, `Its script was not heard from for ${minutes} minute${minutes === 1 ? '' : 's'}: it ended without ending the run (a crash, or a kill).`);
  }

  async runRecords(runIds: readonly number[]): Promise<RunRecord[]> {
    return this.external.records(runIds);
  }

  close(): void {
    if (this.closed) return;
    this.flushBatches();
    this.closed = true;
    this.db.close();
  }

  private recoverSync(): number[] {
    const candidates = this.statements.unfinishedRuns.all() as ({ id: number } & ProcessOwner)[];
    const orphaned = orphanedRuns(candidates, hostname());
    if (orphaned.length === 0) return [];
    this.write(() => {
      for (const run of orphaned) {
        this.statements.interruptRun.run(`The process that ran it (pid ${run.owner_pid ?? '?'}) ended before the run did.`, run.id);
      }
    });
    return orphaned.map((run) => run.id);
  }

  /** One `BEGIN IMMEDIATE` transaction; SQLite failures become errors that say what to do. */
  private write<T>(body: () => T): T {
    if (this.closed) throw new AppError('INTERNAL', 'The database is closed.');
    try {
      return this.inTransaction.immediate(body) as T;
    } catch (error) {
      if (error instanceof AppError) throw error;
      if ((error as { code?: string }).code?.startsWith('SQLITE_')) throw describeSqliteError(error, this.path);
      throw error;
    }
  }

}
