import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { AppError } from '../../src-shared/api/errors';
import type { Activation } from '../../src-shared/entities/train-config';
import { formatLayers, mlpLayers } from '../../src-shared/model/layers';
import type { SampleShape } from '../../src-shared/model/shapes';
import { weightLayers } from './model';

interface TensorEntry {
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

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

/** Writes every weight of the model's layers with weights (whole or not at all: temporary files, then renames). */
export function saveCheckpoint(directory: string, name: CheckpointName, model: tfType.Sequential, meta: Omit<CheckpointManifest, 'format' | 'weights'>): void {
  const arrays: Float32Array[] = [];
  let offset = 0;
  const weights = weightLayers(model).map((layer, index) => ({
    layer: index,
    tensors: layer.getWeights().map((t) => {
      const data = t.dataSync() as Float32Array;
      arrays.push(data);
      const entry = { shape: t.shape.slice(), offset };
      offset += data.length;
      return entry;
    }),
  }));
  const buffer = new Float32Array(offset);
  let at = 0;
  for (const array of arrays) {
    buffer.set(array, at);
    at += array.length;
  }
  const manifest: CheckpointManifest = { format: 'runboard-weights-2', ...meta, weights };
  const files = checkpointFiles(directory, name);
  mkdirSync(dirname(files.manifest), { recursive: true });
  writeFileSync(`${files.weights}.tmp`, Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength));
  writeFileSync(`${files.manifest}.tmp`, JSON.stringify(manifest));
  renameSync(`${files.weights}.tmp`, files.weights);
  renameSync(`${files.manifest}.tmp`, files.manifest);
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

/**
 * Loads a checkpoint's weights into `model` (built with the same layers). With `skipOutput`, the output layer keeps
 * its fresh initialisation (fine-tuning onto other classes).
 * @throws AppError(BAD_INPUT) when the checkpoint's layers do not fit the model's.
 */
export function loadCheckpoint(tf: typeof tfType, model: tfType.Sequential, manifestFile: string, skipOutput: boolean): CheckpointManifest {
  const manifest = readManifest(manifestFile);
  const bytes = readFileSync(manifestFile.replace(/\.json$/, '.bin'));
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
  const layers = weightLayers(model);
  if (layers.length !== manifest.weights.length) {
    throw new AppError('BAD_INPUT', `The checkpoint has ${manifest.weights.length} layers with weights; the model has ${layers.length}.`);
  }
  layers.forEach((layer, index) => {
    if (skipOutput && index === layers.length - 1) return;
    const entry = manifest.weights[index] as CheckpointManifest['weights'][number];
    const current = layer.getWeights();
    const mismatch = entry.tensors.length !== current.length || entry.tensors.some((t, i) => t.shape.join('x') !== (current[i] as tfType.Tensor).shape.join('x'));
    if (mismatch) {
      throw new AppError('BAD_INPUT', `Layer ${index} of the checkpoint has weights of shape ${entry.tensors.map((t) => t.shape.join('x')).join(', ')}; the model's are ${current.map((t) => t.shape.join('x')).join(', ')}.`);
    }
    const values = entry.tensors.map((t) => tf.tensor(all.slice(t.offset, t.offset + t.shape.reduce((a, b) => a * b, 1)), t.shape));
    layer.setWeights(values);
    tf.dispose(values);
  });
  return manifest;
}
