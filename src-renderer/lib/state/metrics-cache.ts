import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';
import { RunMetrics, type EpochLogged } from './run-metrics.svelte';

interface CacheEntry {
  metrics: RunMetrics;
  /** Epochs received while the first load is in flight; null once loaded. */
  pending: EpochLogged[] | null;
  lastUsed: number;
}

/**
 * Metric series of the runs on screen, shared by the run page and Compare. Every read passes the point budget
 * (`maxPoints` per series) so a chart never receives an unbounded series; least recently used runs are dropped.
 */
export class MetricsCache {
  #client: ApiClient;
  #maxPoints: number;
  #capacity: number;
  #entries = new Map<number, CacheEntry>();
  #useCounter = 0;
  #stop: () => void;

  constructor(client: ApiClient, options: { maxPoints?: number; capacity?: number } = {}) {
    this.#client = client;
    this.#maxPoints = options.maxPoints ?? 1000;
    this.#capacity = options.capacity ?? 200;
    this.#stop = client.on('run/epoch-logged', (epoch) => this.#onEpoch(epoch));
  }

  /** The series of one run, loading them on first use. */
  forRun(runId: number): RunMetrics {
    return this.forRuns([runId])[0] as RunMetrics;
  }

  /** The series of several runs, in the order given; the missing ones are read in one call. */
  forRuns(runIds: readonly number[]): RunMetrics[] {
    const missing = runIds.filter((id) => !this.#entries.has(id));
    for (const id of missing) this.#entries.set(id, { metrics: new RunMetrics(id), pending: [], lastUsed: 0 });
    if (missing.length > 0) void this.#load(missing);
    const result = runIds.map((id) => {
      const entry = this.#entries.get(id) as CacheEntry;
      entry.lastUsed = ++this.#useCounter;
      return entry.metrics;
    });
    this.#evict(new Set(runIds));
    return result;
  }

  /** Reads every cached run again, e.g. after the live connection was down and epochs may have been missed. */
  refreshAll(): void {
    const ids = [...this.#entries.keys()];
    for (const entry of this.#entries.values()) entry.pending = [];
    if (ids.length > 0) void this.#load(ids);
  }

  async #load(runIds: number[]): Promise<void> {
    for (let start = 0; start < runIds.length; start += 500) {
      const chunk = runIds.slice(start, start + 500);
      try {
        const series = await this.#client.call('runs/metrics', { run_ids: chunk, max_points: this.#maxPoints });
        for (const id of chunk) {
          const entry = this.#entries.get(id);
          if (!entry) continue;
          entry.metrics.setLoaded(series, entry.pending ?? []);
          entry.pending = null;
        }
      } catch (error) {
        for (const id of chunk) {
          const entry = this.#entries.get(id);
          if (!entry) continue;
          entry.metrics.setFailed(errorMessage(error));
          // Forget it so that the next view of this run tries again.
          this.#entries.delete(id);
        }
      }
    }
  }

  #onEpoch(epoch: EpochLogged): void {
    const entry = this.#entries.get(epoch.run_id);
    if (!entry) return;
    if (entry.pending) {
      entry.pending.push(epoch);
      return;
    }
    entry.metrics.append(epoch);
    // A downsampled series grows by one point per epoch; past twice the budget, read it thinned again.
    const longest = Math.max(0, ...Object.values(entry.metrics.series).map((points) => points.length));
    if (longest > 2 * this.#maxPoints) {
      entry.pending = [];
      void this.#load([epoch.run_id]);
    }
  }

  #evict(keep: ReadonlySet<number>): void {
    if (this.#entries.size <= this.#capacity) return;
    const byAge = [...this.#entries.entries()].filter(([id]) => !keep.has(id)).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id] of byAge.slice(0, this.#entries.size - this.#capacity)) this.#entries.delete(id);
  }

  dispose(): void {
    this.#stop();
    this.#entries.clear();
  }
}
