/** The flags `runboard runs` and `runboard export` share to say which runs, in which order, with which columns. */
import { AppError } from '../../src-shared/api/errors';
import { OrderBySyntaxError, parseOrderBy } from '../../src-shared/filter/order-by';
import type { RunStore } from '../store/run-store';

/**
 * `--sort metrics.val_accuracy:desc` (or MLflow's `metrics.val_accuracy DESC`, `attributes.start_time`) -> a sort;
 * the direction defaults to descending.
 */
export function parseSort(text: string | undefined): { column: string; direction: 'asc' | 'desc' } | undefined {
  if (text === undefined) return undefined;
  try {
    return parseOrderBy(text, 'desc');
  } catch (error) {
    if (error instanceof OrderBySyntaxError) throw new AppError('BAD_INPUT', `--sort: write COLUMN, COLUMN:asc or COLUMN:desc (or MLflow's COLUMN ASC, COLUMN DESC), not "${text}".`);
    throw error;
  }
}

/** `--columns run_id,name,params.lr` -> the column names, in order; undefined when the flag is absent. */
export function parseColumns(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const columns = text
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (columns.length === 0) throw new AppError('BAD_INPUT', '--columns: name at least one column, e.g. run_id,name,params.lr.');
  return columns;
}

/** `--limit 20` -> 20: at most this many runs. */
export function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const limit = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(limit) || limit < 1) throw new AppError('BAD_INPUT', `--limit: a whole number from 1, not "${text}".`);
  return limit;
}

/**
 * Refuses an `--experiment` that does not exist, naming those that do, so that a typo is not mistaken for an
 * experiment without runs.
 * @throws AppError(NOT_FOUND)
 */
export async function requireExperiment(store: Pick<RunStore, 'listExperiments'>, name: string): Promise<void> {
  const experiments = (await store.listExperiments()).map((e) => e.name);
  if (experiments.includes(name)) return;
  const known = experiments.length > 0 ? `experiments: ${experiments.join(', ')}` : 'there are no experiments yet (runboard train --experiment NAME makes one)';
  throw new AppError('NOT_FOUND', `--experiment: there is no experiment "${name}"; ${known}.`);
}
