import type { Smoothing } from '../../../src-shared/smoothing';

export type XAxis = 'epoch' | 'time';
export type SmoothingKind = Smoothing['kind'];

/** The metrics Compare charts until the user picks others. */
const DEFAULT_CHARTS = ['val_loss', 'val_accuracy'];

/**
 * How Compare draws the curves: which metrics (one chart each), the x-axis, log y per chart, and the smoothing.
 * Kept while the user goes elsewhere and comes back. Also which run the pointer is on, so that every chart and the
 * param diff highlight it together.
 */
export class CompareSettings {
  #charts = $state<string[]>([...DEFAULT_CHARTS]);
  #xAxis = $state<XAxis>('epoch');
  #log = $state<Record<string, boolean>>({});
  #kind = $state<SmoothingKind>('none');
  #emaWeight = $state(0.6);
  #window = $state(5);
  #hovered = $state<number | null>(null);

  get charts(): readonly string[] {
    return this.#charts;
  }
  addChart(metric: string): void {
    if (!this.#charts.includes(metric)) this.#charts.push(metric);
  }
  removeChart(metric: string): void {
    this.#charts = this.#charts.filter((m) => m !== metric);
  }
  replaceChart(metric: string, next: string): void {
    if (this.#charts.includes(next)) return;
    this.#charts = this.#charts.map((m) => (m === metric ? next : m));
  }

  get xAxis(): XAxis {
    return this.#xAxis;
  }
  set xAxis(value: XAxis) {
    this.#xAxis = value;
  }

  logScale(metric: string): boolean {
    return this.#log[metric] ?? false;
  }
  setLogScale(metric: string, on: boolean): void {
    this.#log[metric] = on;
  }

  get smoothingKind(): SmoothingKind {
    return this.#kind;
  }
  set smoothingKind(kind: SmoothingKind) {
    this.#kind = kind;
  }
  /** EMA weight in [0, 0.99]. */
  get emaWeight(): number {
    return this.#emaWeight;
  }
  set emaWeight(value: number) {
    this.#emaWeight = Math.min(0.99, Math.max(0, Number.isFinite(value) ? value : 0));
  }
  /** Centred moving-average window, in points (odd, 1 to 51). */
  get window(): number {
    return this.#window;
  }
  set window(value: number) {
    const whole = Math.round(Number.isFinite(value) ? value : 1);
    this.#window = Math.min(51, Math.max(1, whole % 2 === 0 ? whole + 1 : whole));
  }

  get smoothing(): Smoothing {
    if (this.#kind === 'ema') return { kind: 'ema', weight: this.#emaWeight };
    if (this.#kind === 'centred') return { kind: 'centred', window: this.#window };
    return { kind: 'none' };
  }

  /** The run under the pointer in any chart or in the param diff, or null. */
  get hovered(): number | null {
    return this.#hovered;
  }
  set hovered(runId: number | null) {
    if (this.#hovered !== runId) this.#hovered = runId;
  }
}
