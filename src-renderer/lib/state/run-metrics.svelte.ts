import type { EventPayload } from '../../../src-shared/api/events';
import type { MetricPoint, MetricSeries } from '../../../src-shared/entities/run';

export type EpochLogged = EventPayload<'run/epoch-logged'>;

/** One run's metric series for its charts: loaded once within a point budget, then extended by live epochs. */
export class RunMetrics {
  readonly runId: number;
  #series = $state.raw<Readonly<Record<string, readonly MetricPoint[]>>>({});
  #loading = $state(true);
  #error = $state<string | null>(null);
  #downsampled = $state(false);

  constructor(runId: number) {
    this.runId = runId;
  }

  /** Points per metric key, oldest first. Each array is replaced (never mutated) when it changes. */
  get series(): Readonly<Record<string, readonly MetricPoint[]>> {
    return this.#series;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get error(): string | null {
    return this.#error;
  }
  /** True when the store thinned a long series to fit the point budget. */
  get downsampled(): boolean {
    return this.#downsampled;
  }

  points(key: string): readonly MetricPoint[] {
    return this.#series[key] ?? [];
  }

  /** Replaces everything with what the store returned, then re-applies epochs that arrived meanwhile. */
  setLoaded(series: readonly MetricSeries[], arrivedMeanwhile: readonly EpochLogged[]): void {
    const next: Record<string, readonly MetricPoint[]> = {};
    for (const s of series) if (s.run_id === this.runId) next[s.key] = s.points;
    this.#series = next;
    this.#downsampled = series.some((s) => s.run_id === this.runId && s.downsampled);
    this.#error = null;
    this.#loading = false;
    for (const epoch of arrivedMeanwhile) this.append(epoch);
  }

  setFailed(message: string): void {
    this.#error = message;
    this.#loading = false;
  }

  /**
   * The step every series is held up to (the lowest of their last steps), or null when none holds a point yet: what
   * a read of the points logged since (`runs/metrics` with `after_step`) starts after.
   */
  heldThrough(): number | null {
    const lasts = Object.values(this.#series).map((points) => points[points.length - 1]?.step ?? null);
    if (lasts.length === 0 || lasts.includes(null)) return null;
    return Math.min(...(lasts as number[]));
  }

  /** Adds the points of a read of what was logged since (`runs/metrics` with `after_step`) that the series lack. */
  extend(series: readonly MetricSeries[]): void {
    const next: Record<string, readonly MetricPoint[]> = { ...this.#series };
    let changed = false;
    for (const s of series) {
      if (s.run_id !== this.runId) continue;
      const points = next[s.key] ?? [];
      const lastStep = points[points.length - 1]?.step ?? -Infinity;
      const added = s.points.filter((point) => point.step > lastStep);
      if (added.length === 0) continue;
      next[s.key] = [...points, ...added];
      changed = true;
    }
    if (changed) this.#series = next;
  }

  /** Adds one epoch's values; an epoch the series already holds (a load raced the event) is skipped. */
  append(epoch: EpochLogged): void {
    const next: Record<string, readonly MetricPoint[]> = { ...this.#series };
    let changed = false;
    for (const [key, value] of Object.entries(epoch.metrics)) {
      const points = next[key] ?? [];
      const last = points[points.length - 1];
      if (last && last.step >= epoch.epoch) continue;
      next[key] = [...points, { step: epoch.epoch, value, time: epoch.time }];
      changed = true;
    }
    if (changed) this.#series = next;
  }
}
