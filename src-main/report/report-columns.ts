import { EPOCH_METRICS, hasBest, type RunSummary } from '../../src-shared/entities/run';

/**
 * A report's runs table when no columns are chosen: who each run is (id, name, status, epochs, duration; a sweep's
 * trial), the final value of each usual metric and the best validation values. The params are the report's next
 * table (those that differ), so the runs table stays narrow enough to print. `--columns` chooses any of the export's
 * columns instead.
 */
export function defaultReportColumns(runs: readonly RunSummary[], sweep: boolean): string[] {
  const logged = new Set(runs.flatMap((r) => Object.keys(r.metrics)));
  const metrics = EPOCH_METRICS.filter((k) => logged.has(k) && k !== 'lr');
  const best = ['val_accuracy', 'val_loss'].filter((k) => hasBest(k) && runs.some((r) => k in r.best));
  return [
    'run_id',
    'name',
    'status',
    ...(sweep ? ['trial'] : []),
    'epochs',
    'duration_s',
    ...metrics.map((k) => `metrics.${k}`),
    ...best.map((k) => `best.${k}`),
  ];
}
