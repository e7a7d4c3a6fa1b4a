import type { MetricSeries, MetricValue, RunKind, RunOutcome, RunSource, RunStatus, RunSummary } from '../../src-shared/entities/run';
import type { ParamValue } from '../../src-shared/entities/train-config';
import type { ParamValue as SampledValue } from '../../src-shared/search/space';
import type { AshaSettings, Objective, SweepDetail, SweepStatus, SweepSummary } from '../../src-shared/entities/sweep';
import type { RunQuery } from './run-query';
import type { StoreCopies } from './store-copies';
import type { CreateSweepInput } from './sweep-store';

export interface CreateRunInput {
  experiment: string;
  /** Display name; `<dataset>-<id>` when absent. */
  name?: string | undefined;
  /** The complete configuration, stored as JSON. */
  config: Record<string, unknown>;
  /** Every hyperparameter, flattened and typed; all written with the run, before its first epoch. */
  params: Record<string, ParamValue>;
  seed: number | null;
  /** The backend requested (`auto`, `wasm`...), replaced by the one used when the run starts. */
  backend: string | null;
  parentRunId?: number | null;
  /** `sanity` for an overfit-one-batch check; `train` otherwise. */
  kind?: RunKind;
  /** A sweep's trial: the run becomes the trial's latest run. */
  sweep?: { sweepId: number; trial: number } | null;
  /** Used for a name default. */
  dataset?: string;
}

export interface EpochInput {
  /** Epoch counted from 1. */
  step: number;
  /** Wall time the epoch ended, ms since the Unix epoch. */
  time: number;
  /** May hold NaN and infinities: they are stored and read back as such. */
  metrics: Record<string, number>;
}

/** One metric value at one step, as logged. */
export interface MetricPointInput {
  key: string;
  /** Counted from 1 for epochs; from 0 for an external run's steps. */
  step: number;
  /** May be NaN or infinite. */
  value: number;
  /** Wall time, ms since the Unix epoch. */
  time: number;
}

export interface RunFilter {
  experiment?: string | undefined;
  /** Only the trials of this sweep. */
  sweepId?: number | undefined;
  runIds?: readonly number[] | undefined;
}

export type RunDetail = RunSummary & { config: Record<string, unknown> };

/** A param logged as text by another tracker: kept as that text and stored typed (`typedParam`). */
export interface ParamText {
  key: string;
  text: string;
}

/** A run a script logs live (through the MLflow API): it starts `running`, and no Runboard process owns it. */
export interface ExternalRunInput {
  experiment: string;
  /** Display name; `run-<id>` when absent. */
  name?: string | undefined;
  source: RunSource;
  /** When the script started it, ms since the Unix epoch. */
  startTime: number;
  tags?: Readonly<Record<string, string>> | undefined;
}

/** What a script may change about its run: its status (an end status records the end time), end time, name. */
export interface ExternalRunChange {
  status?: RunStatus | undefined;
  endTime?: number | null | undefined;
  name?: string | undefined;
}

/** One call's worth of what a script logs: points, params (immutable once logged), tags set and removed. */
export interface ExternalLogEntry {
  metrics?: readonly MetricPointInput[] | undefined;
  params?: readonly ParamText[] | undefined;
  tags?: Readonly<Record<string, string>> | undefined;
  deleteTags?: readonly string[] | undefined;
}

/** A whole run read from another tracker's records, written in one transaction by `importRun`. */
export interface ImportedRun {
  experiment: string;
  /** Its identity in the tracker it came from: a run already imported under it is left as it is. */
  externalId: string;
  name: string;
  source: RunSource;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  params: readonly ParamText[];
  tags: Readonly<Record<string, string>>;
  metrics: readonly MetricPointInput[];
}

/** A run as text-only trackers see it: each param as text, each metric's last value with its step and time. */
export interface RunRecord {
  run_id: number;
  params: Record<string, string>;
  latest: { key: string; value: MetricValue; step: number; time: number }[];
}

export interface ExperimentRecord {
  id: number;
  name: string;
  created_at: number;
}

/** A trial of a worker sweep that a worker has claimed: everything it needs to train it. */
export interface ClaimedTrial {
  sweepId: number;
  /** The trial number, from 1. */
  trial: number;
  /** 1 for a trial's first claim, 2 when it was handed on from a worker that went silent. */
  attempt: number;
  /** The values sampled for the trial. */
  params: Record<string, SampledValue>;
  experiment: string;
  /** The options every trial of the sweep shares. */
  fixed: Record<string, unknown>;
  /** The sweep's seed (each trial's training seed derives from it and the trial number). */
  seed: number;
  objective: Objective;
  /** Successive halving's settings, or null for a grid or random search. */
  asha: AshaSettings | null;
}

/** A trial a worker holds, as its heartbeat found it. */
export interface HeldTrial {
  sweepId: number;
  trial: number;
  /** Its sweep was stopped (`runboard sweep stop`): the worker stops the trial and gives it back. */
  stopped: boolean;
}

/** A claimed trial whose worker went silent, as `releaseStale` left it. */
export interface StaleTrial {
  sweepId: number;
  trial: number;
  /** The worker that went silent ('host:pid'). */
  worker: string;
  /** The trial's run when the worker had created one (now `interrupted`, or `failed` when not handed on). */
  runId: number | null;
  /** `pending`: another worker will take it; `done`: its worker went silent twice (its run failed), or its run had ended. */
  now: 'pending' | 'done';
}

/**
 * How many times a trial may be claimed: a trial whose worker goes silent is handed on once; the second silent worker
 * ends it `failed`.
 */
export const MAX_TRIAL_ATTEMPTS = 2;

/**
 * Sweeps and their trials; each method is one transaction.
 *
 * A worker sweep (`create` with `workers: true`) is run by `runboard worker` processes on any number of machines,
 * which take its trials through `claims`.
 */
export interface SweepStore {
  /** Creates a sweep with every planned trial, in one transaction; returns its id. */
  create(input: CreateSweepInput): Promise<number>;
  get(id: number): Promise<SweepDetail | null>;
  list(): Promise<SweepSummary[]>;
  setStatus(id: number, status: SweepStatus, endedAt: number | null, error?: string | null): Promise<void>;
  /**
   * Makes this process the sweep's owner again (a resume), marking it running, any stop asked before forgotten; false
   * when it is running already.
   */
  claim(id: number): Promise<boolean>;
  /**
   * Asks the process that runs a sweep (`SweepRunner`, in whichever process or machine started or resumed it) to stop
   * it: that process reads the request at each epoch of its trials (`stopRequested`) and stops the sweep as a local
   * Stop does. False when the sweep is not running, or runs on workers (`claims.stopOnWorkers` stops those).
   */
  requestStop(id: number): Promise<boolean>;
  /** Whether a stop was asked for the sweep through the store (`requestStop`) since it last started. */
  stopRequested(id: number): Promise<boolean>;
  /**
   * Sweeps left `running` by a process of this host that is gone (judged by its pid, start time and boot: see
   * `process-owner.ts`), or by no known process, become `interrupted` (they can be resumed); returns their ids.
   * Opening a store does this; `isAlive`, when given, judges a pid of this host alone (tests).
   */
  recoverInterrupted(isAlive?: (pid: number) => boolean): Promise<number[]>;
  /** The trials of worker sweeps, as `runboard worker` processes claim them. */
  /**
   * Records the params drawn for a trial whose params are drawn when it starts (TPE), unless it has some already (a
   * trial handed on, or drawn by another process meanwhile). @returns the trial's params as stored, or null when
   * there is no such trial.
   */
  setTrialParams(sweepId: number, trial: number, params: Record<string, SampledValue>): Promise<Record<string, SampledValue> | null>;
  readonly claims: TrialClaims;
}

/**
 * The trials of worker sweeps, claimed by `runboard worker` processes on any number of machines; each method is one
 * transaction. A worker claims a trial (`claimTrial`), keeps it with heartbeats while it trains it, and finishes it
 * (`finishTrial`) or gives it back (`releaseTrial`); a trial whose worker went silent is handed on by whichever
 * worker next calls `releaseStale`. The transaction that makes a sweep's last trial done marks the sweep
 * `finished`. Times are ms since the Unix epoch, from the callers' clocks (machines are assumed to agree within a
 * small part of the grace period, as NTP keeps them).
 */
export interface TrialClaims {
  /**
   * Takes the next pending trial (lowest sweep id, then trial number) of a running worker sweep, or of `sweepId` only,
   * for `worker` ('host:pid'): claimed, heard from now, its attempts counted. Two workers never get the same trial.
   * @returns the trial, or null when none is pending.
   */
  claimTrial(worker: string, sweepId: number | null, now?: number): Promise<ClaimedTrial | null>;
  /**
   * Notes that `worker` is alive: the trials it holds are heard from now. Returns them, each saying whether its
   * sweep was stopped; a trial missing from the answer was handed on (the worker was silent too long).
   */
  heartbeat(worker: string, now?: number): Promise<HeldTrial[]>;
  /**
   * Hands on the trials whose worker was not heard from for `graceMs`: the run it had started becomes
   * `interrupted` and the trial pending again, unless the trial was claimed `MAX_TRIAL_ATTEMPTS` times (its run
   * then `failed`, the trial done) or its run had already ended (done). Any worker calls this before claiming.
   */
  releaseStale(graceMs: number, now?: number): Promise<StaleTrial[]>;
  /**
   * Gives a trial back untried (its worker was stopped, or its sweep was): pending again, this claim not counted, the
   * values it reported at the rungs forgotten (it reports anew). False when `worker` no longer held it.
   */
  releaseTrial(worker: string, sweepId: number, trial: number): Promise<boolean>;
  /**
   * Marks a trial `worker` holds done (its run ended finished, pruned, failed or diverged); when it was the sweep's
   * last, the sweep is `finished` in the same transaction, so a sweep finishes exactly once. `held` is false when
   * the trial had been handed on meanwhile (nothing changed).
   */
  finishTrial(worker: string, sweepId: number, trial: number, now?: number): Promise<{ held: boolean; sweepFinished: boolean }>;
  /**
   * Successive halving at a rung, in one transaction that holds the sweep's row: records `value` (the trial's
   * objective at `epoch`; NaN or infinite for a diverged loss) and judges it with the sweep's rule
   * (`search/asha.ts`) against the values recorded at that rung so far, so reports are judged one after another
   * whichever machine they come from. @returns true when the trial goes on.
   */
  reportRung(sweepId: number, epoch: number, trial: number, value: number): Promise<boolean>;
  /** How many trials of running worker sweeps (or of `sweepId` only, while it runs) are pending or claimed. */
  openTrials(sweepId: number | null): Promise<number>;
  /** Marks a running worker sweep `stopped`; its workers stop its trials when they next hear from the store. False when it was not running. */
  stopOnWorkers(sweepId: number, time?: number): Promise<boolean>;
}

/** Tags, notes, archiving and deletion of runs; each method is one transaction. */
export interface RunAnnotationStore {
  /** Sets tags (a null value removes that tag); all or nothing. @throws AppError(NOT_FOUND) */
  setTags(runId: number, tags: Record<string, string | null>): Promise<void>;
  /** @throws AppError(NOT_FOUND) */
  setNotes(runId: number, notes: string | null): Promise<void>;
  /** Archives or unarchives runs; returns how many changed. */
  setArchived(runIds: readonly number[], archived: boolean): Promise<number>;
  /** Moves ended runs to the trash (a running run cannot be deleted); `restore` undoes it. Returns the ids deleted. */
  delete(runIds: readonly number[], time?: number): Promise<number[]>;
  restore(runIds: readonly number[]): Promise<number>;
  /** Removes runs deleted at or before `time` for good (their params, metrics, tags and artifacts too). Returns their ids. */
  purge(time: number): Promise<number[]>;
}

/**
 * Where runs live: one contract, an implementation per engine (`SqliteStore`, `PostgresStore`), chosen by the
 * location (`openStore`). Asynchronous, although SQLite is synchronous, so that a server-backed store implements it
 * without touching callers. Each method is one transaction; none holds one across an await.
 */
export interface RunStore {
  /** The location as it may be shown: a file path, or a PostgreSQL URL with its password masked. */
  readonly path: string;
  /** The folder of this store's local files on this machine: saved weights (`checkpoints/`), imported datasets. */
  readonly filesDir: string;
  readonly schemaVersion: number;
  /** Sweeps and their trials, in the same database. */
  readonly sweeps: SweepStore;
  /** Tags, notes, archiving and deletion. */
  readonly annotations: RunAnnotationStore;
  /** Whole runs and sweeps read from and written into this store by `runboard db copy` (`copy-store.ts`). */
  readonly copies: StoreCopies;
  createRun(input: CreateRunInput): Promise<RunSummary>;
  /** A queued run starts on this backend and device; a run that is no longer queued (it ended meanwhile) is left as it is. */
  markRunning(runId: number, started: { backend: string; device: string; time: number }): Promise<void>;
  /**
   * The logging primitive: commits a batch of points in one transaction, all of them or none. A point logged again
   * (same key, step and time: a batch retried after its commit's reply was lost) adds nothing, to the points or to
   * the summaries.
   */
  logBatch(runId: number, points: readonly MetricPointInput[]): Promise<void>;
  /** Commits one epoch's metrics in one transaction: all of them or none (a `logBatch`). */
  logEpoch(runId: number, epoch: EpochInput): Promise<void>;
  /**
   * Asks whichever host trains a run (this process or another, on any machine) to stop it: the host reads the request
   * after each epoch it commits (`stopRequested`) and stops the run as a local Stop does (`stopped`). False when the
   * run is not queued or running.
   */
  requestStop(runId: number): Promise<boolean>;
  /** Whether a stop was asked for the run through the store (`requestStop`). */
  stopRequested(runId: number): Promise<boolean>;
  /** Ends a run that is still queued or running; a run that already ended keeps its status. */
  endRun(runId: number, end: { status: Exclude<RunStatus, 'queued' | 'running'>; time: number; error?: string | null; outcome?: RunOutcome | null }): Promise<void>;
  /** Stores (or replaces) a named JSON artifact of a run. */
  putArtifact(runId: number, name: string, data: unknown): Promise<void>;
  /** A run's artifact, parsed; null when absent. */
  getArtifact(runId: number, name: string): Promise<unknown>;
  getRun(runId: number): Promise<RunDetail | null>;
  listRuns(filter?: RunFilter): Promise<RunSummary[]>;
  /** One page of the runs table: filtered (the filter language), sorted, with the total count of matching runs. */
  queryRuns(query: RunQuery): Promise<{ runs: RunSummary[]; total: number }>;
  /** Param, metric and tag names that runs have logged. */
  columns(): Promise<{ params: string[]; metrics: string[]; tags: string[] }>;
  /** Every experiment by name, with how many of its runs are not in the trash (archived ones count). */
  listExperiments(): Promise<{ id: number; name: string; run_count: number }[]>;
  /**
   * Metric series of the given runs. `maxPoints` is the budget per series (longer series are downsampled);
   * `null` reads every point, for exports only. With `afterStep`, only the points past that step, and only the series
   * that have some: what a view holding the series so far lacks.
   */
  getMetrics(runIds: readonly number[], keys: readonly string[] | undefined, maxPoints: number | null, afterStep?: number): Promise<MetricSeries[]>;
  /**
   * Marks runs left `queued` or `running` by a process that no longer exists (its pid is free, or held by a process
   * that started at another time, or it ran in an earlier boot) as `interrupted`; returns their ids.
   */
  recoverInterruptedRuns(): Promise<number[]>;
  /** Creates an experiment. @throws AppError(CONFLICT) when one has that name. */
  createExperiment(name: string): Promise<ExperimentRecord>;
  findExperiment(ref: { id: number } | { name: string }): Promise<ExperimentRecord | null>;
  /** Creates an external run, `running`, with its tags, heard from now. */
  createExternalRun(input: ExternalRunInput): Promise<RunSummary>;
  /**
   * Changes an external run's status, end time or name, and notes that its script was heard from.
   * @throws AppError(NOT_FOUND) for no such run; AppError(BAD_INPUT) for a run Runboard trains.
   */
  updateExternalRun(runId: number, change: ExternalRunChange, heardAt: number): Promise<RunSummary>;
  /**
   * Writes what a script logged in one transaction, all or nothing: metric points (a point logged again with the
   * same step and time is there already, so a retried batch adds nothing), params (the same text again is fine, another
   * one is refused), tags. Tags may be set on any run; points and params only on external ones. An external run
   * marked `interrupted` for its silence is running again.
   * @throws AppError(NOT_FOUND) for no such run; AppError(BAD_INPUT) for a changed param or a trained run.
   */
  logExternal(runId: number, entry: ExternalLogEntry, heardAt: number): Promise<void>;
  /** Writes a whole imported run in one transaction; a run already imported under its `externalId` is left alone. */
  importRun(run: ImportedRun): Promise<{ runId: number; created: boolean }>;
  /** Marks external runs still `running` that were last heard from before `heardBefore` as `interrupted`; returns their ids. */
  interruptSilentRuns(heardBefore: number): Promise<number[]>;
  /** The given runs' params as text and each metric's last value with its step and time, in the order asked. */
  runRecords(runIds: readonly number[]): Promise<RunRecord[]>;
  /**
   * Calls `onChange` when another process (or machine) writes to the store, not for this store's own writes, until
   * the returned function is called. For hosts with a UI, which then tell it about runs logged elsewhere.
   */
  watchExternalChanges(onChange: () => void): () => void;
  /** Waits for pending writes, then closes the connection(s). */
  close(): void | Promise<void>;
}
