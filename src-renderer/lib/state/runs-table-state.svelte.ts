import { metricDirection, type RunSummary } from '../../../src-shared/entities/run';
import { ALL_COLUMNS, RUN_COLUMNS, sortRuns, type RunColumn, type SortDirection } from '../run-columns';

/** The direction a column first sorts in: newest runs and best metrics at the top, text A to Z. */
function firstDirection(column: RunColumn): SortDirection {
  if (column.kind === 'id' || column.kind === 'created') return 'desc';
  if (column.kind === 'metric' || column.kind === 'best') return metricDirection(column.key) === 'max' ? 'desc' : 'asc';
  // The largest gap (the most overfitting run) first.
  if (column.kind === 'gap') return 'desc';
  return 'asc';
}

/** How the runs table is shown: the experiment filter and the sort column. Kept while the user visits a run. */
export class RunsTableState {
  /** Experiment name to show, or null for all. */
  #experiment = $state<string | null>(null);
  #columnId = $state('run_id');
  #direction = $state<SortDirection>('desc');
  #column = $derived(ALL_COLUMNS.find((c) => c.id === this.#columnId) ?? (RUN_COLUMNS[0] as RunColumn));

  get experiment(): string | null {
    return this.#experiment;
  }

  setExperiment(name: string | null): void {
    this.#experiment = name === '' ? null : name;
  }

  /** The runs to show, filtered and sorted. */
  apply(runs: readonly RunSummary[]): RunSummary[] {
    const experiment = this.#experiment;
    const shown = experiment === null ? runs : runs.filter((run) => run.experiment === experiment);
    return sortRuns(shown, this.#column, this.#direction);
  }

  get column(): RunColumn {
    return this.#column;
  }
  get direction(): SortDirection {
    return this.#direction;
  }

  /** Sorts by `columnId`, best first; clicking the same column again reverses it. */
  toggle(columnId: string): void {
    if (this.#columnId === columnId) {
      this.#direction = this.#direction === 'asc' ? 'desc' : 'asc';
      return;
    }
    const column = ALL_COLUMNS.find((c) => c.id === columnId);
    if (!column) return;
    this.#columnId = columnId;
    this.#direction = firstDirection(column);
  }
}
