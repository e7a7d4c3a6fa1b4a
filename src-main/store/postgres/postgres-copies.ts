import type { Pool, PoolClient } from 'pg';
import { AppError } from '../../../src-shared/api/errors';
import { copyLockedMessage, localIdOf, originOf, type CopiedRun, type CopiedRunRow, type CopiedSweep, type CopiedSweepRow, type CopyLanding, type StoreCopies } from '../store-copies';
import { arrays, query, value, type Queryable } from './session';

const RUN_COLUMNS = 'name, status, kind, backend, device, seed, config, outcome, trial, created_at, started_at, ended_at, error, owner_host, owner_pid, notes, archived, deleted_at, source, external_id, heard_at';
const SWEEP_COLUMNS = 'name, strategy, space, fixed, objective_metric, objective_direction, trials, seed, parallel, asha, on_workers, warm_start, status, error, created_at, ended_at, owner_host, owner_pid';

/** `?, ?, ...` for a list of columns. */
const marks = (columns: string) => columns.split(', ').map(() => '?').join(', ');

/** The advisory lock of a store's copies: one per database and schema (a schema holds one store). */
const LOCK_KEY = "hashtext('runboard-db-copy:' || current_database() || ':' || current_schema())";

type Write = <T>(body: (client: PoolClient) => Promise<T>) => Promise<T>;
type Snapshot = <T>(body: (client: PoolClient) => Promise<T>) => Promise<T>;

/** PostgreSQL's side of `runboard db copy` (`StoreCopies`): bulk inserts of a run's rows, an advisory lock for copies. */
export class PostgresCopies implements StoreCopies {
  constructor(
    private readonly pool: Pool,
    private readonly write: Write,
    /** A read-only, repeatable-read transaction: a run is read as one moment saw it. */
    private readonly snapshot: Snapshot,
    private readonly path: string,
  ) {}

  async identity(): Promise<string> {
    return (await value<string>(this.pool, 'SELECT identity FROM store_identity WHERE id = 1')) as string;
  }

  async contents(): Promise<{ runIds: number[]; sweepIds: number[] }> {
    return this.snapshot(async (client) => ({
      runIds: (await query<{ id: number }>(client, 'SELECT id FROM runs ORDER BY id')).map((r) => r.id),
      sweepIds: (await query<{ id: number }>(client, 'SELECT id FROM sweeps ORDER BY id')).map((r) => r.id),
    }));
  }

  async readRun(runId: number): Promise<CopiedRun | null> {
    const identity = await this.identity();
    return this.snapshot(async (client) => {
      const [row] = await query<CopiedRunRow & { id: number; parent_run_id: number | null; sweep_id: number | null; copied_from: string | null; experiment_name: string; experiment_created_at: number; latest_of_trial: boolean }>(
        client,
        `SELECT r.id, ${RUN_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')}, r.parent_run_id, r.sweep_id, r.copied_from,
                e.name AS experiment_name, e.created_at AS experiment_created_at,
                EXISTS (SELECT 1 FROM sweep_trials t WHERE t.run_id = r.id) AS latest_of_trial
         FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`,
        [runId],
      );
      if (!row) return null;
      const { id, parent_run_id, sweep_id, copied_from, experiment_name, experiment_created_at, latest_of_trial, ...own } = row;
      return {
        origin: copied_from ?? originOf(identity, 'run', id),
        sourceId: id,
        experiment: { name: experiment_name, created_at: experiment_created_at },
        row: own,
        parentRunId: parent_run_id,
        sweepId: sweep_id,
        latestOfTrial: latest_of_trial,
        params: await query<CopiedRun['params'][number]>(client, 'SELECT key, type, num_value, text_value FROM params WHERE run_id = ? ORDER BY key COLLATE "C"', [id]),
        metrics: (await arrays(client, 'SELECT key, step, value, special, wall_time FROM metrics WHERE run_id = ? ORDER BY step, key COLLATE "C", wall_time', [id])) as CopiedRun['metrics'],
        summaries: await query<CopiedRun['summaries'][number]>(
          client,
          'SELECT key, last_step, last_value, last_special, last_time, min_value, max_value, count FROM metric_summaries WHERE run_id = ? ORDER BY key COLLATE "C"',
          [id],
        ),
        artifacts: await query<CopiedRun['artifacts'][number]>(client, 'SELECT name, data, created_at FROM run_artifacts WHERE run_id = ? ORDER BY name COLLATE "C"', [id]),
        tags: await query<CopiedRun['tags'][number]>(client, 'SELECT key, value FROM tags WHERE run_id = ? ORDER BY key COLLATE "C"', [id]),
      };
    });
  }

  async readSweep(sweepId: number): Promise<CopiedSweep | null> {
    const identity = await this.identity();
    return this.snapshot(async (client) => {
      const [row] = await query<CopiedSweepRow & { id: number; copied_from: string | null; experiment_name: string; experiment_created_at: number }>(
        client,
        `SELECT s.id, ${SWEEP_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}, s.copied_from, e.name AS experiment_name, e.created_at AS experiment_created_at
         FROM sweeps s JOIN experiments e ON e.id = s.experiment_id WHERE s.id = ?`,
        [sweepId],
      );
      if (!row) return null;
      const { id, copied_from, experiment_name, experiment_created_at, ...own } = row;
      return {
        origin: copied_from ?? originOf(identity, 'sweep', id),
        sourceId: id,
        experiment: { name: experiment_name, created_at: experiment_created_at },
        row: own,
        trials: await query<CopiedSweep['trials'][number]>(client, 'SELECT trial, params, claim_state, claimed_by, claimed_at, heartbeat_at, attempts FROM sweep_trials WHERE sweep_id = ? ORDER BY trial', [id]),
        rungs: await query<CopiedSweep['rungs'][number]>(client, 'SELECT epoch, trial, value FROM sweep_rungs WHERE sweep_id = ? ORDER BY id', [id]),
      };
    });
  }

  async writeExperiment(experiment: { name: string; created_at: number }): Promise<void> {
    await this.write((client) => requireExperiment(client, experiment));
  }

  async writeSweep(sweep: CopiedSweep): Promise<CopyLanding> {
    const identity = await this.identity();
    return this.write(async (client) => {
      await lockOrigin(client, sweep.origin);
      const here = await existing(client, sweep.origin, identity, 'sweep');
      if (here !== null) return { id: here, created: false };
      const experimentId = await requireExperiment(client, sweep.experiment);
      const r = sweep.row;
      const id = (await value<number>(
        client,
        `INSERT INTO sweeps (experiment_id, copied_from, ${SWEEP_COLUMNS}) VALUES (?, ?, ${marks(SWEEP_COLUMNS)}) RETURNING id`,
        [experimentId, sweep.origin, r.name, r.strategy, r.space, r.fixed, r.objective_metric, r.objective_direction, r.trials, r.seed, r.parallel, r.asha, r.on_workers, r.warm_start, r.status, r.error, r.created_at, r.ended_at, r.owner_host, r.owner_pid],
      )) as number;
      const t = sweep.trials;
      await query(
        client,
        `INSERT INTO sweep_trials (sweep_id, trial, params, claim_state, claimed_by, claimed_at, heartbeat_at, attempts)
         SELECT ?, * FROM unnest(?::int[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::int[])`,
        [id, t.map((x) => x.trial), t.map((x) => x.params), t.map((x) => x.claim_state), t.map((x) => x.claimed_by), t.map((x) => x.claimed_at), t.map((x) => x.heartbeat_at), t.map((x) => x.attempts)],
      );
      // One at a time, in the order they were judged (the id keeps that order).
      for (const rung of sweep.rungs) await query(client, 'INSERT INTO sweep_rungs (sweep_id, epoch, trial, value) VALUES (?, ?, ?, ?)', [id, rung.epoch, rung.trial, rung.value]);
      return { id, created: true };
    });
  }

  async writeRun(run: CopiedRun, links: { parentRunId: number | null; sweepId: number | null }): Promise<CopyLanding> {
    const identity = await this.identity();
    return this.write(async (client) => {
      await lockOrigin(client, run.origin);
      const here = await existing(client, run.origin, identity, 'run');
      if (here !== null) return { id: here, created: false };
      // The same run imported from another tracker into both stores is one run.
      const imported = run.row.external_id === null ? undefined : await value<number>(client, 'SELECT id FROM runs WHERE external_id = ?', [run.row.external_id]);
      if (imported !== undefined) return { id: imported, created: false };
      const experimentId = await requireExperiment(client, run.experiment);
      const r = run.row;
      const id = (await value<number>(
        client,
        `INSERT INTO runs (experiment_id, parent_run_id, sweep_id, copied_from, ${RUN_COLUMNS}) VALUES (?, ?, ?, ?, ${marks(RUN_COLUMNS)}) RETURNING id`,
        [
          experimentId, links.parentRunId, links.sweepId, run.origin,
          r.name, r.status, r.kind, r.backend, r.device, r.seed, r.config, r.outcome, r.trial, r.created_at, r.started_at, r.ended_at, r.error, r.owner_host, r.owner_pid, r.notes, r.archived, r.deleted_at, r.source, r.external_id, r.heard_at,
        ],
      )) as number;
      const p = run.params;
      await query(client, 'INSERT INTO params (run_id, key, type, num_value, text_value) SELECT ?, * FROM unnest(?::text[], ?::text[], ?::double precision[], ?::text[])', [
        id, p.map((x) => x.key), p.map((x) => x.type), p.map((x) => x.num_value), p.map((x) => x.text_value),
      ]);
      const m = run.metrics;
      await query(client, 'INSERT INTO metrics (run_id, key, step, value, special, wall_time) SELECT ?, * FROM unnest(?::text[], ?::bigint[], ?::double precision[], ?::text[], ?::bigint[])', [
        id, m.map((x) => x[0]), m.map((x) => x[1]), m.map((x) => x[2]), m.map((x) => x[3]), m.map((x) => x[4]),
      ]);
      const s = run.summaries;
      await query(
        client,
        `INSERT INTO metric_summaries (run_id, key, last_step, last_value, last_special, last_time, min_value, max_value, count)
         SELECT ?, * FROM unnest(?::text[], ?::bigint[], ?::double precision[], ?::text[], ?::bigint[], ?::double precision[], ?::double precision[], ?::bigint[])`,
        [id, s.map((x) => x.key), s.map((x) => x.last_step), s.map((x) => x.last_value), s.map((x) => x.last_special), s.map((x) => x.last_time), s.map((x) => x.min_value), s.map((x) => x.max_value), s.map((x) => x.count)],
      );
      const a = run.artifacts;
      await query(client, 'INSERT INTO run_artifacts (run_id, name, data, created_at) SELECT ?, * FROM unnest(?::text[], ?::text[], ?::bigint[])', [id, a.map((x) => x.name), a.map((x) => x.data), a.map((x) => x.created_at)]);
      const t = run.tags;
      await query(client, 'INSERT INTO tags (run_id, key, value) SELECT ?, * FROM unnest(?::text[], ?::text[])', [id, t.map((x) => x.key), t.map((x) => x.value)]);
      if (run.latestOfTrial && links.sweepId !== null && r.trial !== null) await query(client, 'UPDATE sweep_trials SET run_id = ? WHERE sweep_id = ? AND trial = ?', [id, links.sweepId, r.trial]);
      return { id, created: true };
    });
  }

  async lock(): Promise<() => Promise<void>> {
    // A session lock on a client of its own: freed by the release, or by the server when the copy's connection dies.
    const client = await this.pool.connect();
    try {
      if ((await value<boolean>(client, `SELECT pg_try_advisory_lock(${LOCK_KEY})`)) !== true) {
        throw new AppError('CONFLICT', copyLockedMessage(this.path, 'another session of this database holds its copy lock'));
      }
    } catch (error) {
      client.release();
      throw error;
    }
    return async () => {
      try {
        await query(client, `SELECT pg_advisory_unlock(${LOCK_KEY})`);
      } finally {
        client.release();
      }
    };
  }
}

/** Two writes of one origin at once (two copies that both passed their lock, which cannot be): the second waits for the first. */
async function lockOrigin(client: PoolClient, origin: string): Promise<void> {
  await query(client, 'SELECT pg_advisory_xact_lock(hashtext(?))', [`runboard-copy:${origin}`]);
}

/** The id here of what `origin` names: first logged here (and still here), or copied here before. */
async function existing(on: Queryable, origin: string, identity: string, what: 'run' | 'sweep'): Promise<number | null> {
  const table = what === 'run' ? 'runs' : 'sweeps';
  const local = localIdOf(origin, identity, what);
  if (local !== null && (await value<number>(on, `SELECT id FROM ${table} WHERE id = ?`, [local])) !== undefined) return local;
  return (await value<number>(on, `SELECT id FROM ${table} WHERE copied_from = ?`, [origin])) ?? null;
}

async function requireExperiment(client: PoolClient, experiment: { name: string; created_at: number }): Promise<number> {
  await query(client, 'INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [experiment.name, experiment.created_at]);
  return (await value<number>(client, 'SELECT id FROM experiments WHERE name = ?', [experiment.name])) as number;
}
