import type { MetricPoint } from '../../src-shared/entities/run';
import { ashaRungs, type SweepDetail } from '../../src-shared/entities/sweep';
import { metricToChartValue } from './format';

/** What became of one trial at one rung. */
export interface RungEntry {
  trial: number;
  runId: number;
  /** The objective at the rung's epoch (null when not read yet or not finite). */
  value: number | null;
  /** `on`: promoted (it trained past the rung, or is still training); `pruned`: stopped here; `ended`: failed or stopped. */
  fate: 'on' | 'pruned' | 'ended';
}

export interface RungView {
  epoch: number;
  /** The last epoch: the trials that trained to the end. */
  final: boolean;
  entries: RungEntry[];
}

/** The value a series had at an epoch. */
function valueAt(points: readonly MetricPoint[], epoch: number): number | null {
  const point = points.find((p) => p.step === epoch);
  return point ? metricToChartValue(point.value) : null;
}

/**
 * Each rung of a successive-halving sweep (and its last epoch) with the trials that reached it, best first, and
 * whether each went on. A pruned trial is stopped at the last rung it reached.
 */
export function rungViews(sweep: SweepDetail, pointsOf: (runId: number) => readonly MetricPoint[]): RungView[] {
  if (!sweep.asha) return [];
  const rungs = ashaRungs(sweep.asha);
  const epochs = [...rungs, sweep.asha.max_epochs];
  const better = sweep.objective.direction === 'max' ? (a: number, b: number) => b - a : (a: number, b: number) => a - b;
  return epochs.map((epoch, index) => {
    const final = index === epochs.length - 1;
    const entries: RungEntry[] = [];
    for (const trial of sweep.trials) {
      if (trial.run_id === null || trial.epochs < epoch) continue;
      const lastRung = [...rungs].reverse().find((r) => r <= trial.epochs);
      let fate: RungEntry['fate'] = 'on';
      if (trial.status === 'pruned' && lastRung === epoch) fate = 'pruned';
      else if (!final && trial.status !== 'running' && trial.status !== 'finished' && trial.epochs === epoch) fate = 'ended';
      entries.push({ trial: trial.trial, runId: trial.run_id, value: valueAt(pointsOf(trial.run_id), epoch), fate });
    }
    entries.sort((a, b) => (a.value === null ? 1 : b.value === null ? -1 : better(a.value, b.value)));
    return { epoch, final, entries };
  });
}
