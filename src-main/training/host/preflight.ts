import { existsSync } from 'node:fs';
import { AppError } from '../../../src-shared/api/errors';
import type { DatasetInfo } from '../../../src-shared/entities/dataset';
import { TERMINAL_STATUSES, type RunKind } from '../../../src-shared/entities/run';
import { isGeometric, parseAugment, parseFreeze, type Parsed } from '../../../src-shared/entities/specs';
import { dropoutRates, type TrainConfig } from '../../../src-shared/entities/train-config';
import { frozenWeightLayers, modelField, planFor, sampleShape } from '../../../src-shared/model/resolve';
import { describeShape, sameInputShape, type ModelPlan, type SampleShape } from '../../../src-shared/model/shapes';
import type { DatasetCatalogue } from '../../datasets/catalogue';
import { checkpointDirectory } from '../../paths';
import type { RunStore } from '../../store/run-store';
import { NATIVE_PACKAGES, isPackageInstalled, notInstalledReason, webGpuNotInstalledReason } from '../backend-diagnosis';
import { checkpointFiles, readManifest } from '../checkpoint';
import { checkSplit } from '../data';

function refuse(field: string, message: string, code: 'BAD_INPUT' | 'BACKEND_UNAVAILABLE' | 'NOT_FOUND' = 'BAD_INPUT'): never {
  throw new AppError(code, `Invalid input: ${field}: ${message}.`, [{ field, message }]);
}

function must<T>(field: string, parsed: Parsed<T>): T {
  if (!parsed.ok) refuse(field, parsed.message);
  return parsed.value;
}

const inputOf = (info: DatasetInfo): SampleShape => sampleShape(info.image_shape, info.features);

/** The model a configuration builds on a dataset, every layer checked against the shape it meets. */
function planOn(config: TrainConfig, info: DatasetInfo): ModelPlan {
  const choice = { layers: config.layers, model: config.model, hidden: config.hidden, activation: config.activation, dropout: dropoutRates(config) };
  const plan = planFor(choice, inputOf(info), info.classes.length);
  if (!plan.ok) refuse(modelField(choice), `${plan.message} (dataset ${info.name})`);
  return plan.value;
}

/**
 * Everything about a configuration that the schema alone cannot check and that needs no database: the dataset
 * exists, the split leaves data everywhere, a named native backend is installed, the model's layers apply to the
 * data, augmentation fits the data, the overfit batch fits the training set, frozen layers exist.
 * Runs before anything is opened or written. Returns the model's plan.
 * @throws AppError(BAD_INPUT | BACKEND_UNAVAILABLE) with the field named.
 */
export function checkTrainable(config: TrainConfig, datasets: DatasetCatalogue): ModelPlan {
  const info = datasets.info(config.dataset);
  if (info.test_rows > 0 && config.test_split > 0) {
    refuse('test_split', `${info.name} has its own test set (${info.test_rows} samples), evaluated once after training; test_split does not apply to it`);
  }
  const labels = datasets.labels(config.dataset);
  const sizes = checkSplit(info.test_rows > 0 ? labels.subarray(0, labels.length - info.test_rows) : labels, info.classes.length, config.val_split, config.test_split);
  if (config.backend === 'tensorflow' || config.backend === 'tensorflow-cuda') {
    if (!isPackageInstalled(NATIVE_PACKAGES[config.backend])) {
      refuse('backend', `backend ${config.backend} is not available: ${notInstalledReason(config.backend)}`, 'BACKEND_UNAVAILABLE');
    }
  }
  const webgpuMissing = config.backend === 'webgpu' ? webGpuNotInstalledReason() : null;
  if (webgpuMissing) refuse('backend', `backend webgpu is not available: ${webgpuMissing}`, 'BACKEND_UNAVAILABLE');
  const augment = must('augment', parseAugment(config.augment));
  if (isGeometric(augment) && info.image_shape === null) {
    refuse('augment', `rotate, shift, scale, flip and crop apply to images; ${config.dataset} is a table, so only noise applies`);
  }
  if (config.overfit_batch !== undefined && config.overfit_batch > sizes.train) {
    refuse('overfit_batch', `${config.overfit_batch} is larger than the training set (${sizes.train} samples)`);
  }
  const plan = planOn(config, info);
  if (config.from_run === undefined) must('freeze', frozenWeightLayers(must('freeze', parseFreeze(config.freeze)), plan));
  return plan;
}

/** A run ready to start: its final configuration and what the worker needs besides it. */
export interface RunPlan {
  /** The configuration to log and train; when fine-tuning, the layers are the parent's. */
  config: TrainConfig;
  kind: RunKind;
  parentRunId: number | null;
  frozenLayers: number[];
  initialWeights: { manifest: string; replaceOutput: boolean } | null;
  /** Fine-tuning on the parent's dataset reuses the parent's split (see TrainJob.splitSeed). */
  splitSeed: number | null;
  /** The model: every layer with its output shape and parameter count. */
  model: ModelPlan;
  /** The named model it is (`cnn`...), also for a fine-tuned run whose parent was one; null for a layer list or an MLP. */
  modelName: string | null;
}

/**
 * Checks a configuration completely (see `checkTrainable`) and, for fine-tuning and transfer (`from_run`), checks
 * the parent: it exists, it kept its weights, its input shape is the dataset's. The parent's layers are reused; its
 * output layer is replaced when the dataset's classes differ (in number or in name).
 * @throws AppError naming the field, before anything is written.
 */
export async function planRun(config: TrainConfig, datasets: DatasetCatalogue, store: RunStore): Promise<RunPlan> {
  const own = checkTrainable(config, datasets);
  const kind: RunKind = config.overfit_batch !== undefined ? 'sanity' : 'train';
  const freeze = must('freeze', parseFreeze(config.freeze));
  if (config.from_run === undefined) {
    const modelName = config.layers === undefined && config.model !== undefined && config.model !== 'mlp' ? config.model : null;
    return { config, kind, parentRunId: null, frozenLayers: must('freeze', frozenWeightLayers(freeze, own)), initialWeights: null, splitSeed: null, model: own, modelName };
  }
  const parent = await store.getRun(config.from_run);
  if (!parent) refuse('from_run', `run ${config.from_run} does not exist`, 'NOT_FOUND');
  if (parent.kind === 'external') {
    refuse('from_run', `run ${parent.run_id} was not trained by Runboard (a script logged it, or it was imported): it has no weights to start from`);
  }
  const manifestFile = checkpointFiles(checkpointDirectory(store.filesDir, parent.run_id), 'final').manifest;
  if (!parent.outcome?.checkpoint.final || !existsSync(manifestFile)) {
    const state = TERMINAL_STATUSES.includes(parent.status) ? `it ended ${parent.status}` : `it is ${parent.status} and has not finished`;
    refuse('from_run', `run ${parent.run_id} has no saved weights (only runs that finished keep them; ${state})`);
  }
  const manifest = readManifest(manifestFile);
  const info = datasets.info(config.dataset);
  const input = inputOf(info);
  if (!sameInputShape(manifest.input_shape, input)) {
    refuse('from_run', `run ${parent.run_id} takes inputs of ${describeShape(manifest.input_shape)} but ${info.name} has ${describeShape(input)}: the input shapes differ`);
  }
  const replaceOutput = manifest.classes.length !== info.classes.length || manifest.classes.some((name, i) => name !== info.classes[i]);
  // An MLP made from --hidden is rebuilt with the new run's own dropout; any other model is reused as it is.
  const inherited: TrainConfig = manifest.mlp
    ? { ...config, hidden: manifest.mlp.hidden, activation: manifest.mlp.activation, layers: undefined, model: undefined }
    : { ...config, layers: manifest.layers, model: undefined };
  const plan = planOn(inherited, info);
  const frozen = must('freeze', frozenWeightLayers(freeze, plan));
  const output = plan.layers.filter((p) => p.weightIndex !== null).length - 1;
  if (replaceOutput && frozen.includes(output)) {
    refuse('freeze', `the output layer is replaced (run ${parent.run_id} has classes ${manifest.classes.join(', ')}; ${info.name} has ${info.classes.join(', ')}), so it cannot be frozen`);
  }
  return {
    config: inherited,
    kind,
    parentRunId: parent.run_id,
    frozenLayers: frozen,
    initialWeights: { manifest: manifestFile, replaceOutput },
    splitSeed: parent.params.dataset === config.dataset && parent.seed !== null ? parent.seed : null,
    model: plan,
    // The parent's named model is the child's too: Compare then lines up a fine-tuned cnn with a cnn from scratch.
    modelName: typeof parent.params.model === 'string' ? parent.params.model : null,
  };
}
