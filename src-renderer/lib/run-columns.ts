import { RUN_STATUSES, type RunSummary } from '../../src-shared/entities/run';
import { metricToSortValue } from './format';
import { runGap } from './outcome';

export type ColumnKind = 'id' | 'name' | 'sweep' | 'status' | 'experiment' | 'param' | 'metric' | 'best' | 'gap' | 'duration' | 'backend' | 'created';

/** One column of the runs table: what it shows (`kind` + `key`) and how it sorts. */
export interface RunColumn {
  id: string;
  label: string;
  /** Longer description for the header's tooltip. */
  title: string;
  kind: ColumnKind;
  /** The param or metric name, for `param`, `metric` and `best` columns. */
  key: string;
  numeric: boolean;
  /** Width in CSS pixels: fixed, so columns do not jump while the table scrolls. */
  width: number;
}

const param = (key: string, label: string, numeric: boolean, width: number): RunColumn => ({
  id: `param:${key}`,
  label,
  title: `param ${key}`,
  kind: 'param',
  key,
  numeric,
  width,
});
const metric = (key: string, label: string, width: number): RunColumn => ({
  id: `metric:${key}`,
  label,
  title: `final ${key} (last epoch)`,
  kind: 'metric',
  key,
  numeric: true,
  width,
});

export const RUN_COLUMNS: readonly RunColumn[] = [
  { id: 'run_id', label: '#', title: 'run id', kind: 'id', key: 'run_id', numeric: true, width: 44 },
  { id: 'name', label: 'name', title: 'run name', kind: 'name', key: 'name', numeric: false, width: 130 },
  { id: 'status', label: 'status', title: 'status (and progress while running); sanity checks are marked', kind: 'status', key: 'status', numeric: false, width: 142 },
  { id: 'experiment', label: 'experiment', title: 'experiment', kind: 'experiment', key: 'experiment', numeric: false, width: 88 },
  param('dataset', 'dataset', false, 72),
  param('hidden', 'hidden', false, 72),
  param('optimizer', 'optim', false, 56),
  param('lr', 'lr', true, 58),
  param('batch_size', 'batch', true, 58),
  param('epochs', 'epochs', true, 62),
  param('dropout', 'dropout', true, 68),
  metric('val_accuracy', 'val_acc', 70),
  metric('val_loss', 'val_loss', 70),
  metric('train_loss', 'train_loss', 80),
  {
    id: 'gap',
    label: 'gap',
    title: 'generalization gap: final train_accuracy − val_accuracy (large: overfitting)',
    kind: 'gap',
    key: 'gap',
    numeric: true,
    width: 72,
  },
  { id: 'best:val_accuracy', label: 'best val_acc', title: 'best val_accuracy over all epochs', kind: 'best', key: 'val_accuracy', numeric: true, width: 96 },
  { id: 'duration', label: 'duration', title: 'training time', kind: 'duration', key: 'duration_s', numeric: true, width: 74 },
  { id: 'backend', label: 'backend', title: 'backend the run trained on', kind: 'backend', key: 'backend', numeric: false, width: 64 },
  { id: 'created', label: 'created', title: 'when the run was created', kind: 'created', key: 'created_at', numeric: true, width: 104 },
];

/** Shown only when some run has it: the test split is optional. */
const TEST_ACCURACY_COLUMN: RunColumn = { ...metric('test_accuracy', 'test_acc', 70), title: 'test_accuracy, evaluated once after training' };

/** Shown only when some run is a sweep's trial: `sweep 3 · trial 7`, a link to the sweep. */
const SWEEP_COLUMN: RunColumn = { id: 'sweep', label: 'sweep', title: 'the sweep this run is a trial of, and its trial number', kind: 'sweep', key: 'sweep_id', numeric: false, width: 118 };

/** Every column a table can show, to look a sort column up by id. */
export const ALL_COLUMNS: readonly RunColumn[] = [...RUN_COLUMNS, TEST_ACCURACY_COLUMN, SWEEP_COLUMN];

/**
 * The columns for these runs: `sweep` after the name when any run is a sweep's trial, `test_acc` after `val_loss` when
 * any run was evaluated on a test split.
 */
export function columnsFor(runs: readonly RunSummary[]): readonly RunColumn[] {
  let columns: readonly RunColumn[] = RUN_COLUMNS;
  if (runs.some((run) => 'test_accuracy' in run.metrics)) {
    const at = columns.findIndex((c) => c.id === 'metric:val_loss') + 1;
    columns = [...columns.slice(0, at), TEST_ACCURACY_COLUMN, ...columns.slice(at)];
  }
  if (runs.some((run) => run.sweep_id !== null)) {
    const at = columns.findIndex((c) => c.id === 'name') + 1;
    columns = [...columns.slice(0, at), SWEEP_COLUMN, ...columns.slice(at)];
  }
  return columns;
}

type SortKey = string | number | null;

function sortKey(run: RunSummary, column: RunColumn): SortKey {
  switch (column.kind) {
    case 'id':
      return run.run_id;
    case 'name':
      return run.name;
    case 'sweep':
      return run.sweep_id === null ? null : run.sweep_id * 1_000_000 + (run.trial ?? 0);
    case 'status':
      return RUN_STATUSES.indexOf(run.status);
    case 'experiment':
      return run.experiment;
    case 'param': {
      const value = run.params[column.key];
      if (value === undefined || value === null) return null;
      return typeof value === 'boolean' ? String(value) : value;
    }
    case 'metric':
      return metricToSortValue(run.metrics[column.key]);
    case 'best':
      return metricToSortValue(run.best[column.key]);
    case 'gap':
      return runGap(run);
    case 'duration':
      return run.duration_s;
    case 'backend':
      return run.backend;
    case 'created':
      return run.created_at;
  }
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareKeys(a: SortKey, b: SortKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

export type SortDirection = 'asc' | 'desc';

/** Sorted copy; empty and non-finite values always last, ties broken by newest run first. */
export function sortRuns(runs: readonly RunSummary[], column: RunColumn, direction: SortDirection): RunSummary[] {
  const sign = direction === 'asc' ? 1 : -1;
  const keyed = runs.map((run) => ({ run, key: sortKey(run, column) }));
  keyed.sort((a, b) => {
    if (a.key === null || b.key === null) {
      if (a.key === b.key) return b.run.run_id - a.run.run_id;
      return a.key === null ? 1 : -1;
    }
    return sign * compareKeys(a.key, b.key) || b.run.run_id - a.run.run_id;
  });
  return keyed.map((k) => k.run);
}
