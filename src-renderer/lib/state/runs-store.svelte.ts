import { SvelteMap } from 'svelte/reactivity';
import { isTerminal, type RunProgress, type RunSummary } from '../../../src-shared/entities/run';
import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';
import { laterProgress, progressAfterEpoch, RunsRead, withEpoch } from '../run-updates';

/** How many of the newest runs are kept at hand (the run pickers, the parents a run can be fine-tuned from). */
const RECENT = 200;
/** `runs/query` reads at most this many runs at once. */
const CHUNK = 1000;
/** After another process wrote to the database, the newest runs are read again this much later (once per burst). */
const RELOAD_DELAY_MS = 2000;

/**
 * The runs the views hold by id, kept live by the host's events: the newest runs, and any other run a view asked
 * for (`ensure`). The runs table does not go through here: it reads pages (RunsPager), since a database can hold
 * tens of thousands of runs. Progress inside an epoch lives apart, so a progress tick re-renders one progress bar.
 */
export class RunsStore {
  #client: ApiClient;
  #known = new SvelteMap<number, RunSummary>();
  #recent = $state.raw<RunSummary[]>([]);
  #progress = new SvelteMap<number, RunProgress>();
  #loaded = $state(false);
  #error = $state<string | null>(null);
  /** The latest read of the newest runs while it is in flight: events meanwhile are newer than what it returns. */
  #read: RunsRead | null = null;
  #reloadTimer: ReturnType<typeof setTimeout> | null = null;
  /** The newest runs are read only once a view wants them (a run picker), not at start. */
  #recentWanted = false;
  #stops: (() => void)[];

  constructor(client: ApiClient) {
    this.#client = client;
    this.#stops = [
      client.on('run/created', ({ run }) => {
        this.#put(run);
        this.#recent = [run, ...this.#recent.filter((r) => r.run_id !== run.run_id)].slice(0, RECENT);
      }),
      client.on('run/updated', ({ run }) => {
        this.#put(run);
        if (run.deleted) this.#recent = this.#recent.filter((r) => r.run_id !== run.run_id);
        else if (this.#recent.some((r) => r.run_id === run.run_id)) this.#recent = this.#recent.map((r) => (r.run_id === run.run_id ? run : r));
      }),
      client.on('run/epoch-logged', (payload) => {
        const run = this.#known.get(payload.run_id);
        if (run) this.#put(withEpoch(run, payload));
        const progress = this.#progress.get(payload.run_id);
        if (progress) this.#moveProgress(payload.run_id, progressAfterEpoch(progress, payload.epoch));
      }),
      client.on('run/progressed', ({ run_id, progress }) => {
        const run = this.#known.get(run_id);
        if (!run || !isTerminal(run.status)) this.#moveProgress(run_id, progress);
      }),
      // The CLI's runs send no events here: read the newest and the unfinished runs again.
      client.on('store/changed', () => {
        if (this.#reloadTimer !== null) return;
        this.#reloadTimer = setTimeout(() => {
          this.#reloadTimer = null;
          void this.load();
        }, RELOAD_DELAY_MS);
      }),
    ];
  }

  /** The newest runs (at most 200), newest first; deleted and archived runs left out. Empty until `wantRecent()`. */
  get recent(): RunSummary[] {
    return this.#recent;
  }

  /** Reads the newest runs, once (events keep them up to date): for the views that list them. */
  wantRecent(): void {
    if (this.#recentWanted) return;
    this.#recentWanted = true;
    void this.load();
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get error(): string | null {
    return this.#error;
  }

  /** A run the store holds; undefined until it was read (`ensure`) or announced by an event. */
  get(runId: number): RunSummary | undefined {
    return this.#known.get(runId);
  }

  /** Live progress of a running run, or null when it is not running. */
  progressOf(runId: number): RunProgress | null {
    const run = this.#known.get(runId);
    if (run && isTerminal(run.status)) return null;
    return this.#progress.get(runId) ?? run?.progress ?? null;
  }

  /** Keeps runs a view read itself (the run page's `runs/get`), so that events keep them live from then on. */
  remember(runs: readonly RunSummary[]): void {
    for (const run of runs) if (!this.#known.has(run.run_id)) this.#put(run);
  }

  /** Reads the runs not held yet (or all of them with `force`), archived ones included. Rejects when the read fails. */
  async ensure(runIds: readonly number[], force = false): Promise<void> {
    const missing = force ? [...runIds] : runIds.filter((id) => !this.#known.has(id));
    for (let start = 0; start < missing.length; start += CHUNK) {
      const chunk = missing.slice(start, start + CHUNK);
      const page = await this.#client.call('runs/query', { filter: `run_id in (${chunk.join(', ')})`, offset: 0, limit: CHUNK, include_archived: true });
      for (const run of page.runs) this.#put(run);
    }
  }

  /** Reads the newest runs again (when wanted; and after the live connection was down), and the unfinished ones held. */
  async load(): Promise<void> {
    if (!this.#recentWanted) {
      await this.#refreshUnfinished([]).catch(() => {});
      return;
    }
    const read = new RunsRead();
    this.#read = read;
    try {
      const page = await this.#client.call('runs/query', { offset: 0, limit: RECENT, sort: { column: 'run_id', direction: 'desc' } });
      if (this.#read !== read) return;
      const recent = read.merge(page.runs, this.#recent);
      for (const run of recent) if (!read.touched(run.run_id)) this.#put(run);
      this.#recent = recent.filter((run) => !run.deleted && !run.archived).slice(0, RECENT);
      this.#error = null;
      this.#loaded = true;
      await this.#refreshUnfinished(page.runs);
    } catch (error) {
      if (this.#read === read) this.#error = errorMessage(error);
    } finally {
      if (this.#read === read) this.#read = null;
    }
  }

  /** Reads again the runs held that had not finished (their events may have been missed), but those just read. */
  async #refreshUnfinished(justRead: readonly RunSummary[]): Promise<void> {
    const unfinished = [...this.#known.values()].filter((run) => !isTerminal(run.status) && !justRead.some((r) => r.run_id === run.run_id));
    if (unfinished.length > 0) await this.ensure(unfinished.map((run) => run.run_id), true);
  }

  #put(run: RunSummary): void {
    this.#read?.touch(run.run_id);
    if (isTerminal(run.status)) this.#progress.delete(run.run_id);
    else if (run.progress) this.#moveProgress(run.run_id, run.progress);
    this.#known.set(run.run_id, run);
  }

  /** Progress only moves forward: reports reach the page out of order (a read in flight, a copy from page load). */
  #moveProgress(runId: number, progress: RunProgress): void {
    const current = this.#progress.get(runId);
    const next = laterProgress(current, progress);
    if (next !== current) this.#progress.set(runId, next);
  }

  dispose(): void {
    for (const stop of this.#stops) stop();
    if (this.#reloadTimer !== null) clearTimeout(this.#reloadTimer);
  }
}
