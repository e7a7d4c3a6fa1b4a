import type { Database } from 'better-sqlite3';
import { AppError } from '../../src-shared/api/errors';
import type { RunStatus } from '../../src-shared/entities/run';
import type { AshaSettings } from '../../src-shared/entities/sweep';
import type { ParamValue } from '../../src-shared/search/space';
import { promotable } from '../search/asha';
import { MAX_TRIAL_ATTEMPTS, type ClaimedTrial, type HeldTrial, type StaleTrial, type TrialClaims } from './run-store';
import { DONE_TRIAL_STATUSES } from './sweep-store';

/*
 * The trials of worker sweeps, claimed by `runboard worker` processes (see `SweepStore`): the SQL both engines share,
 * what a silent worker's trial becomes, and SQLite's implementation. SQLite needs no row locks: every writer of the
 * file takes the one write lock (BEGIN IMMEDIATE), so each method below runs alone. PostgreSQL's implementation
 * (`postgres/postgres-trial-claims.ts`) locks rows instead: SKIP LOCKED to claim, the sweep's row to finish or judge.
 */

/** The next pending trial of a running worker sweep (of one sweep when `oneSweep`); `lock` is appended (PostgreSQL's FOR UPDATE). */
export function nextPendingSql(oneSweep: boolean, lock = ''): string {
  return `SELECT t.sweep_id, t.trial FROM sweep_trials t JOIN sweeps s ON s.id = t.sweep_id
    WHERE t.claim_state = 'pending' AND s.on_workers = 1 AND s.status = 'running'${oneSweep ? ' AND t.sweep_id = ?' : ''}
    ORDER BY t.sweep_id, t.trial LIMIT 1 ${lock}`;
}

/** Claims a trial: worker, claimed_at, heartbeat_at, sweep id, trial. */
export const CLAIM_SQL = `UPDATE sweep_trials SET claim_state = 'claimed', claimed_by = ?, claimed_at = ?, heartbeat_at = ?, attempts = attempts + 1
  WHERE sweep_id = ? AND trial = ?`;

/** What a worker needs to train a claimed trial. */
export const CLAIMED_SQL = `SELECT t.sweep_id, t.trial, t.params, t.attempts, e.name AS experiment, s.fixed, s.seed, s.objective_metric, s.objective_direction, s.asha
  FROM sweep_trials t JOIN sweeps s ON s.id = t.sweep_id JOIN experiments e ON e.id = s.experiment_id
  WHERE t.sweep_id = ? AND t.trial = ?`;

export const HEARTBEAT_SQL = `UPDATE sweep_trials SET heartbeat_at = ? WHERE claim_state = 'claimed' AND claimed_by = ?`;

export const HELD_SQL = `SELECT t.sweep_id, t.trial, s.status FROM sweep_trials t JOIN sweeps s ON s.id = t.sweep_id
  WHERE t.claim_state = 'claimed' AND t.claimed_by = ? ORDER BY t.sweep_id, t.trial`;

/** Claimed trials last heard from before a time, with their run's status. */
export const STALE_SQL = `SELECT t.sweep_id, t.trial, t.claimed_by, t.attempts, t.heartbeat_at, t.run_id, r.status AS run_status
  FROM sweep_trials t LEFT JOIN runs r ON r.id = t.run_id
  WHERE t.claim_state = 'claimed' AND t.heartbeat_at < ? ORDER BY t.sweep_id, t.trial`;

/** Hands a silent worker's trial on, or gives up on it: sweep id, trial, cutoff (only while it is still silent). */
export const HAND_ON_SQL = `UPDATE sweep_trials SET claim_state = 'pending', claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL
  WHERE sweep_id = ? AND trial = ? AND claim_state = 'claimed' AND heartbeat_at < ?`;
export const GIVE_UP_SQL = `UPDATE sweep_trials SET claim_state = 'done' WHERE sweep_id = ? AND trial = ? AND claim_state = 'claimed' AND heartbeat_at < ?`;

/** A silent worker's run: status, error, ended at, run id. A run that already ended as a trial's run ends is left alone. */
export const END_SILENT_RUN_SQL = `UPDATE runs SET status = ?, error = ?, ended_at = ? WHERE id = ? AND status IN ('queued', 'running', 'interrupted')`;

/** A trial given back untried: worker, sweep id, trial. */
export const RELEASE_SQL = `UPDATE sweep_trials SET claim_state = 'pending', claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL, attempts = attempts - 1
  WHERE claimed_by = ? AND sweep_id = ? AND trial = ? AND claim_state = 'claimed'`;

/** Forgets what a trial reported at the rungs (it runs again and reports anew): sweep id, trial. */
export const FORGET_RUNGS_SQL = 'DELETE FROM sweep_rungs WHERE sweep_id = ? AND trial = ?';

/** A trial its worker finished: worker, sweep id, trial. */
export const FINISH_SQL = `UPDATE sweep_trials SET claim_state = 'done' WHERE claimed_by = ? AND sweep_id = ? AND trial = ? AND claim_state = 'claimed'`;

/**
 * The sweep finishes once no trial is left to run (a sweep stopped while its last trials ended finishes too, since
 * every trial ran): ended at, sweep id. Returns the sweep's id when this statement finished it.
 */
export const FINISH_SWEEP_SQL = `UPDATE sweeps SET status = 'finished', ended_at = ?, error = NULL
  WHERE id = ? AND on_workers = 1 AND status IN ('running', 'stopped')
    AND NOT EXISTS (SELECT 1 FROM sweep_trials t WHERE t.sweep_id = sweeps.id AND t.claim_state <> 'done')
  RETURNING id`;

export const SWEEP_RULE_SQL = 'SELECT objective_direction, asha FROM sweeps WHERE id = ?';
export const RECORD_RUNG_SQL = 'INSERT INTO sweep_rungs (sweep_id, epoch, trial, value) VALUES (?, ?, ?, ?)';
export const FORGET_RUNG_SQL = 'DELETE FROM sweep_rungs WHERE sweep_id = ? AND epoch = ? AND trial = ?';
export const RUNG_VALUES_SQL = 'SELECT value FROM sweep_rungs WHERE sweep_id = ? AND epoch = ? ORDER BY id';

/** Trials of running worker sweeps not yet done; append ' AND t.sweep_id = ?' for one sweep. */
export const OPEN_TRIALS_SQL = `SELECT count(*) FROM sweep_trials t JOIN sweeps s ON s.id = t.sweep_id
  WHERE s.on_workers = 1 AND s.status = 'running' AND t.claim_state IN ('pending', 'claimed')`;

export const STOP_ON_WORKERS_SQL = "UPDATE sweeps SET status = 'stopped', ended_at = ? WHERE id = ? AND on_workers = 1 AND status = 'running'";

export interface ClaimedRow {
  sweep_id: number;
  trial: number;
  params: string;
  attempts: number;
  experiment: string;
  fixed: string;
  seed: number;
  objective_metric: string;
  objective_direction: 'max' | 'min';
  asha: string | null;
}

export function claimedTrial(row: ClaimedRow): ClaimedTrial {
  return {
    sweepId: row.sweep_id,
    trial: row.trial,
    attempt: row.attempts,
    params: JSON.parse(row.params) as Record<string, ParamValue>,
    experiment: row.experiment,
    fixed: JSON.parse(row.fixed) as Record<string, unknown>,
    seed: row.seed,
    objective: { metric: row.objective_metric, direction: row.objective_direction },
    asha: row.asha ? (JSON.parse(row.asha) as AshaSettings) : null,
  };
}

export interface StaleRow {
  sweep_id: number;
  trial: number;
  claimed_by: string;
  attempts: number;
  heartbeat_at: number;
  run_id: number | null;
  run_status: RunStatus | null;
}

/** What a silent worker's trial becomes, and its run (null: the run is left as it is). */
export interface StaleOutcome {
  trial: StaleTrial;
  run: { status: 'interrupted' | 'failed'; error: string; endedAt: number } | null;
}

/**
 * A silent worker's trial: done when its run had already ended as a trial's run ends (the worker died between the
 * run's end and telling the sweep), else handed on with its run `interrupted`, unless this was its last attempt
 * (then done, its run `failed`).
 */
export function staleOutcome(row: StaleRow, now: number): StaleOutcome {
  const silentFor = `${Math.round((now - row.heartbeat_at) / 1000)} s`;
  const base = { sweepId: row.sweep_id, trial: row.trial, worker: row.claimed_by, runId: row.run_id };
  if (row.run_status !== null && DONE_TRIAL_STATUSES.includes(row.run_status)) return { trial: { ...base, now: 'done' }, run: null };
  if (row.attempts < MAX_TRIAL_ATTEMPTS) {
    const error = `Its worker ${row.claimed_by} was not heard from for ${silentFor}: the trial was handed to another worker.`;
    return { trial: { ...base, now: 'pending' }, run: row.run_id === null ? null : { status: 'interrupted', error, endedAt: row.heartbeat_at } };
  }
  const error = `Its worker stopped answering twice (the last, ${row.claimed_by}, was not heard from for ${silentFor}): the trial is not tried again.`;
  return { trial: { ...base, now: 'done' }, run: row.run_id === null ? null : { status: 'failed', error, endedAt: row.heartbeat_at } };
}

/** The rule of a sweep's rungs, from its row. @throws AppError(NOT_FOUND | BAD_INPUT) */
export function rungRule(sweepId: number, row: { objective_direction: 'max' | 'min'; asha: string | null } | undefined): { direction: 'max' | 'min'; factor: number } {
  if (!row) throw new AppError('NOT_FOUND', `Sweep ${sweepId} does not exist.`);
  if (!row.asha) throw new AppError('BAD_INPUT', `Sweep ${sweepId} has no rungs: it is not a successive-halving sweep.`);
  return { direction: row.objective_direction, factor: (JSON.parse(row.asha) as AshaSettings).reduction_factor };
}

/** A rung value as stored: not finite is NULL (SQLite cannot keep NaN), read back as NaN, which never goes on. */
export const storedRungValue = (value: number): number | null => (Number.isFinite(value) ? value : null);
export const rungValue = (stored: number | null): number => stored ?? NaN;

/** Judges a report against the values recorded at its rung, itself last: Optuna's rule (`search/asha.ts`). */
export function judgeRung(value: number, recorded: readonly (number | null)[], rule: { direction: 'max' | 'min'; factor: number }): boolean {
  return promotable(value, recorded.map(rungValue), rule.direction, rule.factor);
}

/** Worker sweeps' trials on SQLite; `write` is the store's BEGIN IMMEDIATE transaction. */
export class SqliteTrialClaims implements TrialClaims {
  private readonly s;

  constructor(
    db: Database,
    private readonly write: <T>(body: () => T) => T,
  ) {
    this.s = {
      nextAny: db.prepare(nextPendingSql(false)),
      nextOf: db.prepare(nextPendingSql(true)),
      claim: db.prepare(CLAIM_SQL),
      claimed: db.prepare(CLAIMED_SQL),
      heartbeat: db.prepare(HEARTBEAT_SQL),
      held: db.prepare(HELD_SQL),
      stale: db.prepare(STALE_SQL),
      handOn: db.prepare(HAND_ON_SQL),
      giveUp: db.prepare(GIVE_UP_SQL),
      endSilentRun: db.prepare(END_SILENT_RUN_SQL),
      release: db.prepare(RELEASE_SQL),
      forgetRungs: db.prepare(FORGET_RUNGS_SQL),
      finish: db.prepare(FINISH_SQL),
      finishSweep: db.prepare(FINISH_SWEEP_SQL),
      rule: db.prepare(SWEEP_RULE_SQL),
      recordRung: db.prepare(RECORD_RUNG_SQL),
      forgetRung: db.prepare(FORGET_RUNG_SQL),
      rungValues: db.prepare(RUNG_VALUES_SQL).pluck(),
      openAll: db.prepare(OPEN_TRIALS_SQL).pluck(),
      openOf: db.prepare(`${OPEN_TRIALS_SQL} AND t.sweep_id = ?`).pluck(),
      stop: db.prepare(STOP_ON_WORKERS_SQL),
    };
  }

  async claimTrial(worker: string, sweepId: number | null, now = Date.now()): Promise<ClaimedTrial | null> {
    return this.write(() => {
      const next = (sweepId === null ? this.s.nextAny.get() : this.s.nextOf.get(sweepId)) as { sweep_id: number; trial: number } | undefined;
      if (!next) return null;
      this.s.claim.run(worker, now, now, next.sweep_id, next.trial);
      return claimedTrial(this.s.claimed.get(next.sweep_id, next.trial) as ClaimedRow);
    });
  }

  async heartbeat(worker: string, now = Date.now()): Promise<HeldTrial[]> {
    return this.write(() => {
      this.s.heartbeat.run(now, worker);
      return (this.s.held.all(worker) as { sweep_id: number; trial: number; status: string }[]).map((r) => ({ sweepId: r.sweep_id, trial: r.trial, stopped: r.status !== 'running' }));
    });
  }

  async releaseStale(graceMs: number, now = Date.now()): Promise<StaleTrial[]> {
    const cutoff = now - graceMs;
    return this.write(() => {
      const outcomes = (this.s.stale.all(cutoff) as StaleRow[]).map((row) => staleOutcome(row, now));
      for (const { trial, run } of outcomes) {
        (trial.now === 'pending' ? this.s.handOn : this.s.giveUp).run(trial.sweepId, trial.trial, cutoff);
        if (trial.now === 'pending') this.s.forgetRungs.run(trial.sweepId, trial.trial);
        if (run && trial.runId !== null) this.s.endSilentRun.run(run.status, run.error, run.endedAt, trial.runId);
      }
      for (const sweepId of new Set(outcomes.filter((o) => o.trial.now === 'done').map((o) => o.trial.sweepId))) this.s.finishSweep.get(now, sweepId);
      return outcomes.map((o) => o.trial);
    });
  }

  async releaseTrial(worker: string, sweepId: number, trial: number): Promise<boolean> {
    return this.write(() => {
      if (this.s.release.run(worker, sweepId, trial).changes === 0) return false;
      this.s.forgetRungs.run(sweepId, trial);
      return true;
    });
  }

  async finishTrial(worker: string, sweepId: number, trial: number, now = Date.now()): Promise<{ held: boolean; sweepFinished: boolean }> {
    return this.write(() => {
      if (this.s.finish.run(worker, sweepId, trial).changes === 0) return { held: false, sweepFinished: false };
      return { held: true, sweepFinished: this.s.finishSweep.get(now, sweepId) !== undefined };
    });
  }

  async reportRung(sweepId: number, epoch: number, trial: number, value: number): Promise<boolean> {
    return this.write(() => {
      const rule = rungRule(sweepId, this.s.rule.get(sweepId) as { objective_direction: 'max' | 'min'; asha: string | null } | undefined);
      // A report again (the same trial, run again) goes last, as a new report.
      this.s.forgetRung.run(sweepId, epoch, trial);
      this.s.recordRung.run(sweepId, epoch, trial, storedRungValue(value));
      return judgeRung(value, this.s.rungValues.all(sweepId, epoch) as (number | null)[], rule);
    });
  }

  async openTrials(sweepId: number | null): Promise<number> {
    return (sweepId === null ? this.s.openAll.get() : this.s.openOf.get(sweepId)) as number;
  }

  async stopOnWorkers(sweepId: number, time = Date.now()): Promise<boolean> {
    return this.write(() => this.s.stop.run(time, sweepId).changes === 1);
  }
}
