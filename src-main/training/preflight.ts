import { existsSync } from 'node:fs';
import { AppError } from '../../src-shared/api/errors';
import type { RunKind } from '../../src-shared/entities/run';
import { frozenLayers, parseAugment, parseFreeze, type Parsed } from '../../src-shared/entities/specs';
import type { TrainConfig } from '../../src-shared/entities/train-config';
import type { DatasetCatalogue } from '../datasets/catalogue';
import { checkpointDirectory } from '../paths';
import type { RunStore } from '../store/run-store';
import { NATIVE_PACKAGES, isPackageInstalled, notInstalledReason } from './backend-diagnosis';
import { checkpointFiles, readManifest } from './checkpoint';
import { checkSplit } from './data';

function refuse(field: string, message: string, code: 'BAD_INPUT' | 'BACKEND_UNAVAILABLE' | 'NOT_FOUND' = 'BAD_INPUT'): never {
  throw new AppError(code, `Invalid input: ${field}: ${message}.`, [{ field, message }]);
}

function must<T>(field: string, parsed: Parsed<T>): T {
  if (!parsed.ok) refuse(field, parsed.message);
  return parsed.value;
}

/**
 * Everything about a configuration that the schema alone cannot check and that needs no database: the dataset
 * exists, the split leaves data everywhere, a named native backend is installed, augmentation fits the data,
 * the overfit batch fits the training set, frozen layers exist. Runs before anything is opened or written.
 * @throws AppError(BAD_INPUT | BACKEND_UNAVAILABLE) with the field named.
 */
export function checkTrainable(config: TrainConfig, datasets: DatasetCatalogue): void {
  const info = datasets.info(config.dataset);
  const sizes = checkSplit(datasets.labels(config.dataset), info.classes.length, config.val_split, config.test_split);
  if (config.backend === 'tensorflow' || config.backend === 'tensorflow-cuda') {
    if (!isPackageInstalled(NATIVE_PACKAGES[config.backend])) {
      refuse('backend', `backend ${config.backend} is not available: ${notInstalledReason(config.backend)}`, 'BACKEND_UNAVAILABLE');
    }
  }
  const augment = must('augment', parseAugment(config.augment));
  if ((augment.shift > 0 || augment.rotate > 0) && info.image_shape === null) {
    refuse('augment', `shift and rotate apply to images; ${config.dataset} is tabular, so only noise applies`);
  }
  if (config.overfit_batch !== undefined && config.overfit_batch > sizes.train) {
    refuse('overfit_batch', `${config.overfit_batch} is larger than the training set (${sizes.train} samples)`);
  }
  if (config.from_run === undefined) must('freeze', frozenLayers(must('freeze', parseFreeze(config.freeze)), config.hidden.length));
}

/** A run ready to start: its final configuration and what the worker needs besides it. */
export interface RunPlan {
  /** The configuration to log and train; when fine-tuning, hidden layers and activation are the parent's. */
  config: TrainConfig;
  kind: RunKind;
  parentRunId: number | null;
  frozenLayers: number[];
  initialWeights: { manifest: string; replaceOutput: boolean } | null;
  /** Fine-tuning on the parent's dataset reuses the parent's split (see TrainJob.splitSeed). */
  splitSeed: number | null;
}

/**
 * Checks a configuration completely (see `checkTrainable`) and, for fine-tuning (`from_run`), checks the parent:
 * it exists, it kept its weights, its input size fits the dataset. The parent's network is reused (hidden layers
 * and activation); its output layer is replaced when the dataset has another number of classes.
 * @throws AppError naming the field, before anything is written.
 */
export async function planRun(config: TrainConfig, datasets: DatasetCatalogue, store: RunStore): Promise<RunPlan> {
  checkTrainable(config, datasets);
  const kind: RunKind = config.overfit_batch !== undefined ? 'sanity' : 'train';
  const freeze = must('freeze', parseFreeze(config.freeze));
  if (config.from_run === undefined) {
    return { config, kind, parentRunId: null, frozenLayers: must('freeze', frozenLayers(freeze, config.hidden.length)), initialWeights: null, splitSeed: null };
  }
  const parent = await store.getRun(config.from_run);
  if (!parent) refuse('from_run', `run ${config.from_run} does not exist`, 'NOT_FOUND');
  const manifestFile = checkpointFiles(checkpointDirectory(store.path, parent.run_id), 'final').manifest;
  if (!parent.outcome?.checkpoint.final || !existsSync(manifestFile)) {
    refuse('from_run', `run ${parent.run_id} has no saved weights (only runs that finished keep them; it ended ${parent.status})`);
  }
  const manifest = readManifest(manifestFile);
  const info = datasets.info(config.dataset);
  if (manifest.input_size !== info.features) {
    refuse('from_run', `run ${parent.run_id} takes ${manifest.input_size} input features, but ${config.dataset} has ${info.features}: the input sizes are incompatible`);
  }
  const replaceOutput = manifest.classes.length !== info.classes.length;
  const frozen = must('freeze', frozenLayers(freeze, manifest.hidden.length));
  if (replaceOutput && frozen.includes(manifest.hidden.length)) {
    refuse('freeze', `the output layer is replaced (${manifest.classes.length} classes in run ${parent.run_id}, ${info.classes.length} in ${config.dataset}), so it cannot be frozen`);
  }
  return {
    config: { ...config, hidden: manifest.hidden, activation: manifest.activation },
    kind,
    parentRunId: parent.run_id,
    frozenLayers: frozen,
    initialWeights: { manifest: manifestFile, replaceOutput },
    splitSeed: parent.params.dataset === config.dataset && parent.seed !== null ? parent.seed : null,
  };
}
