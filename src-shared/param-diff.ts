import type { RunSummary } from './entities/run';
import { PARAM_KEYS, type ParamValue } from './entities/train-config';

export interface ParamRow {
  key: string;
  /** One value per run, in the runs' order (undefined when a run lacks the param). */
  values: (ParamValue | undefined)[];
  /** True when not all runs have the same value. */
  differs: boolean;
}

function sameValue(a: ParamValue | undefined, b: ParamValue | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && String(a) === String(b));
}

/** Params side by side: the known params in their usual order, then any others alphabetically. */
export function paramRows(runs: readonly RunSummary[]): ParamRow[] {
  const known = new Set<string>(PARAM_KEYS);
  const extra = new Set<string>();
  for (const run of runs) for (const key of Object.keys(run.params)) if (!known.has(key)) extra.add(key);
  const keys = [...PARAM_KEYS.filter((key) => runs.some((run) => key in run.params)), ...[...extra].sort()];
  return keys.map((key) => {
    const values = runs.map((run) => run.params[key]);
    const first = values[0];
    return { key, values, differs: values.some((value) => !sameValue(value, first)) };
  });
}
