import { AppError } from '../../src-shared/api/errors';
import { fromMetricValue, type RunSummary } from '../../src-shared/entities/run';
import type { Objective, WarmStartRun } from '../../src-shared/entities/sweep';
import { formatDistribution, type ParamValue, type SearchSpace } from '../../src-shared/search/space';
import type { RunStore } from '../store/run-store';
import type { WarmStart } from '../store/sweep-store';
import { internalValue } from './tpe/tpe-sampler';

function refuse(message: string): never {
  throw new AppError('BAD_INPUT', `Invalid sweep: warm_start: ${message}.`, [{ field: 'warm_start', message }]);
}

/** The runs a `--warm-start` names: an experiment's or a sweep's (`experiment:NAME`, `sweep:ID|NAME`, or bare). */
async function runsOf(store: RunStore, reference: string): Promise<{ from: string; runs: RunSummary[] }> {
  const prefixed = /^(experiment|sweep):(.+)$/s.exec(reference);
  const kind = prefixed?.[1] as 'experiment' | 'sweep' | undefined;
  const name = (prefixed?.[2] ?? reference).trim();
  const sweeps = kind === 'experiment' ? [] : (await store.sweeps.list()).filter((s) => String(s.sweep_id) === name || s.name === name);
  const experiment = kind === 'sweep' ? null : await store.findExperiment({ name });
  if (sweeps.length === 0 && !experiment) {
    refuse(`no ${kind ?? 'experiment or sweep'} "${name}" in this database; name an experiment (experiment:NAME) or a sweep by id or name (sweep:ID)`);
  }
  if (sweeps.length + (experiment ? 1 : 0) > 1) {
    const found = [...sweeps.map((s) => `sweep:${s.sweep_id}`), ...(experiment ? [`experiment:${experiment.name}`] : [])];
    refuse(`"${name}" names ${found.join(' and ')}: write which one`);
  }
  if (experiment) return { from: `experiment ${experiment.name}`, runs: await store.listRuns({ experiment: experiment.name }) };
  const sweep = sweeps[0] as { sweep_id: number };
  return { from: `sweep ${sweep.sweep_id}`, runs: await store.listRuns({ sweepId: sweep.sweep_id }) };
}

/**
 * The finished runs of an experiment or sweep that can feed a TPE sweep before its first trial: each with every
 * searched param, inside the space (a categorical's value among its choices), and a finite objective (its best over
 * the run's epochs in the objective's direction, as the sweep ranks its own trials), oldest first.
 * @throws AppError(BAD_INPUT) when the reference names nothing, or no run qualifies (saying why the runs did not).
 */
export async function collectWarmStart(store: RunStore, reference: string, space: SearchSpace, objective: Objective): Promise<WarmStart> {
  const { from, runs } = await runsOf(store, reference);
  const finished = runs.filter((r) => r.status === 'finished').sort((a, b) => a.run_id - b.run_id);
  if (finished.length === 0) refuse(`${from} has no finished run to learn from`);
  const best = new Map<number, number>();
  for (const series of await store.getMetrics(finished.map((r) => r.run_id), [objective.metric], null)) {
    const values = series.points.map((p) => fromMetricValue(p.value)).filter(Number.isFinite);
    if (values.length > 0) best.set(series.run_id, objective.direction === 'max' ? Math.max(...values) : Math.min(...values));
  }
  const usable: WarmStartRun[] = [];
  const missing = new Map<string, number>();
  let outside: string | null = null;
  let outsideCount = 0;
  let noObjective = 0;
  for (const run of finished) {
    const params: Record<string, ParamValue> = {};
    let fits = true;
    for (const param of space) {
      const value = run.params[param.name];
      if (value === undefined || value === null) {
        missing.set(param.name, (missing.get(param.name) ?? 0) + 1);
        fits = false;
      } else if (internalValue(param.distribution, value) === null) {
        outsideCount++;
        outside ??= `run ${run.run_id} has ${param.name}=${JSON.stringify(value)}, outside ${formatDistribution(param.distribution)}`;
        fits = false;
      } else {
        params[param.name] = value;
      }
      if (!fits) break;
    }
    const value = best.get(run.run_id);
    if (fits && value === undefined) noObjective++;
    if (fits && value !== undefined) usable.push({ run_id: run.run_id, params, value });
  }
  if (usable.length === 0) {
    const reasons = [
      ...[...missing].map(([name, count]) => `${count} without ${name}`),
      ...(outside ? [`${outsideCount} with a value outside the space (${outside})`] : []),
      ...(noObjective > 0 ? [`${noObjective} that never logged ${objective.metric}`] : []),
    ];
    refuse(`none of the ${finished.length} finished runs of ${from} has the searched params (${space.map((p) => p.name).join(', ')}) inside the space: ${reasons.join('; ')}`);
  }
  return { from, runs: usable };
}
