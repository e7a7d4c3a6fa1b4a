import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../src-shared/api/errors';
import type { Activation } from '../../src-shared/entities/train-config';
import { formatLayers, mlpLayers } from '../../src-shared/model/layers';
import type { SampleShape } from '../../src-shared/model/shapes';

export interface TensorEntry {
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

/**
 * A run's saved weights (`checkpoints/<run id>/final|best.{json,bin}`): what the files are and what the manifest says.
 * The host reads manifests (to check a fine-tuning target); the worker writes and loads the weights
 * (`worker/checkpoint-weights.ts`).
 */

/** What a checkpoint holds besides the numbers: enough to rebuild the network and check a fine-tuning target. */
export interface CheckpointManifest {
  format: 'runboard-weights-2';
  /** The layer list as the run recorded it (its `layers` param; the output layer not included). */
  layers: string;
  /**
   * When the model was the MLP shorthand (`--hidden`), its hidden sizes and activation: fine-tuning rebuilds it with the
   * new run's own dropout, as it always has. Null for a layer list or a preset, which is reused as it is.
   */
  mlp: { hidden: number[]; activation: Activation } | null;
  /** One sample's shape: what a fine-tuning target's data must have. */
  input_shape: SampleShape;
  classes: string[];
  feature_names: string[];
  /** Epoch the weights come from. */
  epoch: number;
  /**
   * Per layer with weights (input side first, the output layer last): where each of its weights sits in the .bin file
   * (float32, little-endian), in the layer's own order (kernel and bias; a batch normalisation's gamma, beta, running
   * mean and running variance).
   */
  weights: { layer: number; tensors: TensorEntry[] }[];
}

/** Runboard 0.1's manifest: a multilayer perceptron's dense layers only. Still read, so old runs can be fine-tuned. */
interface ManifestV1 {
  format: 'runboard-weights-1';
  input_size: number;
  hidden: number[];
  activation: Activation;
  classes: string[];
  feature_names: string[];
  epoch: number;
  layers: { layer: number; kernel: TensorEntry; bias: TensorEntry }[];
}

export type CheckpointName = 'final' | 'best';

export function checkpointFiles(directory: string, name: CheckpointName): { manifest: string; weights: string } {
  return { manifest: join(directory, `${name}.json`), weights: join(directory, `${name}.bin`) };
}

/** Reads a manifest, turning a Runboard 0.1 (MLP) manifest into the current form. */
export function readManifest(file: string): CheckpointManifest {
  let manifest: CheckpointManifest | ManifestV1;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as CheckpointManifest | ManifestV1;
  } catch (error) {
    throw new AppError('NOT_FOUND', `Cannot read the checkpoint ${file}: ${(error as Error).message}`);
  }
  if (manifest.format === 'runboard-weights-2') return manifest;
  if (manifest.format !== 'runboard-weights-1') throw new AppError('BAD_INPUT', `${file} is not a Runboard checkpoint.`);
  return {
    format: 'runboard-weights-2',
    layers: formatLayers(mlpLayers(manifest.hidden, manifest.activation, [])),
    mlp: { hidden: manifest.hidden, activation: manifest.activation },
    input_shape: { kind: 'flat', size: manifest.input_size },
    classes: manifest.classes,
    feature_names: manifest.feature_names,
    epoch: manifest.epoch,
    weights: manifest.layers.map((l) => ({ layer: l.layer, tensors: [l.kernel, l.bias] })),
  };
}
