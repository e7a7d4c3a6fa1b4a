import { filterFields, FilterSyntaxError, parseFilter } from '../../src-shared/filter/parse';
import { ApiCallError } from './api/api-call-error';

/** What is wrong with a filter, and where (the column, from 1), when it is known. */
export interface FilterProblem {
  message: string;
  column: number | null;
  /** True for a name no run has logged (the host may know it already: it is asked anyway). */
  unknownName?: boolean;
  /** True when the host refused the sort column rather than the filter. */
  sort?: boolean;
}

/** What the filter box holds: its text, and what is wrong with it (an error once applied, a hint while typing). */
export interface FilterDraft {
  text: string;
  problem: FilterProblem | null;
  /** The problem shows as an error: Enter was pressed, or the host refused the filter. */
  severe: boolean;
}

export const NO_DRAFT: FilterDraft = { text: '', problem: null, severe: false };

/** Why Export refuses while the filter box holds an error. */
export const EXPORT_BLOCKED_BY_FILTER = 'The filter has an error, so the table is not filtered by what is typed: fix or clear the filter to export.';

/** The names a filter can use, as `runs/columns` returns them. */
export interface KnownNames {
  params: readonly string[];
  metrics: readonly string[];
  tags: readonly string[];
}

const AT_COLUMN = / ?\(at column (\d+)\)\.?$/;

/**
 * Checks a filter as the user types, with the shared parser: a syntax error with its column, or a param, metric or
 * tag name that no run has logged. Null when it is fine (or empty).
 */
export function checkFilter(text: string, known: KnownNames | null): FilterProblem | null {
  let tree;
  try {
    tree = parseFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) return { message: error.message.replace(AT_COLUMN, ''), column: error.column };
    throw error;
  }
  if (!known) return null;
  for (const field of filterFields(tree)) {
    if (field.group === 'attr') continue;
    const names = field.group === 'params' ? known.params : field.group === 'tags' ? known.tags : known.metrics;
    if (!names.includes(field.key)) {
      const what = field.group === 'params' ? 'param' : field.group === 'tags' ? 'tag' : 'metric';
      return { message: `no run has logged the ${what} "${field.key}"`, column: field.column, unknownName: true };
    }
  }
  return null;
}

/** The host's refusal of a filter (`Filter: unexpected ";" (at column 14).`) as a problem with its column. */
export function filterErrorOf(error: unknown): FilterProblem | null {
  if (!(error instanceof ApiCallError) || error.code !== 'BAD_INPUT') return null;
  const field = error.fields.find((f) => f.field === 'filter' || f.field === 'sort');
  const text = field?.message ?? error.message;
  const match = AT_COLUMN.exec(text);
  const message = text.replace(AT_COLUMN, '');
  if (field?.field === 'sort') return { message: `cannot sort: ${message}`, column: null, sort: true };
  return { message, column: match ? Number(match[1]) : null };
}
