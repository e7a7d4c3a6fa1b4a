import type { Database } from 'better-sqlite3';

/** Whether the summary row being upserted is later than the stored one: a higher step, or the same step no earlier. */
const LATER = '(excluded.last_step > last_step OR (excluded.last_step = last_step AND excluded.last_time >= coalesce(last_time, 0)))';

/** Asks the host training a run to stop it (see `RunStore.requestStop`). */
export const REQUEST_RUN_STOP_SQL = "UPDATE runs SET stop_requested = 1 WHERE id = ? AND status IN ('queued','running')";
export const RUN_STOP_REQUESTED_SQL = 'SELECT stop_requested FROM runs WHERE id = ?';

/** The run store's statements, prepared once per connection. */
export function prepareStatements(db: Database) {
  return {
    insertExperiment: db.prepare('INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING'),
    experimentByName: db.prepare('SELECT id FROM experiments WHERE name = ?'),
    experiments: db.prepare(
      'SELECT e.id, e.name, (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id AND r.deleted_at IS NULL) AS run_count FROM experiments e ORDER BY e.name',
    ),
    runExists: db.prepare('SELECT 1 FROM runs WHERE id = ?'),
    insertRun: db.prepare(
      `INSERT INTO runs (experiment_id, name, status, kind, backend, seed, config, parent_run_id, sweep_id, trial, created_at, owner_host, owner_pid, owner_started, owner_boot)
       VALUES (@experiment_id, @name, @status, @kind, @backend, @seed, @config, @parent_run_id, @sweep_id, @trial, @created_at, @owner_host, @owner_pid, @owner_started, @owner_boot)`,
    ),
    renameRun: db.prepare('UPDATE runs SET name = ? WHERE id = ?'),
    setTrialRun: db.prepare('UPDATE sweep_trials SET run_id = ? WHERE sweep_id = ? AND trial = ?'),
    insertParam: db.prepare('INSERT INTO params (run_id, key, type, num_value, text_value) VALUES (?, ?, ?, ?, ?)'),
    // Only a queued run starts: one ended meanwhile (a sweep worker's trial handed on) keeps its end.
    markRunning: db.prepare("UPDATE runs SET status = 'running', backend = ?, device = ?, started_at = ? WHERE id = ? AND status = 'queued'"),
    // A point logged again at the same step and time (a retried batch) is there already: it adds nothing.
    insertMetric: db.prepare(
      `INSERT INTO metrics (run_id, key, step, value, special, wall_time) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, step, key, wall_time) DO NOTHING`,
    ),
    // The last value is the one of the highest step, and of the latest time within it (as MLflow's latest metric).
    upsertSummary: db.prepare(
      `INSERT INTO metric_summaries (run_id, key, last_step, last_value, last_special, last_time, min_value, max_value, count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, key) DO UPDATE SET
         last_value = CASE WHEN ${LATER} THEN excluded.last_value ELSE last_value END,
         last_special = CASE WHEN ${LATER} THEN excluded.last_special ELSE last_special END,
         last_time = CASE WHEN ${LATER} THEN excluded.last_time ELSE last_time END,
         last_step = CASE WHEN ${LATER} THEN excluded.last_step ELSE last_step END,
         min_value = CASE WHEN excluded.min_value IS NULL THEN min_value WHEN min_value IS NULL THEN excluded.min_value ELSE min(min_value, excluded.min_value) END,
         max_value = CASE WHEN excluded.max_value IS NULL THEN max_value WHEN max_value IS NULL THEN excluded.max_value ELSE max(max_value, excluded.max_value) END,
         count = count + excluded.count`,
    ),
    requestStop: db.prepare(REQUEST_RUN_STOP_SQL),
    stopRequested: db.prepare(RUN_STOP_REQUESTED_SQL).pluck(),
    endRun: db.prepare("UPDATE runs SET status = ?, ended_at = ?, error = ?, outcome = coalesce(?, outcome) WHERE id = ? AND status IN ('queued','running')"),
    putArtifact: db.prepare('INSERT INTO run_artifacts (run_id, name, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, name) DO UPDATE SET data = excluded.data, created_at = excluded.created_at'),
    getArtifact: db.prepare('SELECT data FROM run_artifacts WHERE run_id = ? AND name = ?'),
    configOfRun: db.prepare('SELECT config FROM runs WHERE id = ?'),
    metricKeysOfRun: db.prepare('SELECT key FROM metric_summaries WHERE run_id = ? ORDER BY key'),
    seriesOf: db.prepare('SELECT step, value, special, wall_time FROM metrics WHERE run_id = ? AND key = ? AND step > ? ORDER BY step, wall_time'),
    // External runs have no owning process: they end by their script's call, or by their silence (interruptSilent).
    unfinishedRuns: db.prepare("SELECT id, owner_host, owner_pid, owner_started, owner_boot FROM runs WHERE status IN ('queued','running') AND kind != 'external'"),
    interruptRun: db.prepare(
      `UPDATE runs SET status = 'interrupted', error = ?,
         ended_at = coalesce((SELECT max(wall_time) FROM metrics m WHERE m.run_id = runs.id), started_at, created_at)
       WHERE id = ? AND status IN ('queued','running')`,
    ),
  };
}
