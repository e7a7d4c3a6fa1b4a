import type { SweepSummary } from '../../src-shared/entities/sweep';

/** Newest sweep first. */
export function bySweepIdDesc(a: SweepSummary, b: SweepSummary): number {
  return b.sweep_id - a.sweep_id;
}

/**
 * A `sweeps/list` read in flight. Events that arrive meanwhile are newer than what the read returns, so the sweeps
 * they touched keep their event copy when the read lands, and sweeps created meanwhile are kept.
 */
export class SweepsRead {
  #touched = new Set<number>();

  touch(sweepId: number): void {
    this.#touched.add(sweepId);
  }

  merge(read: readonly SweepSummary[], current: readonly SweepSummary[]): SweepSummary[] {
    const byId = new Map(current.map((s) => [s.sweep_id, s]));
    const merged = read.map((s) => (this.#touched.has(s.sweep_id) ? (byId.get(s.sweep_id) ?? s) : s));
    const readIds = new Set(read.map((s) => s.sweep_id));
    const createdMeanwhile = current.filter((s) => this.#touched.has(s.sweep_id) && !readIds.has(s.sweep_id));
    return [...createdMeanwhile, ...merged].sort(bySweepIdDesc);
  }
}
