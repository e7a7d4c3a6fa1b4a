/**
 * The New run form's live model: the layers the form describes (or, when fine-tuning, the parent run's) applied to the
 * chosen data with the shared planner, each layer's output shape and weights, what `freeze` keeps fixed, and the
 * refusals the host would make about the model and the data, worded as it words them, so they show next to their
 * field before anything is sent.
 */
import type { DatasetInfo } from '../../src-shared/entities/dataset';
import type { ModelSummary } from '../../src-shared/entities/model-summary';
import type { RunSummary } from '../../src-shared/entities/run';
import { isGeometric, parseAugment, parseFreeze } from '../../src-shared/entities/specs';
import { dropoutRates, trainConfigSchema } from '../../src-shared/entities/train-config';
import { frozenWeightLayers, modelField, planFor, type ModelChoice } from '../../src-shared/model/resolve';
import { describeShape, sameInputShape, type ModelPlan } from '../../src-shared/model/shapes';
import { summariseModel } from '../../src-shared/model/summary';
import { formData, type FormData } from './dataset-shape';
import { toTrainConfig, type FormErrors, type FormValues } from './new-run-fields';

export interface ModelPreview {
  /** The run whose layers a fine-tuning reuses, or null when the layers are the form's. */
  parentRunId: number | null;
  data: FormData | null;
  /** The model as the run would build it (null when the data or the layers are not known or do not fit). */
  plan: ModelPlan | null;
  /** The plan as the run page shows a run's model: output shapes, parameters, what is frozen, the totals. */
  summary: ModelSummary | null;
  /** Whether a fine-tuning replaces the parent's output layer (its classes differ from the data's). */
  replacesOutput: boolean;
  /** What the host would refuse, by field. */
  errors: FormErrors;
}

/** Looks a run up by id (the runs the page holds). */
export type RunLookup = (runId: number) => Pick<RunSummary, 'run_id' | 'params'> | undefined;

/** The model fields of the form, checked by their own schemas; null while one of them is invalid (the form says why). */
function formChoice(values: FormValues): ModelChoice | null {
  const config = toTrainConfig(values);
  const shape = trainConfigSchema.shape;
  if (config.layers !== undefined) return { layers: config.layers, hidden: [], activation: 'relu', dropout: [] };
  if (config.model !== undefined) return { model: config.model, hidden: [], activation: 'relu', dropout: [] };
  const hidden = shape.hidden.safeParse(config.hidden);
  const activation = shape.activation.safeParse(config.activation);
  const dropout = shape.dropout.safeParse(config.dropout);
  if (!hidden.success || !activation.success || !dropout.success) return null;
  return { hidden: hidden.data, activation: activation.data, dropout: dropoutRates({ hidden: hidden.data, dropout: dropout.data }) };
}

/**
 * What a fine-tuning of `parent` builds: an MLP made from `hidden` is rebuilt with the new run's own dropout (as the
 * host does); any other model is reused as its recorded layer list. Null for a run that recorded neither.
 */
function parentChoice(parent: Pick<RunSummary, 'params'>, own: ModelChoice | null): ModelChoice | null {
  const { hidden, activation, layers } = parent.params;
  if (hidden !== undefined && hidden !== null) {
    const sizes = String(hidden).trim() === '' ? [] : String(hidden).split(',').map(Number);
    const rates = own && own.layers === undefined && own.model === undefined ? own.dropout : [];
    const name = typeof activation === 'string' ? activation : 'relu';
    return { hidden: sizes, activation: name as ModelChoice['activation'], dropout: sizes.map((_, i) => rates[i] ?? rates[0] ?? 0) };
  }
  return typeof layers === 'string' ? { layers, hidden: [], activation: 'relu', dropout: [] } : null;
}

/** The live model of the form `values` on the catalogue `datasets`; `runs` finds a fine-tuning's parent. */
export function previewModel(values: FormValues, datasets: readonly DatasetInfo[], runs: RunLookup): ModelPreview {
  const errors: FormErrors = {};
  const preview: ModelPreview = { parentRunId: null, data: null, plan: null, summary: null, replacesOutput: false, errors };
  const data = formData(values.dataset, datasets);
  if (data && !data.ok) errors.dataset = data.message;
  if (!data?.ok) return preview;
  preview.data = data.value;
  const { info, input, classes } = data.value;

  const augment = parseAugment(values.augment);
  if (augment.ok && isGeometric(augment.value) && input.kind === 'flat') {
    errors.augment = `rotate, shift, scale, flip and crop apply to images; ${info.name} is a table, so only noise applies`;
  }
  const testSplit = Number(values.test_split.trim() === '' ? 0 : values.test_split);
  if (info.test_rows > 0 && testSplit > 0) {
    errors.test_split = `${info.name} has its own test set (${info.test_rows} samples), evaluated once after training; test_split does not apply to it`;
  }

  const own = formChoice(values);
  const fromRun = /^\d+$/.test(values.from_run.trim()) ? Number(values.from_run.trim()) : null;
  const parent = fromRun === null ? undefined : runs(fromRun);
  const inherited = parent ? parentChoice(parent, own) : null;
  const choice = inherited ?? own;
  if (!choice) return preview;
  if (inherited && parent) {
    preview.parentRunId = parent.run_id;
    const parentData = formData(String(parent.params['dataset'] ?? ''), datasets);
    if (parentData?.ok) {
      if (!sameInputShape(parentData.value.input, input)) {
        errors.from_run = `run ${parent.run_id} takes inputs of ${describeShape(parentData.value.input)} but ${info.name} has ${describeShape(input)}: the input shapes differ`;
        return preview;
      }
      const before = parentData.value.classes;
      preview.replacesOutput = before.length !== classes.length || before.some((name, i) => name !== classes[i]);
    }
  }
  const plan = planFor(choice, input, classes.length);
  if (!plan.ok) {
    const field = inherited ? 'from_run' : modelField(choice);
    errors[field] = inherited ? `run ${preview.parentRunId}'s layers do not fit ${info.name}: ${plan.message}` : `${plan.message} (dataset ${info.name})`;
    return preview;
  }
  preview.plan = plan.value;
  let frozen: number[] = [];
  const freeze = parseFreeze(values.freeze);
  if (freeze.ok) {
    const indices = frozenWeightLayers(freeze.value, plan.value);
    if (!indices.ok) errors.freeze = indices.message;
    else frozen = indices.value;
    const output = plan.value.layers.filter((p) => p.weightIndex !== null).length - 1;
    if (preview.replacesOutput && frozen.includes(output)) {
      errors.freeze = `the output layer is replaced (run ${preview.parentRunId} has other classes than ${info.name}), so it cannot be frozen`;
    }
  }
  preview.summary = summariseModel(plan.value, input, frozen);
  return preview;
}
