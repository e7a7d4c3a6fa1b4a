import { columnFor, defaultColumnIds, type RunColumn } from '../run-columns';
import { DEFAULT_QUERY, sameQuery, type TableQuery } from '../runs-query';

const COLUMNS_KEY = 'runboard.runs-table.columns';

function storedColumns(): string[] | null {
  try {
    const raw = localStorage.getItem(COLUMNS_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    return Array.isArray(parsed) && parsed.every((id) => typeof id === 'string') ? parsed.filter((id) => columnFor(id) !== null) : null;
  } catch {
    return null;
  }
}

/**
 * How the runs table is shown: its query (filter, sort, experiment, archived runs; mirrored in the URL hash), the
 * chosen columns (kept in local storage), and the group-by panel. Kept while the user visits a run.
 */
export class RunsTableState {
  #query = $state<TableQuery>({ ...DEFAULT_QUERY });
  /** Null while the user has not chosen: the defaults for what the runs logged. */
  #columnIds = $state<string[] | null>(storedColumns());
  #groupBy = $state<string | null>(null);
  #groupMetric = $state('metrics.val_accuracy');

  get query(): TableQuery {
    return this.#query;
  }

  setQuery(query: TableQuery): void {
    if (!sameQuery(query, this.#query)) this.#query = { ...query };
  }

  /** The ids of the columns shown, given the names runs have logged and whether there are sweeps (for the defaults). */
  columnIds(known: { metrics: readonly string[] }, hasSweeps: boolean): string[] {
    return this.#columnIds ?? defaultColumnIds(known, hasSweeps);
  }

  get customColumns(): boolean {
    return this.#columnIds !== null;
  }

  /** Shows or hides a column (added at the end), and remembers the choice. */
  setColumn(id: string, shown: boolean, current: readonly RunColumn[]): void {
    const ids = current.map((c) => c.id).filter((c) => c !== id);
    this.#columnIds = shown ? [...ids, id] : ids;
    this.#save();
  }

  /** Back to the default columns. */
  resetColumns(): void {
    this.#columnIds = null;
    this.#save();
  }

  /** Grouping by a column (`params.optimizer`), or null when the group panel is closed. */
  get groupBy(): string | null {
    return this.#groupBy;
  }
  get groupMetric(): string {
    return this.#groupMetric;
  }
  setGroup(by: string | null, metric = this.#groupMetric): void {
    this.#groupBy = by;
    this.#groupMetric = metric;
  }

  #save(): void {
    try {
      if (this.#columnIds === null) localStorage.removeItem(COLUMNS_KEY);
      else localStorage.setItem(COLUMNS_KEY, JSON.stringify(this.#columnIds));
    } catch {
      // Private windows may refuse storage: the choice then lasts until the page closes.
    }
  }
}
