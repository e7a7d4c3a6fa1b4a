import type { Parsed } from '../../src-shared/entities/specs';
import type { Strategy, SweepRequestInput } from '../../src-shared/entities/sweep';
import type { TrainConfigInput } from '../../src-shared/entities/train-config';
import { checkSpace, formatDistribution, parseParam, SEARCHABLE, type SearchParam } from '../../src-shared/search/space';

/** The distributions of the search-space editor, as its kind select offers them. */
export const DISTRIBUTION_KINDS = ['loguniform', 'uniform', 'int', 'choice', 'grid'] as const;
export type DistributionKind = (typeof DISTRIBUTION_KINDS)[number];

export const KIND_LABELS: Record<DistributionKind, string> = {
  loguniform: 'log-uniform (a, b)',
  uniform: 'uniform (a, b)',
  int: 'integer (a, b)',
  choice: 'choice of values',
  grid: 'grid list [values]',
};

/** One row of the editor: a parameter and its distribution, as typed. */
export interface SpaceRow {
  id: number;
  name: string;
  kind: DistributionKind;
  low: string;
  high: string;
  /** Comma-separated values for choice and grid lists; quote values that hold commas: `"128,64"`. */
  values: string;
}

export function isBounded(kind: DistributionKind): boolean {
  return kind === 'loguniform' || kind === 'uniform' || kind === 'int';
}

/** The row in the shared syntax: `lr=loguniform(0.0001,0.1)`, `batch_size=choice(16,32)`, `lr=[0.1,0.01]`. */
export function rowText(row: SpaceRow): string {
  if (row.kind === 'choice') return `${row.name}=choice(${row.values.trim()})`;
  if (row.kind === 'grid') return `${row.name}=[${row.values.trim()}]`;
  return `${row.name}=${row.kind}(${row.low.trim()},${row.high.trim()})`;
}

/** What a new row proposes for each parameter: the course's ranges where it has one. */
const SUGGESTED: Record<string, string> = {
  lr: 'loguniform(1e-4,1e-1)',
  momentum: 'uniform(0.85,0.99)',
  batch_size: 'choice(16,32,64)',
  weight_decay: 'loguniform(1e-5,1e-2)',
  dropout: 'uniform(0,0.5)',
  hidden: 'choice("64","128","128,64")',
  optimizer: 'choice(sgd,adam)',
  activation: 'choice(relu,tanh)',
  init: 'choice(glorot-uniform,he-uniform)',
  lr_schedule: 'choice(constant,cosine)',
  val_split: 'uniform(0.1,0.3)',
  nesterov: 'choice(true,false)',
  standardize: 'choice(true,false)',
  early_stopping: 'choice(off,5)',
};

/** A row from a distribution's text (`loguniform(1e-4,1e-1)`); lists keep their values as written. */
export function rowFromText(id: number, name: string, expression: string): SpaceRow {
  const list = /^\[(.*)\]$/s.exec(expression.trim());
  if (list) return { id, name, kind: 'grid', low: '', high: '', values: list[1] ?? '' };
  const call = /^(loguniform|uniform|int|choice)\s*\((.*)\)$/s.exec(expression.trim());
  const kind = (call?.[1] ?? 'choice') as DistributionKind;
  const args = call?.[2] ?? '';
  if (kind === 'choice') return { id, name, kind, low: '', high: '', values: args };
  const [low = '', high = ''] = args.split(',').map((s) => s.trim());
  return { id, name, kind, low, high, values: '' };
}

/** A new row for `name`: its suggested range, else a choice of its current fixed value. */
export function suggestedRow(id: number, name: string, current?: string): SpaceRow {
  const suggested = SUGGESTED[name];
  if (suggested) return rowFromText(id, name, suggested);
  return { id, name, kind: 'choice', low: '', high: '', values: current ?? '' };
}

/** The first searchable parameter not in use, for the next row. */
export function nextParamName(used: readonly string[]): string {
  const preferred = ['lr', 'momentum', 'batch_size', 'weight_decay', 'dropout', 'hidden', 'optimizer'];
  return preferred.find((name) => !used.includes(name)) ?? SEARCHABLE.find((name) => !used.includes(name)) ?? 'lr';
}

/** The row with another kind, carrying the bounds over to a list and back where they fit. */
export function withKind(row: SpaceRow, kind: DistributionKind): SpaceRow {
  if (isBounded(kind) === isBounded(row.kind)) return { ...row, kind };
  if (!isBounded(kind)) {
    const values = [row.low.trim(), row.high.trim()].filter((v) => v !== '').join(',');
    return { ...row, kind, values: row.values.trim() !== '' ? row.values : values };
  }
  const numbers = row.values
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '' && Number.isFinite(Number(v)));
  return { ...row, kind, low: row.low || (numbers[0] ?? ''), high: row.high || (numbers[numbers.length - 1] ?? '') };
}

/**
 * Checks one row with the shared parsers: its syntax and bounds (`parseParam`), that no earlier row searches the same
 * parameter, that a grid gets a list, and that its edge values make a valid configuration with the fixed options
 * (`checkSpace`).
 */
export function checkRow(row: SpaceRow, strategy: Strategy, base: Partial<TrainConfigInput>, earlierNames: readonly string[]): Parsed<SearchParam> {
  const parsed = parseParam(rowText(row));
  if (!parsed.ok) return parsed;
  const param = parsed.value;
  if (earlierNames.includes(param.name)) return { ok: false, message: `${param.name} is searched twice: remove one row` };
  if (strategy === 'grid' && isBounded(param.distribution.kind as DistributionKind)) {
    return { ok: false, message: `${param.name}=${formatDistribution(param.distribution)}: a grid search needs a list of values, e.g. [0.1,0.01]` };
  }
  const checked = checkSpace([param], base);
  return checked.ok ? parsed : { ok: false, message: checked.message };
}

/** Each searched parameter and its row's text, for the fixed options it locks. */
export function searchedTexts(rows: readonly SpaceRow[]): ReadonlyMap<string, string> {
  return new Map(rows.map((row) => [row.name, rowText(row)]));
}

/** The `runboard sweep` command line that starts the same sweep. */
export function commandLine(request: SweepRequestInput): string {
  const quote = (text: string) => (/^[\w.,:=/+-]+$/.test(text) ? text : `"${text.replace(/(["\\$`])/g, '\\$1')}"`);
  const flag = (name: string) => `--${name.replace(/_/g, '-')}`;
  const parts = ['runboard sweep'];
  for (const [key, value] of Object.entries(request.fixed)) {
    if (typeof value === 'boolean') {
      if (value) parts.push(flag(key));
    } else if (value !== undefined && value !== null) parts.push(`${flag(key)} ${quote(Array.isArray(value) ? value.join(',') : String(value))}`);
  }
  parts.push(`--strategy ${request.strategy ?? 'random'}`);
  if (request.trials !== undefined) parts.push(`--trials ${request.trials}`);
  for (const param of request.params) parts.push(`--param ${quote(param)}`);
  if (request.objective !== undefined) parts.push(`--objective ${request.objective}`);
  for (const key of ['pruner', 'warm_start', 'parallel', 'seed', 'min_epochs', 'reduction_factor', 'name', 'experiment'] as const) {
    const value = request[key];
    if (value !== undefined && !(key === 'experiment' && value === 'default')) parts.push(`${flag(key)} ${quote(String(value))}`);
  }
  if (request.yes) parts.push('--yes');
  return parts.join(' ');
}
