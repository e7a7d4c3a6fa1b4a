import { hasBest, metricDirection } from '../../src-shared/entities/run';
import { PARAM_KEYS } from '../../src-shared/entities/train-config';
import type { SortDirection } from './runs-query';

export type ColumnKind =
  | 'id'
  | 'name'
  | 'sweep'
  | 'status'
  | 'experiment'
  | 'param'
  | 'metric'
  | 'best'
  | 'gap'
  | 'duration'
  | 'backend'
  | 'created'
  | 'epochs'
  | 'tags'
  | 'tag'
  | 'notes';

/**
 * One column of the runs table. Its id is the host's name for it where the host has one (`params.lr`,
 * `metrics.val_loss`, `best.val_accuracy`, `duration`), so the same id sorts (`runs/query`) and exports.
 */
export interface RunColumn {
  id: string;
  label: string;
  /** Longer description for the header's tooltip. */
  title: string;
  kind: ColumnKind;
  /** The param, metric or tag name, for `param`, `metric`, `best` and `tag` columns. */
  key: string;
  numeric: boolean;
  /** Width in CSS pixels: fixed, so columns do not jump while the table scrolls. */
  width: number;
  /** The `runs/query` sort column, or null for a column that does not sort (tags, notes). */
  sort: string | null;
}

/** Every row of the runs table is this tall (CSS pixels): rows are placed by their index. */
export const ROW_HEIGHT = 32;

/** Short labels for the usual columns, so the default table fits a laptop screen. */
const SHORT: Record<string, { label: string; width: number }> = {
  'params.dataset': { label: 'dataset', width: 72 },
  'params.hidden': { label: 'hidden', width: 72 },
  'params.optimizer': { label: 'optim', width: 66 },
  'params.lr': { label: 'lr', width: 70 },
  'params.batch_size': { label: 'batch', width: 58 },
  'params.epochs': { label: 'epochs', width: 62 },
  'params.dropout': { label: 'dropout', width: 68 },
  'metrics.val_accuracy': { label: 'val_acc', width: 70 },
  'metrics.val_loss': { label: 'val_loss', width: 70 },
  'metrics.train_loss': { label: 'train_loss', width: 80 },
  'metrics.test_accuracy': { label: 'test_acc', width: 70 },
  'best.val_accuracy': { label: 'best val_acc', width: 96 },
};

/** Params that hold text (left-aligned); the others are numbers. */
const TEXT_PARAMS = new Set(['dataset', 'hidden', 'optimizer', 'activation', 'init', 'bias_init', 'lr_schedule', 'augment', 'backend', 'nesterov', 'standardize', 'freeze']);

const FIXED: Record<string, RunColumn> = {
  run_id: { id: 'run_id', label: '#', title: 'run id', kind: 'id', key: 'run_id', numeric: true, width: 62, sort: 'run_id' },
  name: { id: 'name', label: 'name', title: 'run name', kind: 'name', key: 'name', numeric: false, width: 130, sort: 'name' },
  sweep: { id: 'sweep', label: 'sweep', title: 'the sweep this run is a trial of, its trial number, and “rerun” for a trial run again after a resume', kind: 'sweep', key: 'sweep_id', numeric: false, width: 150, sort: 'sweep' },
  status: { id: 'status', label: 'status', title: 'status (and progress while running); sanity checks are marked', kind: 'status', key: 'status', numeric: false, width: 142, sort: 'status' },
  experiment: { id: 'experiment', label: 'experiment', title: 'experiment', kind: 'experiment', key: 'experiment', numeric: false, width: 88, sort: 'experiment' },
  gap: { id: 'gap', label: 'gap', title: 'generalization gap: final train_accuracy − val_accuracy (large: overfitting)', kind: 'gap', key: 'gap', numeric: true, width: 72, sort: 'gap' },
  duration: { id: 'duration', label: 'duration', title: 'training time', kind: 'duration', key: 'duration_s', numeric: true, width: 74, sort: 'duration' },
  backend: { id: 'backend', label: 'backend', title: 'backend the run trained on', kind: 'backend', key: 'backend', numeric: false, width: 64, sort: 'backend' },
  created: { id: 'created', label: 'created', title: 'when the run was created', kind: 'created', key: 'created_at', numeric: true, width: 104, sort: 'created' },
  epochs: { id: 'epochs', label: 'epochs logged', title: 'number of epochs logged', kind: 'epochs', key: 'epochs', numeric: true, width: 96, sort: 'epochs' },
  tags: { id: 'tags', label: 'tags', title: 'tags (click to edit)', kind: 'tags', key: 'tags', numeric: false, width: 150, sort: null },
  notes: { id: 'notes', label: 'notes', title: 'notes (click to edit)', kind: 'notes', key: 'notes', numeric: false, width: 170, sort: null },
};

/** Attributes the column chooser offers, in its order. */
export const ATTRIBUTE_COLUMNS = ['run_id', 'name', 'sweep', 'status', 'experiment', 'duration', 'backend', 'created', 'epochs', 'gap', 'tags', 'notes'] as const;

/** The table's columns until the user chooses others. */
export const DEFAULT_COLUMN_IDS: readonly string[] = [
  'run_id',
  'name',
  'status',
  'experiment',
  'params.dataset',
  'params.hidden',
  'params.optimizer',
  'params.lr',
  'params.batch_size',
  'params.epochs',
  'params.dropout',
  'metrics.val_accuracy',
  'metrics.val_loss',
  'metrics.train_loss',
  'gap',
  'best.val_accuracy',
  'duration',
  'backend',
  'created',
  'tags',
  'notes',
];

/** The column an id names, or null for an id that is not a column. */
export function columnFor(id: string): RunColumn | null {
  const fixed = FIXED[id];
  if (fixed) return fixed;
  const dot = id.indexOf('.');
  if (dot <= 0 || dot === id.length - 1) return null;
  const group = id.slice(0, dot);
  const key = id.slice(dot + 1);
  const short = SHORT[id];
  const width = short?.width ?? Math.min(160, Math.max(70, 26 + key.length * 7.5 + (group === 'best' ? 34 : group === 'tags' ? 28 : 0)));
  switch (group) {
    case 'params':
      return { id, label: short?.label ?? key, title: `param ${key}`, kind: 'param', key, numeric: !TEXT_PARAMS.has(key), width, sort: id };
    case 'metrics':
      return { id, label: short?.label ?? key, title: `${key}: last logged value`, kind: 'metric', key, numeric: true, width, sort: id };
    case 'best':
      // A setting like `lr` has no best value: a column kept from before is dropped rather than shown empty.
      if (!hasBest(key)) return null;
      return { id, label: short?.label ?? `best ${key}`, title: `${key}: best value over all epochs (${metricDirection(key) === 'max' ? 'highest' : 'lowest'})`, kind: 'best', key, numeric: true, width, sort: id };
    case 'tags':
      return { id, label: `tag ${key}`, title: `tag ${key}`, kind: 'tag', key, numeric: false, width, sort: id };
    default:
      return null;
  }
}

export function columnsFor(ids: readonly string[]): RunColumn[] {
  return ids.map(columnFor).filter((c): c is RunColumn => c !== null);
}

/**
 * The default columns for what the runs have logged: `sweep` after the name when there are sweeps, `test_acc` after
 * `val_loss` when some run was evaluated on a test split.
 */
export function defaultColumnIds(known: { metrics: readonly string[] }, hasSweeps: boolean): string[] {
  const ids = [...DEFAULT_COLUMN_IDS];
  if (known.metrics.includes('test_accuracy')) ids.splice(ids.indexOf('metrics.val_loss') + 1, 0, 'metrics.test_accuracy');
  if (hasSweeps) ids.splice(ids.indexOf('name') + 1, 0, 'sweep');
  return ids;
}

/** Param names in their usual order, then the others alphabetically. */
export function orderedParams(names: readonly string[]): string[] {
  const known = PARAM_KEYS.filter((key) => names.includes(key));
  return [...known, ...names.filter((n) => !(PARAM_KEYS as readonly string[]).includes(n)).sort()];
}

/**
 * What a column exports as (`runs/export` column names), so that an export holds exactly the table's columns in
 * their order: one each, except the sweep column, which exports its two numbers (`sweep_id`, `trial`).
 */
export function exportColumns(column: RunColumn): string[] {
  switch (column.kind) {
    case 'id':
      return ['run_id'];
    case 'name':
    case 'status':
    case 'experiment':
    case 'backend':
    case 'epochs':
    case 'notes':
      return [column.kind];
    case 'sweep':
      return ['sweep_id', 'trial'];
    case 'duration':
      return ['duration_s'];
    case 'param':
    case 'metric':
    case 'best':
    case 'tag':
      return [column.id];
    case 'tags':
    case 'gap':
      return [column.kind];
    case 'created':
      return ['created_at'];
  }
}

/** The direction a column first sorts in: newest runs and best metrics at the top, text A to Z. */
export function firstDirection(column: RunColumn): SortDirection {
  if (column.kind === 'id' || column.kind === 'created' || column.kind === 'epochs') return 'desc';
  if (column.kind === 'metric' || column.kind === 'best') return metricDirection(column.key) === 'max' ? 'desc' : 'asc';
  // The largest gap (the most overfitting run) first.
  if (column.kind === 'gap') return 'desc';
  return 'asc';
}
