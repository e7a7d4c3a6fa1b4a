import { EPOCH_METRICS, hasBest, type RunSummary } from '../../src-shared/entities/run';
import { paramRows } from '../../src-shared/param-diff';

/**
 * A report's runs table when no columns are chosen: who each run is (id, name, status, duration; a sweep's trial),
 * the params that differ between the runs (the shared ones add nothing), the final value of each usual metric and
 * the best validation values. `--columns` chooses any of the export's columns instead.
 */
export function defaultReportColumns(runs: readonly RunSummary[], sweep: boolean): string[] {
  const differing = runs.length < 2 ? paramRows(runs) : paramRows(runs).filter((row) => row.differs);
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
    ...differing.map((row) => `params.${row.key}`),
    ...metrics.map((k) => `metrics.${k}`),
    ...best.map((k) => `best.${k}`),
  ];
}
