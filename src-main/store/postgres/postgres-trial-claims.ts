import type { PoolClient } from 'pg';
import type { ClaimedTrial, HeldTrial, StaleTrial, TrialClaims } from '../run-store';
import {
  CLAIMED_SQL,
  CLAIM_SQL,
  END_SILENT_RUN_SQL,
  FINISH_SQL,
  FINISH_SWEEP_SQL,
  FORGET_RUNGS_SQL,
  FORGET_RUNG_SQL,
  GIVE_UP_SQL,
  HAND_ON_SQL,
  HEARTBEAT_SQL,
  HELD_SQL,
  OPEN_TRIALS_SQL,
  RECORD_RUNG_SQL,
  RELEASE_SQL,
  RUNG_VALUES_SQL,
  STALE_SQL,
  STOP_ON_WORKERS_SQL,
  SWEEP_RULE_SQL,
  claimedTrial,
  judgeRung,
  nextPendingSql,
  rungRule,
  staleOutcome,
  storedRungValue,
  type ClaimedRow,
  type StaleRow,
} from '../trial-claims';
import { column, query, value, type Queryable } from './session';

/** A transaction of the store; `announce` false for one other hosts need not hear of (a heartbeat, a claim). */
export type PostgresWrite = <T>(body: (client: PoolClient) => Promise<T>, announce?: boolean) => Promise<T>;

/**
 * Worker sweeps' trials on PostgreSQL, where workers on many machines write at once. A claim takes the next pending
 * trial with `FOR UPDATE SKIP LOCKED`, so concurrent claims take different trials without waiting for each other.
 * Whatever decides for the whole sweep (its last trial finishing, a rung's judgement, handing a silent worker's trial
 * on) first locks the sweep's row (`FOR NO KEY UPDATE`, which lets runs of the sweep be inserted meanwhile), so those
 * decisions are taken one after another and each sees the ones before. Locks are taken sweep first, then trials.
 */
export class PostgresTrialClaims implements TrialClaims {
  constructor(
    private readonly read: Queryable,
    private readonly write: PostgresWrite,
  ) {}

  async claimTrial(worker: string, sweepId: number | null, now = Date.now()): Promise<ClaimedTrial | null> {
    return this.write(async (client) => {
      const [next] = await query<{ sweep_id: number; trial: number }>(client, nextPendingSql(sweepId !== null, 'FOR UPDATE OF t SKIP LOCKED'), sweepId === null ? [] : [sweepId]);
      if (!next) return null;
      await query(client, CLAIM_SQL, [worker, now, now, next.sweep_id, next.trial]);
      const [row] = await query<ClaimedRow>(client, CLAIMED_SQL, [next.sweep_id, next.trial]);
      return claimedTrial(row as ClaimedRow);
    }, false);
  }

  async heartbeat(worker: string, now = Date.now()): Promise<HeldTrial[]> {
    return this.write(async (client) => {
      await query(client, HEARTBEAT_SQL, [now, worker]);
      const rows = await query<{ sweep_id: number; trial: number; status: string }>(client, HELD_SQL, [worker]);
      return rows.map((r) => ({ sweepId: r.sweep_id, trial: r.trial, stopped: r.status !== 'running' }));
    }, false);
  }

  async releaseStale(graceMs: number, now = Date.now()): Promise<StaleTrial[]> {
    const cutoff = now - graceMs;
    // Every worker calls this before it claims: most calls find nothing, and write nothing.
    const seen = await query<StaleRow>(this.read, STALE_SQL, [cutoff]);
    if (seen.length === 0) return [];
    return this.write(async (client) => {
      const sweepIds = await column<number>(client, 'SELECT id FROM sweeps WHERE id = ANY(?::bigint[]) ORDER BY id FOR NO KEY UPDATE', [[...new Set(seen.map((r) => r.sweep_id))]]);
      // Read again under the sweeps' locks: a trial finished or heard from meanwhile is no longer stale.
      const rows = (await query<StaleRow>(client, STALE_SQL, [cutoff])).filter((r) => sweepIds.includes(r.sweep_id));
      const released: StaleTrial[] = [];
      for (const row of rows) {
        const { trial, run } = staleOutcome(row, now);
        const changed = await query(client, `${trial.now === 'pending' ? HAND_ON_SQL : GIVE_UP_SQL} RETURNING trial`, [trial.sweepId, trial.trial, cutoff]);
        if (changed.length === 0) continue;
        if (trial.now === 'pending') await query(client, FORGET_RUNGS_SQL, [trial.sweepId, trial.trial]);
        if (run && trial.runId !== null) await query(client, END_SILENT_RUN_SQL, [run.status, run.error, run.endedAt, trial.runId]);
        released.push(trial);
      }
      for (const sweepId of new Set(released.filter((t) => t.now === 'done').map((t) => t.sweepId))) await query(client, FINISH_SWEEP_SQL, [now, sweepId]);
      return released;
    });
  }

  async releaseTrial(worker: string, sweepId: number, trial: number): Promise<boolean> {
    return this.write(async (client) => {
      await query(client, 'SELECT id FROM sweeps WHERE id = ? FOR NO KEY UPDATE', [sweepId]);
      if ((await query(client, `${RELEASE_SQL} RETURNING trial`, [worker, sweepId, trial])).length === 0) return false;
      await query(client, FORGET_RUNGS_SQL, [sweepId, trial]);
      return true;
    });
  }

  async finishTrial(worker: string, sweepId: number, trial: number, now = Date.now()): Promise<{ held: boolean; sweepFinished: boolean }> {
    return this.write(async (client) => {
      // Finishers of one sweep take turns, so the one that finishes its last trial sees every other trial done.
      await query(client, 'SELECT id FROM sweeps WHERE id = ? FOR NO KEY UPDATE', [sweepId]);
      if ((await query(client, `${FINISH_SQL} RETURNING trial`, [worker, sweepId, trial])).length === 0) return { held: false, sweepFinished: false };
      return { held: true, sweepFinished: (await query(client, FINISH_SWEEP_SQL, [now, sweepId])).length === 1 };
    });
  }

  async reportRung(sweepId: number, epoch: number, trial: number, reported: number): Promise<boolean> {
    return this.write(async (client) => {
      const [row] = await query<{ objective_direction: 'max' | 'min'; asha: string | null }>(client, `${SWEEP_RULE_SQL} FOR NO KEY UPDATE`, [sweepId]);
      const rule = rungRule(sweepId, row);
      await query(client, FORGET_RUNG_SQL, [sweepId, epoch, trial]);
      await query(client, RECORD_RUNG_SQL, [sweepId, epoch, trial, storedRungValue(reported)]);
      return judgeRung(reported, await column<number | null>(client, RUNG_VALUES_SQL, [sweepId, epoch]), rule);
    });
  }

  async openTrials(sweepId: number | null): Promise<number> {
    return (await value<number>(this.read, sweepId === null ? OPEN_TRIALS_SQL : `${OPEN_TRIALS_SQL} AND t.sweep_id = ?`, sweepId === null ? [] : [sweepId])) ?? 0;
  }

  async stopOnWorkers(sweepId: number, time = Date.now()): Promise<boolean> {
    return this.write(async (client) => (await query(client, `${STOP_ON_WORKERS_SQL} RETURNING id`, [time, sweepId])).length === 1);
  }
}
