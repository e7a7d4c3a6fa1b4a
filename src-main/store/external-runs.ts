import type { Database } from 'better-sqlite3';
import { AppError } from '../../src-shared/api/errors';
import { isTerminal, type RunSource } from '../../src-shared/entities/run';
import { encodeParamText, storedParamText } from './stored-values';
import { decodeMetric } from './run-summaries';
import type { ExperimentRecord, ExternalLogEntry, ExternalRunChange, ExternalRunInput, ImportedRun, MetricPointInput, ParamText, RunRecord } from './run-store';

interface RunRow {
  id: number;
  kind: string;
  status: string;
  heard_at: number | null;
}

/**
 * Runs Runboard did not train: those a script logs live (the MLflow API) and those read from another tracker's
 * records (imports). On the store's connection and writer; each method is one transaction.
 */
export class ExternalRuns {
  private readonly s;

  constructor(
    db: Database,
    private readonly write: <T>(body: () => T) => T,
    private readonly writePoints: (runId: number, points: readonly MetricPointInput[]) => void,
  ) {
    this.s = {
      insertExperiment: db.prepare('INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING'),
      experimentById: db.prepare('SELECT id, name, created_at FROM experiments WHERE id = ?'),
      experimentByName: db.prepare('SELECT id, name, created_at FROM experiments WHERE name = ?'),
      insertRun: db.prepare(
        `INSERT INTO runs (experiment_id, name, status, kind, config, created_at, started_at, ended_at, source, external_id, heard_at)
         VALUES (@experiment_id, @name, @status, 'external', '{}', @start, @start, @end, @source, @external_id, @heard_at)`,
      ),
      renameRun: db.prepare('UPDATE runs SET name = ? WHERE id = ?'),
      runById: db.prepare('SELECT id, kind, status, heard_at FROM runs WHERE id = ? AND deleted_at IS NULL'),
      runByExternalId: db.prepare('SELECT id FROM runs WHERE external_id = ?').pluck(),
      setStatus: db.prepare('UPDATE runs SET status = ?, error = NULL WHERE id = ?'),
      setEnded: db.prepare('UPDATE runs SET ended_at = ? WHERE id = ?'),
      heard: db.prepare('UPDATE runs SET heard_at = max(coalesce(heard_at, 0), ?) WHERE id = ?'),
      revive: db.prepare("UPDATE runs SET status = 'running', ended_at = NULL, error = NULL WHERE id = ? AND status = 'interrupted' AND kind = 'external'"),
      param: db.prepare('SELECT type, num_value, text_value FROM params WHERE run_id = ? AND key = ?'),
      insertParam: db.prepare('INSERT INTO params (run_id, key, type, num_value, text_value) VALUES (?, ?, ?, ?, ?)'),
      setTag: db.prepare('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value'),
      deleteTag: db.prepare('DELETE FROM tags WHERE run_id = ? AND key = ?'),
      silent: db.prepare(
        `UPDATE runs SET status = 'interrupted', error = ?, ended_at = heard_at
         WHERE kind = 'external' AND status IN ('queued','running') AND heard_at IS NOT NULL AND heard_at < ? RETURNING id`,
      ).pluck(),
      params: db.prepare('SELECT run_id, key, type, num_value, text_value FROM params WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY key'),
      latest: db.prepare(
        'SELECT run_id, key, last_step, last_value, last_special, coalesce(last_time, 0) AS last_time FROM metric_summaries WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY key',
      ),
    };
  }

  createExperiment(name: string, now: number): ExperimentRecord {
    return this.write(() => {
      if (this.s.experimentByName.get(name)) throw new AppError('CONFLICT', `Experiment "${name}" already exists.`);
      this.s.insertExperiment.run(name, now);
      return this.s.experimentByName.get(name) as ExperimentRecord;
    });
  }

  findExperiment(ref: { id: number } | { name: string }): ExperimentRecord | null {
    const row = 'id' in ref ? this.s.experimentById.get(ref.id) : this.s.experimentByName.get(ref.name);
    return (row as ExperimentRecord | undefined) ?? null;
  }

  create(input: ExternalRunInput, now: number): number {
    return this.write(() => {
      const experiment = this.requireExperiment(input.experiment);
      const runId = this.insertRun({ experimentId: experiment.id, name: input.name, status: 'running', start: input.startTime, end: null, source: input.source, externalId: null, heardAt: now });
      for (const [key, value] of Object.entries(input.tags ?? {})) this.s.setTag.run(runId, key, value);
      return runId;
    });
  }

  update(runId: number, change: ExternalRunChange, heardAt: number): void {
    this.write(() => {
      const run = this.requireRun(runId);
      if (run.kind !== 'external') throw trainedRun(runId, 'change its status, end time or name');
      if (change.status !== undefined) {
        this.s.setStatus.run(change.status, runId);
        if (!isTerminal(change.status)) this.s.setEnded.run(null, runId);
        else if (change.endTime === undefined) this.s.setEnded.run(heardAt, runId);
      }
      if (change.endTime !== undefined) this.s.setEnded.run(change.endTime, runId);
      if (change.name !== undefined && change.name.trim() !== '') this.s.renameRun.run(change.name.trim(), runId);
      this.s.heard.run(heardAt, runId);
    });
  }

  log(runId: number, entry: ExternalLogEntry, heardAt: number): void {
    this.write(() => {
      const run = this.requireRun(runId);
      const logsData = (entry.metrics?.length ?? 0) > 0 || (entry.params?.length ?? 0) > 0;
      if (logsData && run.kind !== 'external') throw trainedRun(runId, 'log metrics or params to it');
      for (const param of entry.params ?? []) this.putParam(runId, param);
      for (const [key, value] of Object.entries(entry.tags ?? {})) this.s.setTag.run(runId, key, value);
      for (const key of entry.deleteTags ?? []) {
        if (this.s.deleteTag.run(runId, key).changes === 0) throw new AppError('NOT_FOUND', `Run ${runId} has no tag "${key}".`);
      }
      if (entry.metrics && entry.metrics.length > 0) this.writePoints(runId, entry.metrics);
      if (run.kind === 'external') {
        this.s.revive.run(runId);
        this.s.heard.run(heardAt, runId);
      }
    });
  }

  importRun(run: ImportedRun): { runId: number; created: boolean } {
    return this.write(() => {
      const existing = this.s.runByExternalId.get(run.externalId) as number | undefined;
      if (existing !== undefined) return { runId: existing, created: false };
      const experiment = this.requireExperiment(run.experiment);
      const lastPoint = run.metrics.reduce((latest, point) => Math.max(latest, point.time), 0);
      // A run imported as running is judged by its silence like a live one: from its last sign of life.
      const heardAt = Math.max(run.startTime, run.endTime ?? 0, lastPoint);
      const runId = this.insertRun({ experimentId: experiment.id, name: run.name, status: run.status, start: run.startTime, end: run.endTime, source: run.source, externalId: run.externalId, heardAt });
      for (const param of run.params) this.putParam(runId, param);
      for (const [key, value] of Object.entries(run.tags)) this.s.setTag.run(runId, key, value);
      if (run.metrics.length > 0) this.writePoints(runId, run.metrics);
      return { runId, created: true };
    });
  }

  interruptSilent(heardBefore: number, reason: string): number[] {
    return this.write(() => this.s.silent.all(reason, heardBefore) as number[]);
  }

  records(runIds: readonly number[]): RunRecord[] {
    const ids = JSON.stringify(runIds);
    const byRun = new Map<number, RunRecord>(runIds.map((id) => [id, { run_id: id, params: {}, latest: [] }]));
    for (const row of this.s.params.all(ids) as { run_id: number; key: string; type: string; num_value: number | null; text_value: string | null }[]) {
      const record = byRun.get(row.run_id);
      if (record) record.params[row.key] = storedParamText(row.type, row.num_value, row.text_value);
    }
    for (const row of this.s.latest.all(ids) as { run_id: number; key: string; last_step: number; last_value: number | null; last_special: string | null; last_time: number }[]) {
      byRun.get(row.run_id)?.latest.push({ key: row.key, value: decodeMetric(row.last_value, row.last_special), step: row.last_step, time: row.last_time });
    }
    return runIds.map((id) => byRun.get(id) as RunRecord);
  }

  private insertRun(run: { experimentId: number; name: string | undefined; status: string; start: number; end: number | null; source: RunSource; externalId: string | null; heardAt: number }): number {
    const result = this.s.insertRun.run({
      experiment_id: run.experimentId,
      name: run.name?.trim() || '',
      status: run.status,
      start: run.start,
      end: run.end,
      source: JSON.stringify(run.source),
      external_id: run.externalId,
      heard_at: run.heardAt,
    });
    const runId = Number(result.lastInsertRowid);
    if (!run.name?.trim()) this.s.renameRun.run(`run-${runId}`, runId);
    return runId;
  }

  /** Params are immutable, as in MLflow: the same text again is fine, another one is refused. */
  private putParam(runId: number, param: ParamText): void {
    const stored = this.s.param.get(runId, param.key) as { type: string; num_value: number | null; text_value: string | null } | undefined;
    if (stored) {
      const text = storedParamText(stored.type, stored.num_value, stored.text_value);
      if (text === param.text) return;
      throw new AppError(
        'BAD_INPUT',
        `Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${text}' for run ID='${runId}'. Attempted logging new value '${param.text}'.`,
      );
    }
    this.s.insertParam.run(runId, param.key, ...encodeParamText(param.text));
  }

  private requireExperiment(name: string): ExperimentRecord {
    this.s.insertExperiment.run(name, Date.now());
    return this.s.experimentByName.get(name) as ExperimentRecord;
  }

  private requireRun(runId: number): RunRow {
    const run = this.s.runById.get(runId) as RunRow | undefined;
    if (!run) throw new AppError('NOT_FOUND', `Run ${runId} does not exist.`);
    return run;
  }
}

function trainedRun(runId: number, what: string): AppError {
  return new AppError('BAD_INPUT', `Run ${runId} is trained by Runboard: only runs logged from a script or imported can ${what}.`);
}
