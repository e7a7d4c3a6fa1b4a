import type { PoolClient } from 'pg';
import { AppError } from '../../../src-shared/api/errors';
import { isTerminal, type RunSource } from '../../../src-shared/entities/run';
import { decodeMetric } from '../run-summaries';
import type { ExperimentRecord, ExternalLogEntry, ExternalRunChange, ExternalRunInput, ImportedRun, MetricPointInput, ParamText, RunRecord } from '../run-store';
import { encodeParamText, storedParamText } from '../stored-values';
import { query, value, type Queryable } from './session';

type Write = <T>(body: (client: PoolClient) => Promise<T>) => Promise<T>;

/**
 * Runs Runboard did not train, on PostgreSQL: those a script logs live (the MLflow API) and imported ones. The same
 * rules as SQLite's `ExternalRuns`; each method is one transaction.
 */
export class PostgresExternalRuns {
  constructor(
    private readonly read: Queryable,
    private readonly write: Write,
    private readonly writePoints: (client: PoolClient, runId: number, points: readonly MetricPointInput[], firstStep: 0 | 1) => Promise<void>,
  ) {}

  async createExperiment(name: string, now: number): Promise<ExperimentRecord> {
    return this.write(async (client) => {
      const [created] = await query<ExperimentRecord>(client, 'INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING RETURNING id, name, created_at', [name, now]);
      if (!created) throw new AppError('CONFLICT', `Experiment "${name}" already exists.`);
      return created;
    });
  }

  async findExperiment(ref: { id: number } | { name: string }): Promise<ExperimentRecord | null> {
    const [row] = 'id' in ref
      ? await query<ExperimentRecord>(this.read, 'SELECT id, name, created_at FROM experiments WHERE id = ?', [ref.id])
      : await query<ExperimentRecord>(this.read, 'SELECT id, name, created_at FROM experiments WHERE name = ?', [ref.name]);
    return row ?? null;
  }

  async create(input: ExternalRunInput, now: number): Promise<number> {
    return this.write(async (client) => {
      const experimentId = await requireExperiment(client, input.experiment);
      const runId = await insertRun(client, { experimentId, name: input.name, status: 'running', start: input.startTime, end: null, source: input.source, externalId: null, heardAt: now });
      await setTags(client, runId, input.tags ?? {});
      return runId;
    });
  }

  async update(runId: number, change: ExternalRunChange, heardAt: number): Promise<void> {
    await this.write(async (client) => {
      const run = await requireRun(client, runId);
      if (run.kind !== 'external') throw trainedRun(runId, 'change its status, end time or name');
      if (change.status !== undefined) {
        await query(client, 'UPDATE runs SET status = ?, error = NULL WHERE id = ?', [change.status, runId]);
        if (!isTerminal(change.status)) await query(client, 'UPDATE runs SET ended_at = NULL WHERE id = ?', [runId]);
        else if (change.endTime === undefined) await query(client, 'UPDATE runs SET ended_at = ? WHERE id = ?', [heardAt, runId]);
      }
      if (change.endTime !== undefined) await query(client, 'UPDATE runs SET ended_at = ? WHERE id = ?', [change.endTime, runId]);
      if (change.name !== undefined && change.name.trim() !== '') await query(client, 'UPDATE runs SET name = ? WHERE id = ?', [change.name.trim(), runId]);
      await heard(client, runId, heardAt);
    });
  }

  async log(runId: number, entry: ExternalLogEntry, heardAt: number): Promise<void> {
    await this.write(async (client) => {
      const run = await requireRun(client, runId);
      const logsData = (entry.metrics?.length ?? 0) > 0 || (entry.params?.length ?? 0) > 0;
      if (logsData && run.kind !== 'external') throw trainedRun(runId, 'log metrics or params to it');
      for (const param of entry.params ?? []) await putParam(client, runId, param);
      await setTags(client, runId, entry.tags ?? {});
      for (const key of entry.deleteTags ?? []) {
        if ((await query(client, 'DELETE FROM tags WHERE run_id = ? AND key = ? RETURNING key', [runId, key])).length === 0) throw new AppError('NOT_FOUND', `Run ${runId} has no tag "${key}".`);
      }
      if (entry.metrics && entry.metrics.length > 0) await this.writePoints(client, runId, entry.metrics, 0);
      if (run.kind === 'external') {
        await query(client, "UPDATE runs SET status = 'running', ended_at = NULL, error = NULL WHERE id = ? AND status = 'interrupted' AND kind = 'external'", [runId]);
        await heard(client, runId, heardAt);
      }
    });
  }

  async importRun(run: ImportedRun): Promise<{ runId: number; created: boolean }> {
    return this.write(async (client) => {
      // Two imports of the same run at once: the second waits for the first's commit, then finds its run.
      await query(client, 'SELECT pg_advisory_xact_lock(hashtext(?))', [`runboard-import:${run.externalId}`]);
      const existing = await value<number>(client, 'SELECT id FROM runs WHERE external_id = ?', [run.externalId]);
      if (existing !== undefined) return { runId: existing, created: false };
      const experimentId = await requireExperiment(client, run.experiment);
      const lastPoint = run.metrics.reduce((latest, point) => Math.max(latest, point.time), 0);
      // A run imported as running is judged by its silence like a live one: from its last sign of life.
      const heardAt = Math.max(run.startTime, run.endTime ?? 0, lastPoint);
      const runId = await insertRun(client, { experimentId, name: run.name, status: run.status, start: run.startTime, end: run.endTime, source: run.source, externalId: run.externalId, heardAt });
      for (const param of run.params) await putParam(client, runId, param);
      await setTags(client, runId, run.tags);
      if (run.metrics.length > 0) await this.writePoints(client, runId, run.metrics, 0);
      return { runId, created: true };
    });
  }

  async interruptSilent(heardBefore: number, reason: string): Promise<number[]> {
    return this.write(async (client) =>
      (
        await query<{ id: number }>(
          client,
          `UPDATE runs SET status = 'interrupted', error = ?, ended_at = heard_at
           WHERE kind = 'external' AND status IN ('queued','running') AND heard_at IS NOT NULL AND heard_at < ? RETURNING id`,
          [reason, heardBefore],
        )
      ).map((row) => row.id),
    );
  }

  async records(runIds: readonly number[]): Promise<RunRecord[]> {
    const byRun = new Map<number, RunRecord>(runIds.map((id) => [id, { run_id: id, params: {}, latest: [] }]));
    const params = await query<{ run_id: number; key: string; type: string; num_value: number | null; text_value: string | null }>(
      this.read,
      'SELECT run_id, key, type, num_value, text_value FROM params WHERE run_id = ANY(?::bigint[]) ORDER BY key COLLATE "C"',
      [runIds],
    );
    for (const row of params) {
      const record = byRun.get(row.run_id);
      if (record) record.params[row.key] = storedParamText(row.type, row.num_value, row.text_value);
    }
    const latest = await query<{ run_id: number; key: string; last_step: number; last_value: number | null; last_special: string | null; last_time: number }>(
      this.read,
      'SELECT run_id, key, last_step, last_value, last_special, coalesce(last_time, 0) AS last_time FROM metric_summaries WHERE run_id = ANY(?::bigint[]) ORDER BY key COLLATE "C"',
      [runIds],
    );
    for (const row of latest) byRun.get(row.run_id)?.latest.push({ key: row.key, value: decodeMetric(row.last_value, row.last_special), step: row.last_step, time: row.last_time });
    return runIds.map((id) => byRun.get(id) as RunRecord);
  }
}

async function requireExperiment(client: PoolClient, name: string): Promise<number> {
  await query(client, 'INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [name, Date.now()]);
  return (await value<number>(client, 'SELECT id FROM experiments WHERE name = ?', [name])) as number;
}

async function requireRun(client: PoolClient, runId: number): Promise<{ id: number; kind: string; status: string }> {
  // Locked: two calls for one run (a script's retries) apply one after the other.
  const [run] = await query<{ id: number; kind: string; status: string }>(client, 'SELECT id, kind, status FROM runs WHERE id = ? AND deleted_at IS NULL FOR UPDATE', [runId]);
  if (!run) throw new AppError('NOT_FOUND', `Run ${runId} does not exist.`);
  return run;
}

async function heard(client: PoolClient, runId: number, heardAt: number): Promise<void> {
  await query(client, 'UPDATE runs SET heard_at = greatest(coalesce(heard_at, 0), ?::bigint) WHERE id = ?', [heardAt, runId]);
}

async function setTags(client: PoolClient, runId: number, tags: Readonly<Record<string, string>>): Promise<void> {
  const entries = Object.entries(tags);
  if (entries.length === 0) return;
  await query(client, 'INSERT INTO tags (run_id, key, value) SELECT ?, * FROM unnest(?::text[], ?::text[]) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value', [
    runId,
    entries.map(([k]) => k),
    entries.map(([, v]) => v),
  ]);
}

async function insertRun(
  client: PoolClient,
  run: { experimentId: number; name: string | undefined; status: string; start: number; end: number | null; source: RunSource; externalId: string | null; heardAt: number },
): Promise<number> {
  const runId = (await value<number>(
    client,
    `INSERT INTO runs (experiment_id, name, status, kind, config, created_at, started_at, ended_at, source, external_id, heard_at)
     VALUES (?, ?, ?, 'external', '{}', ?, ?, ?, ?, ?, ?) RETURNING id`,
    [run.experimentId, run.name?.trim() || '', run.status, run.start, run.start, run.end, JSON.stringify(run.source), run.externalId, run.heardAt],
  )) as number;
  if (!run.name?.trim()) await query(client, 'UPDATE runs SET name = ? WHERE id = ?', [`run-${runId}`, runId]);
  return runId;
}

/** Params are immutable, as in MLflow: the same text again is fine, another one is refused. */
async function putParam(client: PoolClient, runId: number, param: ParamText): Promise<void> {
  const [stored] = await query<{ type: string; num_value: number | null; text_value: string | null }>(client, 'SELECT type, num_value, text_value FROM params WHERE run_id = ? AND key = ?', [runId, param.key]);
  if (stored) {
    const text = storedParamText(stored.type, stored.num_value, stored.text_value);
    if (text === param.text) return;
    throw new AppError(
      'BAD_INPUT',
      `Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${text}' for run ID='${runId}'. Attempted logging new value '${param.text}'.`,
    );
  }
  await query(client, 'INSERT INTO params (run_id, key, type, num_value, text_value) VALUES (?, ?, ?, ?, ?)', [runId, param.key, ...encodeParamText(param.text)]);
}

function trainedRun(runId: number, what: string): AppError {
  return new AppError('BAD_INPUT', `Run ${runId} is trained by Runboard: only runs logged from a script or imported can ${what}.`);
}
