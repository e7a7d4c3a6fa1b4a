import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from 'better-sqlite3';
import { AppError } from '../../src-shared/api/errors';
import { isProcessAlive } from './stored-values';
import { copyLockedMessage, localIdOf, originOf, type CopiedRun, type CopiedRunRow, type CopiedSweep, type CopiedSweepRow, type CopyLanding, type StoreCopies } from './store-copies';

const RUN_COLUMNS = 'name, status, kind, backend, device, seed, config, outcome, trial, created_at, started_at, ended_at, error, owner_host, owner_pid, notes, archived, deleted_at, source, external_id, heard_at';
const SWEEP_COLUMNS = 'name, strategy, space, fixed, objective_metric, objective_direction, trials, seed, parallel, asha, on_workers, warm_start, status, error, created_at, ended_at, owner_host, owner_pid';

/** The named parameters of a row's columns, for an INSERT (`@name, @status...`). */
const named = (columns: string) => columns.split(', ').map((c) => `@${c}`).join(', ');

/** SQLite's side of `runboard db copy` (`StoreCopies`), on the store's connection and writer. */
export class SqliteCopies implements StoreCopies {
  private readonly s;

  constructor(
    db: Database,
    private readonly write: <T>(body: () => T) => T,
    private readonly path: string,
  ) {
    this.s = {
      identity: db.prepare('SELECT identity FROM store_identity WHERE id = 1').pluck(),
      runIds: db.prepare('SELECT id FROM runs ORDER BY id').pluck(),
      sweepIds: db.prepare('SELECT id FROM sweeps ORDER BY id').pluck(),
      run: db.prepare(
        `SELECT r.id, ${RUN_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')}, r.parent_run_id, r.sweep_id, r.copied_from,
                e.name AS experiment_name, e.created_at AS experiment_created_at,
                EXISTS (SELECT 1 FROM sweep_trials t WHERE t.run_id = r.id) AS latest_of_trial
         FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`,
      ),
      params: db.prepare('SELECT key, type, num_value, text_value FROM params WHERE run_id = ? ORDER BY key'),
      metrics: db.prepare('SELECT key, step, value, special, wall_time FROM metrics WHERE run_id = ? ORDER BY step, key, wall_time').raw(true),
      summaries: db.prepare('SELECT key, last_step, last_value, last_special, last_time, min_value, max_value, count FROM metric_summaries WHERE run_id = ? ORDER BY key'),
      artifacts: db.prepare('SELECT name, data, created_at FROM run_artifacts WHERE run_id = ? ORDER BY name'),
      tags: db.prepare('SELECT key, value FROM tags WHERE run_id = ? ORDER BY key'),
      sweep: db.prepare(
        `SELECT s.id, ${SWEEP_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}, s.copied_from, e.name AS experiment_name, e.created_at AS experiment_created_at
         FROM sweeps s JOIN experiments e ON e.id = s.experiment_id WHERE s.id = ?`,
      ),
      trials: db.prepare('SELECT trial, params, claim_state, claimed_by, claimed_at, heartbeat_at, attempts FROM sweep_trials WHERE sweep_id = ? ORDER BY trial'),
      rungs: db.prepare('SELECT epoch, trial, value FROM sweep_rungs WHERE sweep_id = ? ORDER BY id'),
      insertExperiment: db.prepare('INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING'),
      experimentId: db.prepare('SELECT id FROM experiments WHERE name = ?').pluck(),
      runByOrigin: db.prepare('SELECT id FROM runs WHERE copied_from = ?').pluck(),
      runExists: db.prepare('SELECT id FROM runs WHERE id = ?').pluck(),
      runByExternalId: db.prepare('SELECT id FROM runs WHERE external_id = ?').pluck(),
      insertRun: db.prepare(
        `INSERT INTO runs (experiment_id, parent_run_id, sweep_id, copied_from, ${RUN_COLUMNS})
         VALUES (@experiment_id, @parent_run_id, @sweep_id, @copied_from, ${named(RUN_COLUMNS)})`,
      ),
      insertParam: db.prepare('INSERT INTO params (run_id, key, type, num_value, text_value) VALUES (?, ?, ?, ?, ?)'),
      insertMetric: db.prepare('INSERT INTO metrics (run_id, key, step, value, special, wall_time) VALUES (?, ?, ?, ?, ?, ?)'),
      insertSummary: db.prepare(
        'INSERT INTO metric_summaries (run_id, key, last_step, last_value, last_special, last_time, min_value, max_value, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertArtifact: db.prepare('INSERT INTO run_artifacts (run_id, name, data, created_at) VALUES (?, ?, ?, ?)'),
      insertTag: db.prepare('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)'),
      linkTrial: db.prepare('UPDATE sweep_trials SET run_id = ? WHERE sweep_id = ? AND trial = ?'),
      sweepByOrigin: db.prepare('SELECT id FROM sweeps WHERE copied_from = ?').pluck(),
      sweepExists: db.prepare('SELECT id FROM sweeps WHERE id = ?').pluck(),
      insertSweep: db.prepare(`INSERT INTO sweeps (experiment_id, copied_from, ${SWEEP_COLUMNS}) VALUES (@experiment_id, @copied_from, ${named(SWEEP_COLUMNS)})`),
      insertTrial: db.prepare('INSERT INTO sweep_trials (sweep_id, trial, params, claim_state, claimed_by, claimed_at, heartbeat_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      insertRung: db.prepare('INSERT INTO sweep_rungs (sweep_id, epoch, trial, value) VALUES (?, ?, ?, ?)'),
      lockHolder: db.prepare('SELECT host, pid, since FROM copy_lock WHERE id = 1'),
      takeLock: db.prepare(
        'INSERT INTO copy_lock (id, token, host, pid, since) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET token = excluded.token, host = excluded.host, pid = excluded.pid, since = excluded.since',
      ),
      releaseLock: db.prepare('DELETE FROM copy_lock WHERE id = 1 AND token = ?'),
    };
  }

  async identity(): Promise<string> {
    return this.s.identity.get() as string;
  }

  async contents(): Promise<{ runIds: number[]; sweepIds: number[] }> {
    return { runIds: this.s.runIds.all() as number[], sweepIds: this.s.sweepIds.all() as number[] };
  }

  async readRun(runId: number): Promise<CopiedRun | null> {
    const row = this.s.run.get(runId) as (CopiedRunRow & { id: number; parent_run_id: number | null; sweep_id: number | null; copied_from: string | null; experiment_name: string; experiment_created_at: number; latest_of_trial: number }) | undefined;
    if (!row) return null;
    const { id, parent_run_id, sweep_id, copied_from, experiment_name, experiment_created_at, latest_of_trial, ...own } = row;
    return {
      origin: copied_from ?? originOf(await this.identity(), 'run', id),
      sourceId: id,
      experiment: { name: experiment_name, created_at: experiment_created_at },
      row: own,
      parentRunId: parent_run_id,
      sweepId: sweep_id,
      latestOfTrial: latest_of_trial === 1,
      params: this.s.params.all(id) as CopiedRun['params'],
      metrics: this.s.metrics.all(id) as CopiedRun['metrics'],
      summaries: this.s.summaries.all(id) as CopiedRun['summaries'],
      artifacts: this.s.artifacts.all(id) as CopiedRun['artifacts'],
      tags: this.s.tags.all(id) as CopiedRun['tags'],
    };
  }

  async readSweep(sweepId: number): Promise<CopiedSweep | null> {
    const row = this.s.sweep.get(sweepId) as (CopiedSweepRow & { id: number; copied_from: string | null; experiment_name: string; experiment_created_at: number }) | undefined;
    if (!row) return null;
    const { id, copied_from, experiment_name, experiment_created_at, ...own } = row;
    return {
      origin: copied_from ?? originOf(await this.identity(), 'sweep', id),
      sourceId: id,
      experiment: { name: experiment_name, created_at: experiment_created_at },
      row: own,
      trials: this.s.trials.all(id) as CopiedSweep['trials'],
      rungs: this.s.rungs.all(id) as CopiedSweep['rungs'],
    };
  }

  async writeExperiment(experiment: { name: string; created_at: number }): Promise<void> {
    this.write(() => this.s.insertExperiment.run(experiment.name, experiment.created_at));
  }

  async writeSweep(sweep: CopiedSweep): Promise<CopyLanding> {
    const identity = await this.identity();
    return this.write(() => {
      const here = this.existing(sweep.origin, identity, 'sweep');
      if (here !== null) return { id: here, created: false };
      const id = Number(this.s.insertSweep.run({ ...sweep.row, experiment_id: this.experimentId(sweep.experiment), copied_from: sweep.origin }).lastInsertRowid);
      for (const t of sweep.trials) this.s.insertTrial.run(id, t.trial, t.params, t.claim_state, t.claimed_by, t.claimed_at, t.heartbeat_at, t.attempts);
      for (const r of sweep.rungs) this.s.insertRung.run(id, r.epoch, r.trial, r.value);
      return { id, created: true };
    });
  }

  async writeRun(run: CopiedRun, links: { parentRunId: number | null; sweepId: number | null }): Promise<CopyLanding> {
    const identity = await this.identity();
    return this.write(() => {
      const here = this.existing(run.origin, identity, 'run');
      if (here !== null) return { id: here, created: false };
      // The same run imported from another tracker into both stores is one run.
      const imported = run.row.external_id === null ? undefined : (this.s.runByExternalId.get(run.row.external_id) as number | undefined);
      if (imported !== undefined) return { id: imported, created: false };
      const id = Number(
        this.s.insertRun.run({ ...run.row, experiment_id: this.experimentId(run.experiment), parent_run_id: links.parentRunId, sweep_id: links.sweepId, copied_from: run.origin }).lastInsertRowid,
      );
      for (const p of run.params) this.s.insertParam.run(id, p.key, p.type, p.num_value, p.text_value);
      for (const [key, step, value, special, time] of run.metrics) this.s.insertMetric.run(id, key, step, value, special, time);
      for (const m of run.summaries) this.s.insertSummary.run(id, m.key, m.last_step, m.last_value, m.last_special, m.last_time, m.min_value, m.max_value, m.count);
      for (const a of run.artifacts) this.s.insertArtifact.run(id, a.name, a.data, a.created_at);
      for (const t of run.tags) this.s.insertTag.run(id, t.key, t.value);
      if (run.latestOfTrial && links.sweepId !== null && run.row.trial !== null) this.s.linkTrial.run(id, links.sweepId, run.row.trial);
      return { id, created: true };
    });
  }

  async lock(): Promise<() => Promise<void>> {
    const host = hostname();
    const token = randomUUID();
    this.write(() => {
      const held = this.s.lockHolder.get() as { host: string; pid: number; since: number } | undefined;
      // A lock left by a copy that died (kill -9) is taken over; one held on another machine cannot be checked, so it holds.
      if (held && (held.host !== host || isProcessAlive(held.pid))) {
        throw new AppError('CONFLICT', copyLockedMessage(this.path, `pid ${held.pid} on ${held.host}, since ${new Date(held.since).toISOString()}`));
      }
      this.s.takeLock.run(token, host, process.pid, Date.now());
    });
    return async () => {
      this.write(() => this.s.releaseLock.run(token));
    };
  }

  /** The id here of what `origin` names: first logged here (and still here), or copied here before. */
  private existing(origin: string, identity: string, what: 'run' | 'sweep'): number | null {
    const local = localIdOf(origin, identity, what);
    if (local !== null && (what === 'run' ? this.s.runExists : this.s.sweepExists).get(local) !== undefined) return local;
    const copied = (what === 'run' ? this.s.runByOrigin : this.s.sweepByOrigin).get(origin) as number | undefined;
    return copied ?? null;
  }

  private experimentId(experiment: { name: string; created_at: number }): number {
    this.s.insertExperiment.run(experiment.name, experiment.created_at);
    return this.s.experimentId.get(experiment.name) as number;
  }
}
