import type { FieldError } from '../../src-shared/api/errors';
import { toFieldErrors } from '../../src-shared/api/validation';
import { GRID_CONFIRM_LIMIT, sweepRequestSchema, type Strategy, type SweepRequestInput } from '../../src-shared/entities/sweep';
import type { TrainConfigInput } from '../../src-shared/entities/train-config';
import { defaultFormValues, FORM_FIELDS, groupFieldErrors, toTrainConfig, type FormErrors, type FormValues } from './new-run-fields';
import { rowText, type SpaceRow } from './sweep-space';

/** The sweep's own settings, as the request names them (and its field errors do). */
export const SWEEP_FIELDS = ['name', 'experiment', 'trials', 'parallel', 'seed', 'objective', 'min_epochs', 'reduction_factor', 'warm_start', 'yes'] as const;
export type SweepField = (typeof SWEEP_FIELDS)[number];
/** The sweep settings typed as text. */
export type SweepValues = Record<Exclude<SweepField, 'objective' | 'yes'>, string>;
/** Errors of the sweep's own settings, plus `form` (the banner) and `space` (the editor, for no row in particular). */
export type SweepErrors = Partial<Record<SweepField | 'form' | 'space', string>>;

/** Options of a run that are the sweep's, not each trial's: never part of `fixed`. */
const NOT_FIXED = ['name', 'experiment', 'seed', 'overfit_batch'];

export const numberOrNone = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text.trim()));

/**
 * Every trial's options: what the New run form describes, less the searched ones and the sweep's own (name, seed...),
 * and less what equals the defaults (kept short, as on the command line); the dataset and epochs are always given.
 */
export function fixedOptions(values: FormValues, searched: ReadonlyMap<string, string>): Partial<TrainConfigInput> {
  const config: Record<string, unknown> = { ...toTrainConfig(values) };
  // The form sends momentum only to an optimizer that uses it; a searched optimizer may be one.
  if (searched.has('optimizer') && config.momentum === undefined) config.momentum = numberOrNone(values.momentum);
  const defaults: Record<string, unknown> = { ...toTrainConfig(defaultFormValues()) };
  for (const key of Object.keys(config)) {
    const same = JSON.stringify(config[key]) === JSON.stringify(defaults[key]) && key !== 'dataset' && key !== 'epochs';
    if (same || searched.has(key) || NOT_FIXED.includes(key)) delete config[key];
  }
  return config as Partial<TrainConfigInput>;
}

export interface SweepInputs {
  strategy: Strategy;
  rows: readonly SpaceRow[];
  values: SweepValues;
  fixed: Partial<TrainConfigInput>;
  objective: string;
  confirmLarge: boolean;
  /** TPE: prune its trials by successive halving (the asha strategy always does). */
  prune: boolean;
}

/** The `sweeps/start` input: empty settings are left out so that the host's defaults apply. */
export function sweepRequest(inputs: SweepInputs): SweepRequestInput {
  const { strategy, values } = inputs;
  const tpe = strategy === 'tpe';
  const asha = strategy === 'asha' || (tpe && inputs.prune);
  const request: Record<string, unknown> = {
    name: values.name.trim() === '' ? undefined : values.name.trim(),
    experiment: values.experiment.trim() === '' ? 'default' : values.experiment.trim(),
    strategy,
    params: inputs.rows.map(rowText),
    trials: strategy === 'grid' ? undefined : numberOrNone(values.trials),
    fixed: inputs.fixed,
    objective: inputs.objective,
    parallel: numberOrNone(values.parallel),
    seed: numberOrNone(values.seed),
    min_epochs: asha ? numberOrNone(values.min_epochs) : undefined,
    reduction_factor: asha ? numberOrNone(values.reduction_factor) : undefined,
    pruner: tpe && inputs.prune ? 'asha' : undefined,
    warm_start: tpe && values.warm_start.trim() !== '' ? values.warm_start.trim() : undefined,
    yes: inputs.confirmLarge,
  };
  for (const key of Object.keys(request)) if (request[key] === undefined) delete request[key];
  return request as SweepRequestInput;
}

/**
 * What the host would refuse in the sweep's own settings: the shared request schema, the first rung before the last
 * epoch (asha), and a confirmation for a grid of more than GRID_CONFIRM_LIMIT trials.
 */
export function settingErrors(request: SweepRequestInput, epochs: number, gridSize: number): Partial<Record<SweepField, string>> {
  const errors: Partial<Record<SweepField, string>> = {};
  const result = sweepRequestSchema.safeParse(request);
  if (!result.success) {
    for (const { field, message } of toFieldErrors(result.error)) {
      const head = field.split('.')[0] as SweepField;
      if ((SWEEP_FIELDS as readonly string[]).includes(head)) errors[head] ??= message;
    }
  }
  if ((request.strategy === 'asha' || request.pruner === 'asha') && request.min_epochs !== undefined && request.min_epochs >= epochs) {
    errors.min_epochs ??= `the first rung must come before the last epoch (${epochs})`;
  }
  if (request.strategy === 'grid' && gridSize > GRID_CONFIRM_LIMIT && !request.yes) errors.yes = `more than ${GRID_CONFIRM_LIMIT} trials: confirm to run them all`;
  return errors;
}

/**
 * Files each of the host's field errors next to what it names: a search-space row (`params`, by the parameter its
 * message starts with), a sweep setting, or a training option; the message itself goes to the banner.
 */
export function sortFieldErrors(
  fields: readonly FieldError[],
  message: string,
  rows: readonly SpaceRow[],
): { own: SweepErrors; rows: Record<number, string>; options: FormErrors } {
  const own: SweepErrors = { form: message };
  const rowErrors: Record<number, string> = {};
  const options: FieldError[] = [];
  for (const field of fields) {
    const head = field.field.split('.')[0] ?? field.field;
    if (head === 'params') {
      const row = rows.find((r) => new RegExp(`^${r.name}\\b`).test(field.message));
      if (row) rowErrors[row.id] = field.message;
      else own.space = field.message;
    } else if ((SWEEP_FIELDS as readonly string[]).includes(head)) own[head as SweepField] = field.message;
    else if ((FORM_FIELDS as readonly string[]).includes(head)) options.push(field);
  }
  return { own, rows: rowErrors, options: groupFieldErrors(options) };
}
