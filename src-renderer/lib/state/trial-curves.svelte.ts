import { SvelteMap } from 'svelte/reactivity';
import type { MetricPoint } from '../../../src-shared/entities/run';
import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';

/** Points per trial curve: a sweep's trials are many and their curves small on screen. */
const MAX_POINTS = 200;
/** `runs/metrics` takes at most this many runs per call. */
const CHUNK = 500;

/**
 * One metric (a sweep's objective) over the epochs of each of its trials' runs: read once per run within a point
 * budget, then extended by the epochs the runs log live.
 */
export class TrialCurves {
  readonly metric: string;
  #client: ApiClient;
  /** Each run's points; an array is replaced (never mutated) when it grows. */
  #series = new SvelteMap<number, readonly MetricPoint[]>();
  #error = $state<string | null>(null);
  /** Runs asked for (loaded or in flight). Not reactive: `sync` runs in effects, which must not depend on it. */
  #known: Record<number, true> = {};
  #stop: () => void;

  constructor(client: ApiClient, metric: string) {
    this.#client = client;
    this.metric = metric;
    this.#stop = client.on('run/epoch-logged', ({ run_id, epoch, time, metrics }) => {
      const value = metrics[metric];
      const points = this.#series.get(run_id);
      if (value === undefined || !points) return;
      const last = points[points.length - 1];
      if (last && last.step >= epoch) return;
      this.#series.set(run_id, [...points, { step: epoch, value, time }]);
    });
  }

  get error(): string | null {
    return this.#error;
  }

  points(runId: number): readonly MetricPoint[] {
    return this.#series.get(runId) ?? [];
  }

  /** Reads the runs not read yet. Runs that have not logged anything are read again on a later call. */
  sync(runIds: readonly number[]): void {
    const missing = runIds.filter((id) => !this.#known[id]);
    if (missing.length === 0) return;
    for (const id of missing) this.#known[id] = true;
    void this.#load(missing);
  }

  async #load(runIds: number[]): Promise<void> {
    for (let start = 0; start < runIds.length; start += CHUNK) {
      const chunk = runIds.slice(start, start + CHUNK);
      try {
        const series = await this.#client.call('runs/metrics', { run_ids: chunk, keys: [this.metric], max_points: MAX_POINTS });
        for (const id of chunk) {
          const loaded = series.find((s) => s.run_id === id)?.points ?? [];
          const live = this.#series.get(id) ?? [];
          this.#series.set(id, live.length > loaded.length ? live : loaded);
          if (loaded.length === 0) delete this.#known[id];
        }
        this.#error = null;
      } catch (error) {
        for (const id of chunk) delete this.#known[id];
        this.#error = errorMessage(error);
      }
    }
  }

  dispose(): void {
    this.#stop();
  }
}
