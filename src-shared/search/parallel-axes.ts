import { formatMetric } from '../format';
import { coordinate, goodness, type PlotParam, type PlotTrial, type ValueRange } from './sweep-plot';

/** One vertical axis of a parallel-coordinates plot, mapping a value to a fraction of its height (0 bottom, 1 top). */
export interface ParallelAxis {
  name: string;
  label: string;
  /** Tick labels and where they sit (fraction of the height). */
  ticks: { at: number; text: string }[];
  position(trial: PlotTrial): number | null;
}

function numericTicks(range: ValueRange, log: boolean, scaled: (v: number) => number): { at: number; text: string }[] {
  const values = range.min === range.max ? [range.min] : log ? [range.min, Math.sqrt(range.min * range.max), range.max] : [range.min, (range.min + range.max) / 2, range.max];
  return values.map((v) => ({ at: scaled(v), text: formatMetric(v) }));
}

/**
 * An axis per searched hyperparameter, each scaled to the range its trials drew (on a log scale for log-uniform ones,
 * categories evenly spaced), then the objective's axis.
 */
export function parallelAxes(params: readonly PlotParam[], trials: readonly PlotTrial[], metric: string, objective: ValueRange | null): ParallelAxis[] {
  const axes: ParallelAxis[] = params.map((param) => {
    if (param.categorical) {
      const count = Math.max(1, param.categories.length);
      const at = (index: number) => (count === 1 ? 0.5 : index / (count - 1));
      return {
        name: param.name,
        label: param.name,
        ticks: param.categories.map((text, i) => ({ at: at(i), text })),
        position: (trial) => {
          const index = coordinate(param, trial.params[param.name]);
          return index === null ? null : at(index);
        },
      };
    }
    const values = trials.map((t) => coordinate(param, t.params[param.name])).filter((v): v is number => v !== null);
    const range = values.length > 0 ? { min: Math.min(...values), max: Math.max(...values) } : { min: 0, max: 1 };
    const f = param.log ? Math.log10 : (v: number) => v;
    const scaled = (v: number) => (range.max === range.min ? 0.5 : (f(v) - f(range.min)) / (f(range.max) - f(range.min)));
    return {
      name: param.name,
      label: param.log ? `${param.name} (log)` : param.name,
      ticks: numericTicks(range, param.log, scaled),
      position: (trial) => {
        const v = coordinate(param, trial.params[param.name]);
        return v === null ? null : scaled(v);
      },
    };
  });
  const range = objective ?? { min: 0, max: 1 };
  const scaled = (v: number) => goodness(v, range, 'max');
  axes.push({
    name: metric,
    label: metric,
    ticks: objective ? numericTicks(objective, false, scaled) : [],
    position: (trial) => (trial.value === null ? null : scaled(trial.value)),
  });
  return axes;
}
