import type { MetricSeries, RunKind, RunOutcome, RunStatus, RunSummary } from '../../src-shared/entities/run';
import type { ParamValue } from '../../src-shared/entities/train-config';
import type { RunQuery } from './run-query';

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
  /** Counted from 1 (epochs). */
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

/**
 * Where runs live. Asynchronous, although SQLite is synchronous here, so that a server-backed store can
 * implement it later without touching callers. Each method is one transaction; none holds one across an await.
 */
export interface RunStore {
  readonly path: string;
  readonly schemaVersion: number;
  createRun(input: CreateRunInput): Promise<RunSummary>;
  markRunning(runId: number, started: { backend: string; device: string; time: number }): Promise<void>;
  /** The logging primitive: commits a batch of points in one transaction, all of them or none. */
  logBatch(runId: number, points: readonly MetricPointInput[]): Promise<void>;
  /** Commits one epoch's metrics in one transaction: all of them or none (a `logBatch`). */
  logEpoch(runId: number, epoch: EpochInput): Promise<void>;
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
   * `null` reads every point, for exports only.
   */
  getMetrics(runIds: readonly number[], keys: readonly string[] | undefined, maxPoints: number | null): Promise<MetricSeries[]>;
  /** Marks runs left `queued` or `running` by a process that no longer exists as `interrupted`; returns their ids. */
  recoverInterruptedRuns(): Promise<number[]>;
  close(): void;
}
