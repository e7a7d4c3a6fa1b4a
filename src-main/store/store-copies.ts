/**
 * What `runboard db copy` reads from one store and writes into another (`copy-store.ts` does the copying): whole runs
 * and sweeps as their rows are stored (one encoding on every engine: a non-finite value is NULL with its `special`
 * name), with the ids of the store they came from, which the destination replaces with its own.
 */

/** A run's own columns, as stored. */
export interface CopiedRunRow {
  name: string;
  status: string;
  kind: string;
  backend: string | null;
  device: string | null;
  seed: number | null;
  config: string;
  outcome: string | null;
  trial: number | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  error: string | null;
  owner_host: string | null;
  owner_pid: number | null;
  notes: string | null;
  archived: number;
  deleted_at: number | null;
  source: string | null;
  external_id: string | null;
  heard_at: number | null;
}

/** A whole run of the source store: its row, params, every metric point, summaries, artifacts and tags. */
export interface CopiedRun {
  /** Its identity across stores (`origin`): the store it was first logged in, and its id there. */
  origin: string;
  /** Its id in the store it is read from. */
  sourceId: number;
  experiment: { name: string; created_at: number };
  row: CopiedRunRow;
  /** Ids in the source store, which the copier maps to the destination's. */
  parentRunId: number | null;
  sweepId: number | null;
  /** The run is its trial's latest run (the one the sweep shows). */
  latestOfTrial: boolean;
  params: { key: string; type: string; num_value: number | null; text_value: string | null }[];
  /** Every point: [key, step, value, special, wall_time]. */
  metrics: [string, number, number | null, string | null, number][];
  summaries: { key: string; last_step: number; last_value: number | null; last_special: string | null; last_time: number | null; min_value: number | null; max_value: number | null; count: number }[];
  artifacts: { name: string; data: string; created_at: number }[];
  tags: { key: string; value: string }[];
}

/** A sweep's own columns, as stored. */
export interface CopiedSweepRow {
  name: string;
  strategy: string;
  space: string;
  fixed: string;
  objective_metric: string;
  objective_direction: string;
  trials: number;
  seed: number;
  parallel: number;
  asha: string | null;
  on_workers: number;
  warm_start: string | null;
  status: string;
  error: string | null;
  created_at: number;
  ended_at: number | null;
  owner_host: string | null;
  owner_pid: number | null;
}

/** A whole sweep: its row, every planned trial with its claim state, and the values reported at its rungs in order. */
export interface CopiedSweep {
  origin: string;
  sourceId: number;
  experiment: { name: string; created_at: number };
  row: CopiedSweepRow;
  /** Trials without their run (each copied run links itself: `CopiedRun.latestOfTrial`). */
  trials: { trial: number; params: string; claim_state: string | null; claimed_by: string | null; claimed_at: number | null; heartbeat_at: number | null; attempts: number }[];
  rungs: { epoch: number; trial: number; value: number | null }[];
}

/** Where a copied run or sweep landed: its id in the destination, and whether this copy wrote it. */
export interface CopyLanding {
  id: number;
  /** False when it was there already: copied before, first logged in this store, or imported from the same external run. */
  created: boolean;
}

/**
 * A store's side of `runboard db copy`; each method is one transaction, so a copy interrupted between two runs
 * leaves whole runs only, and a rerun goes on where it stopped (`writeRun` and `writeSweep` add nothing twice).
 */
export interface StoreCopies {
  /** A random identity given to the database when it was made (migrated): copies name their origin with it. */
  identity(): Promise<string>;
  /** Every run id (the trash too) and sweep id, in ascending order. */
  contents(): Promise<{ runIds: number[]; sweepIds: number[] }>;
  readRun(runId: number): Promise<CopiedRun | null>;
  readSweep(sweepId: number): Promise<CopiedSweep | null>;
  /** Makes an experiment of this name, with its creation time, unless there is one (experiments are known by name). */
  writeExperiment(experiment: { name: string; created_at: number }): Promise<void>;
  /** Writes a sweep and its trials unless it is here already (by its origin). */
  writeSweep(sweep: CopiedSweep): Promise<CopyLanding>;
  /**
   * Writes a whole run unless it is here already (by its origin, or by its external id for an imported run), with
   * its parent and sweep given as ids of this store; a run its trial's latest becomes the trial's run here.
   */
  writeRun(run: CopiedRun, links: { parentRunId: number | null; sweepId: number | null }): Promise<CopyLanding>;
  /**
   * Takes this store's copy lock until the returned function is called, so two copies never write into one store
   * at once (SQLite: a row naming the copy's process, taken over when that process is gone; PostgreSQL: an advisory
   * lock, freed with its session). @throws AppError(CONFLICT) saying another copy holds it.
   */
  lock(): Promise<() => Promise<void>>;
}

/** A run's or sweep's origin as first logged in the store `identity`. */
export function originOf(identity: string, what: 'run' | 'sweep', id: number): string {
  return `${identity}/${what}/${id}`;
}

/** The id of a thing first logged in the store `identity`, when `origin` names one; null otherwise. */
export function localIdOf(origin: string, identity: string, what: 'run' | 'sweep'): number | null {
  const prefix = `${identity}/${what}/`;
  if (!origin.startsWith(prefix)) return null;
  const id = Number(origin.slice(prefix.length));
  return Number.isSafeInteger(id) ? id : null;
}

/** The message of a store whose copy lock another copy holds. */
export function copyLockedMessage(where: string, holder: string): string {
  return `Another \`runboard db copy\` is writing into ${where} (${holder}); wait for it to end, then run this copy again.`;
}
