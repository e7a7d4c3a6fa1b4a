import type { MethodOutput } from '../../../src-shared/api/contract';
import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';
import { scopeOf, type TableQuery } from '../runs-query';

export type RunGroupRow = MethodOutput<'runs/group'>[number];

/** Waits after a burst of database changes before grouping again. */
const REFRESH_DELAY_MS = 2000;

/**
 * The runs the table's query matches, grouped by a column with mean ± std, min and max of a metric per group
 * (`runs/group`, computed by the host over every match, not only the rows loaded). Read again when the database changes.
 */
export class RunsGroup {
  #client: ApiClient;
  #rows = $state.raw<RunGroupRow[]>([]);
  #loading = $state(false);
  #error = $state<string | null>(null);
  #request: { query: TableQuery; by: string; metric: string } | null = null;
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stops: (() => void)[];

  constructor(client: ApiClient) {
    this.#client = client;
    const later = (): void => this.#later();
    this.#stops = [client.on('store/changed', later), client.on('run/updated', later), client.on('run/created', later)];
  }

  get rows(): RunGroupRow[] {
    return this.#rows;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get error(): string | null {
    return this.#error;
  }

  /** Groups the runs `query` matches by `by`, summarising `metric` (`metrics.val_accuracy`, `best.val_loss`...). */
  show(query: TableQuery, by: string, metric: string): void {
    this.#request = { query: { ...query }, by, metric };
    void this.#read();
  }

  #later(): void {
    if (this.#timer !== null || this.#request === null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#read();
    }, REFRESH_DELAY_MS);
  }

  async #read(): Promise<void> {
    const request = this.#request;
    if (!request) return;
    const generation = ++this.#generation;
    this.#loading = true;
    try {
      const rows = await this.#client.call('runs/group', { ...scopeOf(request.query), by: request.by, metric: request.metric });
      if (generation !== this.#generation) return;
      this.#rows = rows;
      this.#error = null;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#rows = [];
      this.#error = errorMessage(error);
    } finally {
      if (generation === this.#generation) this.#loading = false;
    }
  }

  dispose(): void {
    for (const stop of this.#stops) stop();
    if (this.#timer !== null) clearTimeout(this.#timer);
  }
}
