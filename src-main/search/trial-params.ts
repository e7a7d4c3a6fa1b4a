import { fromMetricValue, type RunStatus } from '../../src-shared/entities/run';
import type { SweepDetail } from '../../src-shared/entities/sweep';
import { parseSpace, type ParamValue, type SearchSpace } from '../../src-shared/search/space';
import type { RunStore } from '../store/run-store';
import { DONE_TRIAL_STATUSES } from '../store/sweep-store';
import { suggestTpe, type TpeObservation } from './tpe/tpe-sampler';

/** A stored sweep's space, parsed back from its `NAME=DISTRIBUTION` texts. */
export function storedSpace(detail: Pick<SweepDetail, 'space'>): SearchSpace {
  const parsed = parseSpace(detail.space.map((p) => `${p.name}=${p.distribution}`));
  if (!parsed.ok) throw new Error(`The sweep's stored space does not parse: ${parsed.message}`);
  return parsed.value;
}

/**
 * What TPE knows before drawing trial `trial` of a sweep, oldest first: its warm-start runs (complete), then every
 * other trial with params, in trial order:
 * - finished: complete, with its objective (the best value over its epochs, as the sweep ranks trials);
 * - pruned by successive halving: pruned at its last epoch (its rung) with the objective's value at that epoch, as
 *   Optuna ranks a pruned trial by its last intermediate value (`lastValues`);
 * - diverged: pruned at its last epoch with a value that is not a number (ranked last among trials stopped there), as
 *   Optuna ranks a pruned trial whose last report was NaN;
 * - failed: left out, as Optuna leaves out failed trials;
 * - anything not done (queued, running, claimed, or stopped and to run again with the same params): running, the
 *   worst of all (Optuna's constant liar), so trials running at once spread out.
 */
export function tpeHistory(detail: SweepDetail, trial: number, lastValues: ReadonlyMap<number, number>): TpeObservation[] {
  const history: TpeObservation[] = detail.warm_start_runs.map((run) => ({ params: run.params, state: 'complete', value: run.value }));
  for (const t of detail.trials) {
    if (t.trial === trial || Object.keys(t.params).length === 0) continue;
    const status = t.status as RunStatus | 'pending';
    if (status === 'finished') {
      if (typeof t.value === 'number' && Number.isFinite(t.value)) history.push({ params: t.params, state: 'complete', value: t.value });
    } else if (status === 'pruned') {
      const last = t.run_id === null ? undefined : lastValues.get(t.run_id);
      history.push({ params: t.params, state: 'pruned', value: last ?? null, ...(last === undefined ? {} : { step: t.epochs }) });
    } else if (status === 'diverged') {
      history.push({ params: t.params, state: 'pruned', value: NaN, step: t.epochs });
    } else if (!DONE_TRIAL_STATUSES.includes(status as RunStatus)) {
      history.push({ params: t.params, state: 'running', value: null });
    }
  }
  return history;
}

/**
 * The params trial `trial` of a sweep trains with. A trial planned with params (grid, random, asha) has them; a TPE
 * trial has none until it starts: they are drawn here from what the store holds of the sweep (so a draw on any process
 * or machine sees every trial's result) and recorded, unless another process recorded some first, whose params win.
 * A trial drawn before (a resumed sweep, a trial handed on) keeps its params.
 */
export async function paramsForTrial(store: RunStore, sweepId: number, trial: number): Promise<Record<string, ParamValue>> {
  const detail = await store.sweeps.get(sweepId);
  const own = detail?.trials.find((t) => t.trial === trial);
  if (!detail || !own) throw new Error(`Trial ${trial} of sweep ${sweepId} does not exist.`);
  if (Object.keys(own.params).length > 0 || detail.strategy !== 'tpe') return own.params as Record<string, ParamValue>;
  const pruned = detail.trials.filter((t) => t.status === 'pruned' && t.run_id !== null).map((t) => t.run_id as number);
  const lastValues = new Map<number, number>();
  if (pruned.length > 0) {
    for (const series of await store.getMetrics(pruned, [detail.objective.metric], null)) {
      const last = series.points[series.points.length - 1];
      if (last) lastValues.set(series.run_id, fromMetricValue(last.value));
    }
  }
  const params = suggestTpe(storedSpace(detail), tpeHistory(detail, trial, lastValues), detail.objective.direction, detail.seed, trial - 1);
  const stored = await store.sweeps.setTrialParams(sweepId, trial, params);
  if (!stored) throw new Error(`Trial ${trial} of sweep ${sweepId} no longer exists.`);
  return stored;
}
