import { hostname } from 'node:os';
import type { Database } from 'better-sqlite3';
import type { ParamValue } from '../../src-shared/search/space';
import type { AshaSettings, Objective, Strategy, SweepDetail, SweepStatus, SweepSummary, Trial, WarmStartRun } from '../../src-shared/entities/sweep';
import type { RunStatus } from '../../src-shared/entities/run';
import type { SweepStore } from './run-store';
import type { SqliteTrialClaims } from './trial-claims';
import { orphanedRuns, thisProcessOwner, type ProcessOwner } from './process-owner';

export interface CreateSweepInput {
  name: string;
  experiment: string;
  strategy: Strategy;
  space: { name: string; distribution: string }[];
  fixed: Record<string, unknown>;
  objective: Objective;
  /** The params of every planned trial, in trial order (trial 1 first); empty for a trial drawn when it starts (TPE). */
  trials: Record<string, ParamValue>[];
  seed: number;
  parallel: number;
  asha: AshaSettings | null;
  /** Run by `runboard worker` processes (`runboard sweep --no-local`), not by the process that creates it. */
  workers?: boolean;
  /** TPE: the earlier runs that feed the sampler before the first trial, and where they came from. */
  warmStart?: WarmStart | null;
}

/** A TPE sweep's warm start, stored with the sweep (JSON) so every process that draws its trials sees the same runs. */
export interface WarmStart {
  /** Where the runs came from, as shown: `experiment NAME`, `sweep ID`. */
  from: string;
  runs: WarmStartRun[];
}

/** A sweep's row as the sweep queries return it. */
export type SweepRow = {
  id: number;
  name: string;
  experiment: string;
  strategy: Strategy;
  space: string;
  fixed: string;
  objective_metric: string;
  objective_direction: 'max' | 'min';
  trials: number;
  seed: number;
  parallel: number;
  asha: string | null;
  on_workers: number;
  /** JSON `WarmStart`, or null. */
  warm_start: string | null;
  status: SweepStatus;
  error: string | null;
  created_at: number;
  ended_at: number | null;
};

/** A trial's row as the sweep queries return it. */
export type TrialRow = { trial: number; params: string; run_id: number | null; status: RunStatus | null; value: number | null; epochs: number | null; host: string | null };

/** Trial statuses that count as done: a resumed sweep does not run these again. */
export const DONE_TRIAL_STATUSES: readonly RunStatus[] = ['finished', 'pruned', 'failed', 'diverged'];

export const SWEEP_COLUMNS = `s.id, s.name, e.name AS experiment, s.strategy, s.space, s.fixed, s.objective_metric, s.objective_direction, s.trials,
  s.seed, s.parallel, s.asha, s.on_workers, s.warm_start, s.status, s.error, s.created_at, s.ended_at`;

/** A TPE trial that has not started: its params are drawn when it starts (`setTrialParams`). */
export const UNDRAWN_PARAMS = '{}';

/**
 * A sweep's trials with their latest run's status, objective value, epochs and the host that trained it (the same SQL
 * on every engine). A worker sweep's trial given up before its run was created counts as failed.
 */
export const TRIALS_SQL = `SELECT t.trial, t.params, t.run_id,
         CASE WHEN r.status IS NULL AND t.claim_state = 'done' THEN 'failed' ELSE r.status END AS status,
         CASE s.objective_direction WHEN 'max' THEN m.max_value ELSE m.min_value END AS value,
         (SELECT max(last_step) FROM metric_summaries x WHERE x.run_id = t.run_id) AS epochs,
         r.owner_host AS host
  FROM sweep_trials t JOIN sweeps s ON s.id = t.sweep_id
  LEFT JOIN runs r ON r.id = t.run_id
  LEFT JOIN metric_summaries m ON m.run_id = t.run_id AND m.key = s.objective_metric
  WHERE t.sweep_id = ? ORDER BY t.trial`;

/** Sweeps left running, with the process that runs them (worker sweeps have none: see `releaseStale`). */
export const RUNNING_LOCAL_SWEEPS_SQL = "SELECT id, owner_host, owner_pid, owner_started, owner_boot FROM sweeps WHERE status = 'running' AND on_workers = 0";

/**
 * Makes the calling process a sweep's owner, running, any stop asked before forgotten: owner host, pid, process start
 * time and boot (see `process-owner.ts`; append the WHERE).
 */
export const CLAIM_SWEEP_SQL =
  "UPDATE sweeps SET status = 'running', ended_at = NULL, error = NULL, stop_requested = 0, owner_host = ?, owner_pid = ?, owner_started = ?, owner_boot = ?";

/** Asks the process running a sweep of its own to stop it (see `SweepStore.requestStop`). */
export const REQUEST_SWEEP_STOP_SQL = "UPDATE sweeps SET stop_requested = 1 WHERE id = ? AND status = 'running' AND on_workers = 0";
export const SWEEP_STOP_REQUESTED_SQL = 'SELECT stop_requested FROM sweeps WHERE id = ?';

/** How many epochs a sweep's runs trained in all. */
export const EPOCHS_TRAINED_SQL = `SELECT coalesce(sum((SELECT max(last_step) FROM metric_summaries m WHERE m.run_id = r.id)), 0) FROM runs r WHERE r.sweep_id = ?`;

/** A trial from its row. */
export function trialFromRow(t: TrialRow): Trial {
  return { trial: t.trial, params: JSON.parse(t.params) as Record<string, ParamValue>, run_id: t.run_id, status: t.status ?? 'pending', value: t.value, epochs: t.epochs ?? 0, host: t.host };
}

/**
 * Sweeps and their trials, on the store's connection. Writes go through the store's `write` (one BEGIN IMMEDIATE
 * transaction each); a trial's run is linked when the run is created (`SqliteStore.createRun` with `sweep`). Worker
 * sweeps' trials are claimed through `claims` (`trial-claims.ts`).
 */
export class SweepTable implements SweepStore {
  private readonly s;

  constructor(
    private readonly db: Database,
    private readonly write: <T>(body: () => T) => T,
    readonly claims: SqliteTrialClaims,
  ) {
    this.s = {
      insertExperiment: db.prepare('INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING'),
      experimentId: db.prepare('SELECT id FROM experiments WHERE name = ?').pluck(),
      insertSweep: db.prepare(
        `INSERT INTO sweeps (name, experiment_id, strategy, space, fixed, objective_metric, objective_direction, trials, seed, parallel, asha, on_workers, warm_start, status, created_at, owner_host, owner_pid, owner_started, owner_boot)
         VALUES (@name, @experiment_id, @strategy, @space, @fixed, @metric, @direction, @trials, @seed, @parallel, @asha, @on_workers, @warm_start, 'running', @created_at, @owner_host, @owner_pid, @owner_started, @owner_boot)`,
      ),
      insertTrial: db.prepare('INSERT INTO sweep_trials (sweep_id, trial, params, claim_state) VALUES (?, ?, ?, ?)'),
      drawParams: db.prepare(`UPDATE sweep_trials SET params = ? WHERE sweep_id = ? AND trial = ? AND params = '${UNDRAWN_PARAMS}'`),
      trialParams: db.prepare('SELECT params FROM sweep_trials WHERE sweep_id = ? AND trial = ?').pluck(),
      rename: db.prepare('UPDATE sweeps SET name = ? WHERE id = ?'),
      sweep: db.prepare(`SELECT ${SWEEP_COLUMNS} FROM sweeps s JOIN experiments e ON e.id = s.experiment_id WHERE s.id = ?`),
      sweeps: db.prepare(`SELECT ${SWEEP_COLUMNS} FROM sweeps s JOIN experiments e ON e.id = s.experiment_id ORDER BY s.id DESC`),
      trials: db.prepare(TRIALS_SQL),
      epochsTrained: db.prepare(EPOCHS_TRAINED_SQL).pluck(),
      setStatus: db.prepare('UPDATE sweeps SET status = ?, ended_at = ?, error = ? WHERE id = ?'),
      claim: db.prepare(`${CLAIM_SWEEP_SQL} WHERE id = ? AND status NOT IN ('running', 'finished')`),
      requestStop: db.prepare(REQUEST_SWEEP_STOP_SQL),
      stopRequested: db.prepare(SWEEP_STOP_REQUESTED_SQL).pluck(),
      // A worker sweep belongs to no process: its workers' heartbeats say whether its trials are alive.
      unfinished: db.prepare(RUNNING_LOCAL_SWEEPS_SQL),
      interrupt: db.prepare("UPDATE sweeps SET status = 'interrupted', ended_at = ? WHERE id = ? AND status = 'running'"),
    };
  }

  /** Creates a sweep with every planned trial, in one transaction; returns its id. */
  async create(input: CreateSweepInput): Promise<number> {
    return this.write(() => {
      this.s.insertExperiment.run(input.experiment, Date.now());
      const result = this.s.insertSweep.run({
        name: input.name,
        experiment_id: this.s.experimentId.get(input.experiment),
        strategy: input.strategy,
        space: JSON.stringify(input.space),
        fixed: JSON.stringify(input.fixed),
        metric: input.objective.metric,
        direction: input.objective.direction,
        trials: input.trials.length,
        seed: input.seed,
        parallel: input.parallel,
        asha: input.asha ? JSON.stringify(input.asha) : null,
        on_workers: input.workers ? 1 : 0,
        warm_start: input.warmStart ? JSON.stringify(input.warmStart) : null,
        created_at: Date.now(),
        ...thisProcessOwner(),
      });
      const id = Number(result.lastInsertRowid);
      if (!input.name) this.s.rename.run(`sweep-${id}`, id);
      input.trials.forEach((params, i) => this.s.insertTrial.run(id, i + 1, JSON.stringify(params), input.workers ? 'pending' : null));
      return id;
    });
  }

  async get(id: number): Promise<SweepDetail | null> {
    return this.read(id);
  }

  private read(id: number): SweepDetail | null {
    const row = this.s.sweep.get(id) as SweepRow | undefined;
    if (!row) return null;
    return sweepDetail(row, (this.s.trials.all(id) as TrialRow[]).map(trialFromRow), this.s.epochsTrained.get(row.id) as number);
  }

  async list(): Promise<SweepSummary[]> {
    return (this.s.sweeps.all() as SweepRow[]).map((row) => summaryOf(this.read(row.id) as SweepDetail));
  }

  async setTrialParams(sweepId: number, trial: number, params: Record<string, ParamValue>): Promise<Record<string, ParamValue> | null> {
    return this.write(() => {
      this.s.drawParams.run(JSON.stringify(params), sweepId, trial);
      const stored = this.s.trialParams.get(sweepId, trial) as string | undefined;
      return stored === undefined ? null : (JSON.parse(stored) as Record<string, ParamValue>);
    });
  }

  async setStatus(id: number, status: SweepStatus, endedAt: number | null, error: string | null = null): Promise<void> {
    this.write(() => this.s.setStatus.run(status, endedAt, error, id));
  }

  /** Makes this process the sweep's owner again (a resume), marking it running; false when it is running already. */
  async claim(id: number): Promise<boolean> {
    const owner = thisProcessOwner();
    return this.write(() => this.s.claim.run(owner.owner_host, owner.owner_pid, owner.owner_started, owner.owner_boot, id).changes === 1);
  }

  async requestStop(id: number): Promise<boolean> {
    return this.write(() => this.s.requestStop.run(id).changes === 1);
  }

  async stopRequested(id: number): Promise<boolean> {
    return this.s.stopRequested.get(id) === 1;
  }

  async recoverInterrupted(isAlive?: (pid: number) => boolean): Promise<number[]> {
    return this.recoverInterruptedSync(isAlive);
  }

  /** `recoverInterrupted` at once, for `SqliteStore.open`, which is synchronous. */
  recoverInterruptedSync(isAlive?: (pid: number) => boolean): number[] {
    const here = hostname();
    const orphaned = orphanedRuns(this.s.unfinished.all() as ({ id: number } & ProcessOwner)[], here, isAlive);
    if (orphaned.length > 0) this.write(() => orphaned.forEach((r) => this.s.interrupt.run(Date.now(), r.id)));
    return orphaned.map((r) => r.id);
  }
}

/** A sweep with its trials and warm-start runs, from its row (the same on every engine). */
export function sweepDetail(row: SweepRow, trials: Trial[], epochsTrained: number): SweepDetail {
  const warmStart = row.warm_start ? (JSON.parse(row.warm_start) as WarmStart) : null;
  return { ...summariseSweep(row, trials, epochsTrained), trials, warm_start_runs: warmStart?.runs ?? [] };
}

/** A sweep's summary: its detail without the trials and warm-start runs. */
export function summaryOf(detail: SweepDetail): SweepSummary {
  const { trials: _trials, warm_start_runs: _warm, ...summary } = detail;
  return summary;
}

/** A sweep's summary from its row, its trials and the epochs its runs trained (the same on every engine). */
export function summariseSweep(row: SweepRow, trials: Trial[], epochsTrained: number): SweepSummary {
  const counts = { pending: 0, running: 0, finished: 0, pruned: 0, failed: 0 };
  for (const t of trials) {
    if (t.status === 'finished') counts.finished++;
    else if (t.status === 'pruned') counts.pruned++;
    else if (t.status === 'failed' || t.status === 'diverged') counts.failed++;
    else if (t.status === 'running' || t.status === 'queued') counts.running++;
    else counts.pending++;
  }
  const warmStart = row.warm_start ? (JSON.parse(row.warm_start) as WarmStart) : null;
  const better = (a: number, b: number) => (row.objective_direction === 'max' ? a > b : a < b);
  let best: Trial | null = null;
  for (const t of trials) if (typeof t.value === 'number' && (best === null || better(t.value, best.value as number))) best = t;
  return {
    sweep_id: row.id,
    name: row.name,
    experiment: row.experiment,
    status: row.status,
    error: row.error,
    strategy: row.strategy,
    space: JSON.parse(row.space) as { name: string; distribution: string }[],
    fixed: JSON.parse(row.fixed) as Record<string, unknown>,
    objective: { metric: row.objective_metric, direction: row.objective_direction },
    trials_planned: row.trials,
    seed: row.seed,
    parallel: row.parallel,
    asha: row.asha ? (JSON.parse(row.asha) as AshaSettings) : null,
    warm_start: warmStart ? { from: warmStart.from, runs: warmStart.runs.length } : null,
    workers: row.on_workers === 1,
    created_at: row.created_at,
    ended_at: row.ended_at,
    counts,
    best_run_id: best?.run_id ?? null,
    best_value: best?.value ?? null,
    epochs_trained: epochsTrained,
  };
}
