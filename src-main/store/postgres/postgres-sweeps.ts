import { hostname } from 'node:os';
import type { ParamValue } from '../../../src-shared/search/space';
import type { SweepDetail, SweepStatus, SweepSummary } from '../../../src-shared/entities/sweep';
import type { ClaimedTrial, HeldTrial, StaleTrial, SweepStore } from '../run-store';
import { isProcessAlive, orphanedRuns } from '../stored-values';
import { EPOCHS_TRAINED_SQL, RUNNING_LOCAL_SWEEPS_SQL, SWEEP_COLUMNS, TRIALS_SQL, UNDRAWN_PARAMS, summaryOf, sweepDetail, trialFromRow, type CreateSweepInput, type SweepRow, type TrialRow } from '../sweep-store';
import { PostgresTrialClaims, type PostgresWrite } from './postgres-trial-claims';
import { query, value, type Queryable } from './session';

/** Sweeps and their trials on PostgreSQL; writes go through the store's `write` (one transaction each). Worker sweeps' claims are `claims`'. */
export class PostgresSweeps implements SweepStore {
  private readonly claims: PostgresTrialClaims;

  constructor(
    private readonly read: Queryable,
    private readonly write: PostgresWrite,
  ) {
    this.claims = new PostgresTrialClaims(read, write);
  }

  async create(input: CreateSweepInput): Promise<number> {
    return this.write(async (client) => {
      await query(client, 'INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [input.experiment, Date.now()]);
      const id = (await value<number>(
        client,
        `INSERT INTO sweeps (name, experiment_id, strategy, space, fixed, objective_metric, objective_direction, trials, seed, parallel, asha, on_workers, warm_start, status, created_at, owner_host, owner_pid)
         VALUES (?, (SELECT id FROM experiments WHERE name = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?) RETURNING id`,
        [
          input.name,
          input.experiment,
          input.strategy,
          JSON.stringify(input.space),
          JSON.stringify(input.fixed),
          input.objective.metric,
          input.objective.direction,
          input.trials.length,
          input.seed,
          input.parallel,
          input.asha ? JSON.stringify(input.asha) : null,
          input.workers ? 1 : 0,
          input.warmStart ? JSON.stringify(input.warmStart) : null,
          Date.now(),
          hostname(),
          process.pid,
        ],
      )) as number;
      if (!input.name) await query(client, 'UPDATE sweeps SET name = ? WHERE id = ?', [`sweep-${id}`, id]);
      // Every planned trial in one statement.
      await query(client, 'INSERT INTO sweep_trials (sweep_id, trial, params, claim_state) SELECT ?, *, ?::text FROM unnest(?::int[], ?::text[])', [
        id,
        input.workers ? 'pending' : null,
        input.trials.map((_, i) => i + 1),
        input.trials.map((params) => JSON.stringify(params)),
      ]);
      return id;
    });
  }

  async get(id: number): Promise<SweepDetail | null> {
    const [row] = await query<SweepRow>(this.read, `SELECT ${SWEEP_COLUMNS} FROM sweeps s JOIN experiments e ON e.id = s.experiment_id WHERE s.id = ?`, [id]);
    if (!row) return null;
    const trials = (await query<TrialRow>(this.read, TRIALS_SQL, [id])).map(trialFromRow);
    const epochs = (await value<number>(this.read, EPOCHS_TRAINED_SQL, [id])) ?? 0;
    return sweepDetail(row, trials, epochs);
  }

  async list(): Promise<SweepSummary[]> {
    const ids = await query<{ id: number }>(this.read, 'SELECT id FROM sweeps ORDER BY id DESC');
    const out: SweepSummary[] = [];
    for (const { id } of ids) {
      const detail = await this.get(id);
      if (!detail) continue;
      out.push(summaryOf(detail));
    }
    return out;
  }

  async setStatus(id: number, status: SweepStatus, endedAt: number | null, error: string | null = null): Promise<void> {
    await this.write((client) => query(client, 'UPDATE sweeps SET status = ?, ended_at = ?, error = ? WHERE id = ?', [status, endedAt, error, id]));
  }

  async claim(id: number): Promise<boolean> {
    return this.write(async (client) => {
      const rows = await query(client, "UPDATE sweeps SET status = 'running', ended_at = NULL, error = NULL, owner_host = ?, owner_pid = ? WHERE id = ? AND status NOT IN ('running', 'finished') RETURNING id", [
        hostname(),
        process.pid,
        id,
      ]);
      return rows.length === 1;
    });
  }

  async recoverInterrupted(isAlive: (pid: number) => boolean = isProcessAlive): Promise<number[]> {
    const rows = await query<{ id: number; owner_host: string | null; owner_pid: number | null }>(this.read, RUNNING_LOCAL_SWEEPS_SQL);
    const orphaned = orphanedRuns(rows, hostname(), isAlive);
    if (orphaned.length > 0) {
      await this.write((client) => query(client, "UPDATE sweeps SET status = 'interrupted', ended_at = ? WHERE id = ANY(?::bigint[]) AND status = 'running'", [Date.now(), orphaned.map((r) => r.id)]));
    }
    return orphaned.map((r) => r.id);
  }

  async setTrialParams(sweepId: number, trial: number, params: Record<string, ParamValue>): Promise<Record<string, ParamValue> | null> {
    return this.write(async (client) => {
      await query(client, `UPDATE sweep_trials SET params = ? WHERE sweep_id = ? AND trial = ? AND params = '${UNDRAWN_PARAMS}'`, [JSON.stringify(params), sweepId, trial]);
      const stored = await value<string>(client, 'SELECT params FROM sweep_trials WHERE sweep_id = ? AND trial = ?', [sweepId, trial]);
      return stored === undefined || stored === null ? null : (JSON.parse(stored) as Record<string, ParamValue>);
    });
  }

  async claimTrial(worker: string, sweepId: number | null, now = Date.now()): Promise<ClaimedTrial | null> {
    return this.claims.claimTrial(worker, sweepId, now);
  }

  async heartbeat(worker: string, now = Date.now()): Promise<HeldTrial[]> {
    return this.claims.heartbeat(worker, now);
  }

  async releaseStale(graceMs: number, now = Date.now()): Promise<StaleTrial[]> {
    return this.claims.releaseStale(graceMs, now);
  }

  async releaseTrial(worker: string, sweepId: number, trial: number): Promise<boolean> {
    return this.claims.releaseTrial(worker, sweepId, trial);
  }

  async finishTrial(worker: string, sweepId: number, trial: number, now = Date.now()): Promise<{ held: boolean; sweepFinished: boolean }> {
    return this.claims.finishTrial(worker, sweepId, trial, now);
  }

  async reportRung(sweepId: number, epoch: number, trial: number, value: number): Promise<boolean> {
    return this.claims.reportRung(sweepId, epoch, trial, value);
  }

  async openTrials(sweepId: number | null): Promise<number> {
    return this.claims.openTrials(sweepId);
  }

  async stopOnWorkers(sweepId: number, time = Date.now()): Promise<boolean> {
    return this.claims.stopOnWorkers(sweepId, time);
  }
}
