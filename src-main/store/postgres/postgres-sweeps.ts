import { hostname } from 'node:os';
import type { ParamValue } from '../../../src-shared/search/space';
import type { SweepDetail, SweepStatus, SweepSummary } from '../../../src-shared/entities/sweep';
import type { SweepStore } from '../run-store';
import { orphanedRuns, thisProcessOwner, type ProcessOwner } from '../process-owner';
import { CLAIM_SWEEP_SQL, EPOCHS_TRAINED_SQL, REQUEST_SWEEP_STOP_SQL, RUNNING_LOCAL_SWEEPS_SQL, SWEEP_STOP_REQUESTED_SQL, SWEEP_COLUMNS, TRIALS_SQL, UNDRAWN_PARAMS, summaryOf, sweepDetail, trialFromRow, type CreateSweepInput, type SweepRow, type TrialRow } from '../sweep-store';
import { PostgresTrialClaims, type PostgresWrite } from './postgres-trial-claims';
import { query, value, type Queryable } from './session';

/** Sweeps and their trials on PostgreSQL; writes go through the store's `write` (one transaction each). Worker sweeps' trials are claimed through `claims`. */
export class PostgresSweeps implements SweepStore {
  readonly claims: PostgresTrialClaims;

  constructor(
    private readonly read: Queryable,
    private readonly write: PostgresWrite,
  ) {
    this.claims = new PostgresTrialClaims(read, write);
  }

  async create(input: CreateSweepInput): Promise<number> {
    const owner = thisProcessOwner();
    return this.write(async (client) => {
      await query(client, 'INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [input.experiment, Date.now()]);
      const id = (await value<number>(
        client,
        `INSERT INTO sweeps (name, experiment_id, strategy, space, fixed, objective_metric, objective_direction, trials, seed, parallel, asha, on_workers, warm_start, status, created_at, owner_host, owner_pid, owner_started, owner_boot)
         VALUES (?, (SELECT id FROM experiments WHERE name = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?) RETURNING id`,
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
          owner.owner_host,
          owner.owner_pid,
          owner.owner_started,
          owner.owner_boot,
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
      const owner = thisProcessOwner();
      const rows = await query(client, `${CLAIM_SWEEP_SQL} WHERE id = ? AND status NOT IN ('running', 'finished') RETURNING id`, [
        owner.owner_host,
        owner.owner_pid,
        owner.owner_started,
        owner.owner_boot,
        id,
      ]);
      return rows.length === 1;
    });
  }

  async requestStop(id: number): Promise<boolean> {
    return this.write(async (client) => (await query(client, `${REQUEST_SWEEP_STOP_SQL} RETURNING id`, [id])).length === 1);
  }

  async stopRequested(id: number): Promise<boolean> {
    return (await value<number>(this.read, SWEEP_STOP_REQUESTED_SQL, [id])) === 1;
  }

  async recoverInterrupted(isAlive?: (pid: number) => boolean): Promise<number[]> {
    const rows = await query<{ id: number } & ProcessOwner>(this.read, RUNNING_LOCAL_SWEEPS_SQL);
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
}
