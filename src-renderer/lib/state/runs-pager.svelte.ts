import type { RunSummary } from '../../../src-shared/entities/run';
import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';
import { filterErrorOf, type FilterProblem } from '../filter-check';
import { NO_PAGES, pagesFrom, withPage, type Pages } from '../run-pages';
import { withEpoch } from '../run-updates';
import { pageRequest, sameQuery, type TableQuery } from '../runs-query';

/** Rows per `runs/query` page as the table scrolls. */
export const PAGE_SIZE = 200;
/** The most runs one read returns (selecting every match reads them this many at a time). */
const MAX_READ = 1000;
/** Waits before reading the visible pages again after the database changed (events come in bursts). */
const REFRESH_DELAY_MS = 250;

/**
 * The runs table's rows, read from the host a page at a time as the table scrolls (`runs/query`: server-side filter,
 * sort and paging), with the total match count for the scrollbar. Changes to the database (events from this app,
 * `store/changed` from the CLI) read the visible pages again, debounced, and swap them in at once. When the host
 * refuses a filter (a name no run logged, a syntax error in a shared URL), the rows are those of the last filter it
 * ran, and `shownFilter` says so: the table never shows rows it does not name, nor goes empty for a typo.
 */
export class RunsPager {
  #client: ApiClient;
  #query: TableQuery | null = null;
  #pages = $state.raw<Pages>(NO_PAGES);
  #total = $state<number | null>(null);
  #error = $state<FilterProblem | null>(null);
  /** The filter the rows are filtered by when the host refused the asked one; null when it is the asked one. */
  #shownFilter = $state<string | null>(null);
  /** The last filter the host ran: what the table falls back to when it refuses one. */
  #ranFilter = '';
  #loading = $state(false);
  /** Bumped by every query change and reload: answers to older reads are dropped. */
  #generation = 0;
  /** Pages asked for and not answered yet (in this generation). */
  #requested: number[] = [];
  #first = 0;
  #last = 0;
  #active = false;
  #dirty = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stops: (() => void)[];

  constructor(client: ApiClient) {
    this.#client = client;
    this.#stops = [
      client.on('run/created', () => this.refresh()),
      client.on('run/updated', ({ run }) => {
        if (run.deleted || (run.archived && !this.#query?.archived)) this.refresh(50);
        else this.#replace(run.run_id, () => run);
      }),
      client.on('run/epoch-logged', (epoch) => this.#replace(epoch.run_id, (run) => withEpoch(run, epoch))),
      client.on('store/changed', () => this.refresh()),
    ];
  }

  /** How many runs match, or null before the first answer. */
  get total(): number | null {
    return this.#total;
  }
  /** Why the last read failed: a filter the host refused (with its column), or a transport error. */
  get error(): FilterProblem | null {
    return this.#error;
  }
  /**
   * When the host refused the query's filter (`error` says why): the filter the rows are filtered by instead, the last
   * one it ran ('' for none). Null when the rows are the query's.
   */
  get shownFilter(): string | null {
    return this.#shownFilter;
  }
  /** True while the first page of a new query is read. */
  get loading(): boolean {
    return this.#loading;
  }

  rowAt(index: number): RunSummary | undefined {
    return this.#pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Shows another query: reads the pages in view, keeping the old rows until they arrive. */
  setQuery(query: TableQuery): void {
    if (this.#query && sameQuery(this.#query, query)) return;
    this.#query = { ...query };
    this.#first = 0;
    this.#last = Math.min(this.#last, PAGE_SIZE);
    this.#loading = true;
    void this.#reload();
  }

  /** The rows in view (first included, last excluded): reads the pages they need that are not held yet. */
  setRange(first: number, last: number): void {
    this.#first = first;
    this.#last = last;
    if (!this.#query || this.#total === null) return;
    for (const page of this.#pagesFor(first, last)) {
      if (this.#pages.has(page) || this.#requested.includes(page)) continue;
      void this.#loadPage(page, this.#generation);
    }
  }

  /** The table is on screen: reads again if the database changed while it was not. */
  activate(): () => void {
    this.#active = true;
    if (this.#dirty) this.refresh(0);
    return () => {
      this.#active = false;
    };
  }

  /** Reads the visible pages again after `delayMs` (a burst of changes makes one read). */
  refresh(delayMs = REFRESH_DELAY_MS): void {
    if (!this.#query) return;
    if (!this.#active) {
      this.#dirty = true;
      return;
    }
    if (this.#timer !== null) {
      if (delayMs >= REFRESH_DELAY_MS) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#reload();
    }, delayMs);
  }

  /** Every matching run's id, in table order (the header checkbox), read a thousand at a time when not all are held. */
  async allIds(): Promise<number[]> {
    const query = this.#shownQuery();
    const total = this.#total ?? 0;
    if (!query) return [];
    const held: number[] = [];
    for (let i = 0; i < total; i++) {
      const run = this.rowAt(i);
      if (!run) break;
      held.push(run.run_id);
    }
    if (held.length === total) return held;
    const ids: number[] = [];
    for (let offset = 0; offset < total; offset += MAX_READ) {
      const page = await this.#client.call('runs/query', pageRequest(query, offset, MAX_READ));
      ids.push(...page.runs.map((run) => run.run_id));
    }
    return ids;
  }

  #pagesFor(first: number, last: number): number[] {
    const pages: number[] = [];
    const end = Math.min(last, this.#total ?? last);
    for (let page = Math.floor(first / PAGE_SIZE); page * PAGE_SIZE < Math.max(end, 1); page++) pages.push(page);
    return pages;
  }

  /** The query whose rows the table shows: the asked one, or it with the last filter that ran when its own was refused. */
  #shownQuery(): TableQuery | null {
    const query = this.#query;
    return query && this.#shownFilter !== null ? { ...query, filter: this.#shownFilter } : query;
  }

  async #reload(): Promise<void> {
    const query = this.#query;
    if (!query) return;
    const generation = ++this.#generation;
    this.#requested = [];
    this.#dirty = false;
    const wanted = this.#pagesFor(this.#first, this.#last);
    const read = (asked: TableQuery) => Promise.all(wanted.map((page) => this.#client.call('runs/query', pageRequest(asked, page * PAGE_SIZE, PAGE_SIZE))));
    try {
      let refused: FilterProblem | null = null;
      let answers;
      try {
        answers = await read(query);
      } catch (error) {
        refused = filterErrorOf(error);
        if (!refused || refused.sort || query.filter === this.#ranFilter) throw error;
        answers = await read({ ...query, filter: this.#ranFilter });
      }
      if (generation !== this.#generation) return;
      this.#pages = pagesFrom(answers.map((answer, i) => [wanted[i] as number, answer.runs] as const));
      this.#total = answers[answers.length - 1]?.total ?? 0;
      this.#error = refused;
      this.#shownFilter = refused ? this.#ranFilter : null;
      if (!refused) this.#ranFilter = query.filter;
      this.#loading = false;
      this.setRange(this.#first, this.#last);
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#error = filterErrorOf(error) ?? { message: errorMessage(error), column: null };
      this.#shownFilter = null;
      this.#pages = NO_PAGES;
      this.#total = 0;
      this.#loading = false;
    }
  }

  async #loadPage(page: number, generation: number): Promise<void> {
    const query = this.#shownQuery();
    if (!query) return;
    this.#requested.push(page);
    try {
      const answer = await this.#client.call('runs/query', pageRequest(query, page * PAGE_SIZE, PAGE_SIZE));
      if (generation !== this.#generation) return;
      this.#pages = withPage(this.#pages, page, answer.runs);
      this.#total = answer.total;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#error = filterErrorOf(error) ?? { message: errorMessage(error), column: null };
    } finally {
      if (generation === this.#generation) this.#requested = this.#requested.filter((p) => p !== page);
    }
  }

  /** Replaces a held row in place (a tag edited, an epoch logged): the rows around it keep their places. */
  #replace(runId: number, next: (run: RunSummary) => RunSummary): void {
    for (const [page, rows] of this.#pages) {
      const at = rows.findIndex((run) => run.run_id === runId);
      if (at < 0) continue;
      const copy = rows.slice();
      copy[at] = next(rows[at] as RunSummary);
      this.#pages = withPage(this.#pages, page, copy);
      return;
    }
  }

  dispose(): void {
    for (const stop of this.#stops) stop();
    if (this.#timer !== null) clearTimeout(this.#timer);
  }
}
