import type { Database, Statement } from 'better-sqlite3';
import { hasBest, metricDirection, type MetricValue, type RunKind, type RunOutcome, type RunSource, type RunStatus, type RunSummary } from '../../src-shared/entities/run';
import type { ParamValue } from '../../src-shared/entities/train-config';

type RunRow = [
  id: number,
  name: string,
  experiment: string,
  status: RunStatus,
  backend: string | null,
  device: string | null,
  parentRunId: number | null,
  seed: number | null,
  createdAt: number,
  startedAt: number | null,
  endedAt: number | null,
  error: string | null,
];

/** A stored metric back to its value: NaN and infinities come back as the strings JSON can carry. */
export function decodeMetric(value: number | null, special: string | null): MetricValue {
  if (special === 'NaN' || special === 'Infinity' || special === '-Infinity') return special;
  return value ?? 'NaN';
}

/** Reads run summaries (the runs table's rows) for a WHERE clause over `runs r`; statements are prepared once per clause. */
export class RunSummaryReader {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  /**
   * Runs with their params and metric summaries, newest first. SQLite assembles each run's params and summaries
   * as JSON and the whole answer as one JSON text, which is far cheaper than moving their rows into JavaScript one
   * by one (the runs table stays fast at 10,000 runs: see bench/runs-table.ts).
   */
  read(where: string, args: readonly unknown[]): RunSummary[] {
    let statement = this.statements.get(where);
    if (!statement) {
      statement = this.db.prepare(summariesSql(where)).pluck();
      this.statements.set(where, statement);
    }
    const rows = JSON.parse(statement.get(...args) as string) as SummaryRow[];
    const now = Date.now();
    return rows.map((row) => runSummaryFromRow(row, now));
  }
}

/** A run summary from its row (the same columns on every engine); `now` ends the duration of a running run. */
export function runSummaryFromRow(row: SummaryRow, now: number): RunSummary {
  const [run_id, name, experiment, status, backend, device, parent_run_id, seed, created_at, started_at, ended_at, error, kind, outcome, sweep_id, trial, attempt, notes, archived, deleted, tags, params, summaries, source] = row;
  const end = ended_at ?? (status === 'running' ? now : null);
  const run: RunSummary = {
    run_id,
    name,
    experiment,
    status,
    kind,
    source,
    backend,
    device,
    parent_run_id,
    sweep_id,
    trial,
    attempt,
    seed,
    created_at,
    started_at,
    ended_at,
    duration_s: started_at !== null && end !== null ? Math.max(0, (end - started_at) / 1000) : null,
    error,
    params: params ?? {},
    metrics: {},
    best: {},
    epochs: 0,
    progress: null,
    outcome,
    tags: tags ?? {},
    notes,
    archived: archived === 1,
    deleted: deleted === 1,
  };
  for (const [key, lastStep, lastValue, lastSpecial, min, max] of summaries ?? []) {
    run.metrics[key] = decodeMetric(lastValue, lastSpecial);
    const best = metricDirection(key) === 'max' ? max : min;
    if (best !== null && hasBest(key)) run.best[key] = best;
    if (lastStep > run.epochs) run.epochs = lastStep;
  }
  return run;
}

/** A run's row as the summary queries return it, in this order. */
export type SummaryRow = [
  ...RunRow,
  kind: RunKind,
  outcome: RunOutcome | null,
  sweepId: number | null,
  trial: number | null,
  attempt: number | null,
  notes: string | null,
  archived: number,
  deleted: number,
  tags: Record<string, string> | null,
  params: Record<string, ParamValue> | null,
  summaries: [key: string, lastStep: number, lastValue: number | null, lastSpecial: string | null, min: number | null, max: number | null][] | null,
  source: RunSource | null,
];

/** One JSON array of runs matching `where` (over `runs r`), each with its params object and summary rows. */
function summariesSql(where: string): string {
  return `
    SELECT coalesce(json_group_array(json_array(
      r.id, r.name, e.name, r.status, r.backend, r.device, r.parent_run_id, r.seed, r.created_at, r.started_at, r.ended_at, r.error,
      r.kind, json(r.outcome), r.sweep_id, r.trial,
      iif(r.sweep_id IS NULL, NULL, (SELECT count(*) FROM runs o WHERE o.sweep_id = r.sweep_id AND o.trial = r.trial AND o.id <= r.id)),
      r.notes, r.archived, r.deleted_at IS NOT NULL,
      json((SELECT json_group_object(t.key, t.value) FROM tags t WHERE t.run_id = r.id)),
      json((SELECT json_group_object(p.key, CASE p.type WHEN 'number' THEN p.num_value WHEN 'string' THEN p.text_value
                                                     WHEN 'boolean' THEN json(iif(p.num_value = 1, 'true', 'false')) END)
            FROM params p WHERE p.run_id = r.id)),
      json((SELECT json_group_array(json_array(m.key, m.last_step, m.last_value, m.last_special, m.min_value, m.max_value))
            FROM metric_summaries m WHERE m.run_id = r.id)),
      json(r.source)
    )), '[]')
    FROM (SELECT * FROM runs r ${where ? `WHERE ${where}` : ''} ORDER BY r.id DESC) r
    JOIN experiments e ON e.id = r.experiment_id`;
}
