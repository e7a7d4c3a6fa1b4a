import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';
import type { MetricSeries } from '../../../src-shared/entities/run';
import { RunMetrics, type EpochLogged } from './run-metrics.svelte';

interface CacheEntry {
  metrics: RunMetrics;
  /** Epochs received while the first load is in flight; null once loaded. */
  pending: EpochLogged[] | null;
  lastUsed: number;
}

/** After `store/changed`, the new points are read this much later, so that a burst of notices makes one read. */
const CATCH_UP_DELAY_MS = 250;

export interface MetricsCacheOptions {
  /** Point budget per series (default 1000). */
  maxPoints?: number;
  /** How many runs' series are kept (default 200). */
  capacity?: number;
  /**
   * Whether a run held up to `heldThrough` can log nothing more: it ended, and its series hold all its epochs. Such
   * runs are not asked for new points when another process writes. Without it, every run held is asked.
   */
  settled?: (runId: number, heldThrough: number | null) => boolean;
}

/**
 * Metric series of the runs on screen, shared by the run page and Compare. Every read passes the point budget
 * (`maxPoints` per series) so a chart never receives an unbounded series; least recently used runs are dropped.
 * Epochs of this host's runs arrive as events; epochs another process (another machine on a shared store) logs are
 * announced only by `store/changed`, after which the points past what each unsettled run holds are read: one read
 * per burst of notices (never two at once), asking only for what is new.
 */
export class MetricsCache {
  #client: ApiClient;
  #maxPoints: number;
  #capacity: number;
  #entries = new Map<number, CacheEntry>();
  #useCounter = 0;
  #settled: (runId: number, heldThrough: number | null) => boolean;
  #catchUpTimer: ReturnType<typeof setTimeout> | null = null;
  /** The catch-up read under way; a notice meanwhile asks for one more after it. */
  #catchingUp: Promise<void> | null = null;
  #catchUpAgain = false;
  #stops: (() => void)[];

  constructor(client: ApiClient, options: MetricsCacheOptions = {}) {
    this.#client = client;
    this.#maxPoints = options.maxPoints ?? 1000;
    this.#capacity = options.capacity ?? 200;
    this.#settled = options.settled ?? (() => false);
    this.#stops = [client.on('run/epoch-logged', (epoch) => this.#onEpoch(epoch)), client.on('store/changed', () => this.#scheduleCatchUp())];
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

  #scheduleCatchUp(): void {
    if (this.#catchingUp) {
      this.#catchUpAgain = true;
      return;
    }
    if (this.#catchUpTimer !== null) return;
    this.#catchUpTimer = setTimeout(() => {
      this.#catchUpTimer = null;
      this.#catchingUp = this.#catchUp().finally(() => {
        this.#catchingUp = null;
        if (this.#catchUpAgain) {
          this.#catchUpAgain = false;
          this.#scheduleCatchUp();
        }
      });
    }, CATCH_UP_DELAY_MS);
  }

  /**
   * Reads the points logged since what each loaded, unsettled run holds: one `runs/metrics` call per step they are
   * held through (a run page: one call), so that nothing already held is read again.
   */
  async #catchUp(): Promise<void> {
    const byStep = new Map<number | null, number[]>();
    for (const [id, entry] of this.#entries) {
      if (entry.pending) continue;
      const held = entry.metrics.heldThrough();
      if (this.#settled(id, held)) continue;
      const ids = byStep.get(held) ?? [];
      ids.push(id);
      byStep.set(held, ids);
    }
    for (const [held, ids] of byStep) {
      for (let start = 0; start < ids.length; start += 500) {
        const chunk = ids.slice(start, start + 500);
        let series: MetricSeries[];
        try {
          series = await this.#client.call('runs/metrics', { run_ids: chunk, max_points: this.#maxPoints, ...(held === null ? {} : { after_step: held }) });
        } catch {
          // The next notice (or the reconnection's `refreshAll`) reads them again.
          continue;
        }
        for (const id of chunk) {
          const entry = this.#entries.get(id);
          // Forgotten, or being read whole meanwhile: that read holds these points.
          if (!entry || entry.pending) continue;
          entry.metrics.extend(series);
          this.#reloadWhenLong(entry, id);
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
    this.#reloadWhenLong(entry, epoch.run_id);
  }

  /** A downsampled series grows by a point per epoch; past twice the budget, it is read thinned again. */
  #reloadWhenLong(entry: CacheEntry, runId: number): void {
    const longest = Math.max(0, ...Object.values(entry.metrics.series).map((points) => points.length));
    if (longest > 2 * this.#maxPoints) {
      entry.pending = [];
      void this.#load([runId]);
    }
  }

  #evict(keep: ReadonlySet<number>): void {
    if (this.#entries.size <= this.#capacity) return;
    const byAge = [...this.#entries.entries()].filter(([id]) => !keep.has(id)).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id] of byAge.slice(0, this.#entries.size - this.#capacity)) this.#entries.delete(id);
  }

  dispose(): void {
    for (const stop of this.#stops) stop();
    if (this.#catchUpTimer !== null) clearTimeout(this.#catchUpTimer);
    this.#entries.clear();
  }
}
