import { SvelteMap } from 'svelte/reactivity';
import { isTerminal, type RunProgress, type RunSummary } from '../../../src-shared/entities/run';
import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';
import { indexRuns, RunsRead, withEpoch } from '../run-updates';

/**
 * Every run, newest first, kept live by the host's events. Rows are immutable objects in a `$state.raw` array,
 * replaced whole when a run changes; progress inside an epoch lives apart (a reactive map) so that a progress
 * tick re-renders one progress bar, not the table.
 */
export class RunsStore {
  #client: ApiClient;
  #runs = $state.raw<RunSummary[]>([]);
  #byId = $derived(indexRuns(this.#runs));
  #progress = new SvelteMap<number, RunProgress>();
  #loaded = $state(false);
  #error = $state<string | null>(null);
  /** The latest `runs/list` read while it is in flight. */
  #read: RunsRead | null = null;
  #stops: (() => void)[];

  constructor(client: ApiClient) {
    this.#client = client;
    this.#stops = [
      client.on('run/created', ({ run }) => this.#upsert(run)),
      client.on('run/updated', ({ run }) => this.#upsert(run)),
      client.on('run/epoch-logged', (payload) => {
        const run = this.#byId.get(payload.run_id);
        if (run) this.#upsert(withEpoch(run, payload));
      }),
      client.on('run/progressed', ({ run_id, progress }) => {
        const run = this.#byId.get(run_id);
        if (!run || !isTerminal(run.status)) this.#progress.set(run_id, progress);
      }),
    ];
  }

  get runs(): RunSummary[] {
    return this.#runs;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get error(): string | null {
    return this.#error;
  }

  get(runId: number): RunSummary | undefined {
    return this.#byId.get(runId);
  }

  /** Live progress of a running run, or null when it is not running. */
  progressOf(runId: number): RunProgress | null {
    const run = this.#byId.get(runId);
    if (run && isTerminal(run.status)) return null;
    return this.#progress.get(runId) ?? run?.progress ?? null;
  }

  /** Reads every run again (at start, and after the live connection was down). */
  async load(): Promise<void> {
    const read = new RunsRead();
    this.#read = read;
    try {
      const loaded = await this.#client.call('runs/list', {});
      if (this.#read !== read) return;
      this.#runs = read.merge(loaded, this.#runs);
      this.#error = null;
      this.#loaded = true;
    } catch (error) {
      if (this.#read === read) this.#error = errorMessage(error);
    } finally {
      if (this.#read === read) this.#read = null;
    }
  }

  #upsert(run: RunSummary): void {
    this.#read?.touch(run.run_id);
    if (isTerminal(run.status)) this.#progress.delete(run.run_id);
    else if (run.progress) this.#progress.set(run.run_id, run.progress);
    if (this.#byId.has(run.run_id)) {
      this.#runs = this.#runs.map((existing) => (existing.run_id === run.run_id ? run : existing));
    } else {
      this.#runs = [run, ...this.#runs];
    }
  }

  dispose(): void {
    for (const stop of this.#stops) stop();
  }
}
