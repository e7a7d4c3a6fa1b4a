import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { AppError } from '../../src-shared/api/errors';
import type { Activation } from '../../src-shared/entities/train-config';
import { denseLayers } from './model';

/** What a checkpoint holds besides the numbers: enough to rebuild the network and check a fine-tuning target. */
export interface CheckpointManifest {
  format: 'runboard-weights-1';
  input_size: number;
  hidden: number[];
  activation: Activation;
  classes: string[];
  feature_names: string[];
  /** Epoch the weights come from. */
  epoch: number;
  /** Per dense layer (hidden 0..H-1, output H): where its kernel and bias sit in the .bin file (float32, little-endian). */
  layers: { layer: number; kernel: TensorEntry; bias: TensorEntry }[];
}

interface TensorEntry {
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

export type CheckpointName = 'final' | 'best';

export function checkpointFiles(directory: string, name: CheckpointName): { manifest: string; weights: string } {
  return { manifest: join(directory, `${name}.json`), weights: join(directory, `${name}.bin`) };
}

/** Writes the dense layers' weights (whole or not at all: temporary files, then renames). */
export function saveCheckpoint(
  directory: string,
  name: CheckpointName,
  model: tfType.Sequential,
  meta: Omit<CheckpointManifest, 'format' | 'layers'>,
): void {
  const layers = denseLayers(model);
  const arrays: Float32Array[] = [];
  let offset = 0;
  const entries = layers.map((layer, index) => {
    const [kernel, bias] = layer.getWeights() as [tfType.Tensor, tfType.Tensor];
    const entry = (t: tfType.Tensor): TensorEntry => {
      const data = t.dataSync() as Float32Array;
      arrays.push(data);
      const e = { shape: t.shape.slice(), offset };
      offset += data.length;
      return e;
    };
    return { layer: index, kernel: entry(kernel), bias: entry(bias) };
  });
  const buffer = new Float32Array(offset);
  let at = 0;
  for (const array of arrays) {
    buffer.set(array, at);
    at += array.length;
  }
  const manifest: CheckpointManifest = { format: 'runboard-weights-1', ...meta, layers: entries };
  const files = checkpointFiles(directory, name);
  mkdirSync(dirname(files.manifest), { recursive: true });
  writeFileSync(`${files.weights}.tmp`, Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength));
  writeFileSync(`${files.manifest}.tmp`, JSON.stringify(manifest));
  renameSync(`${files.weights}.tmp`, files.weights);
  renameSync(`${files.manifest}.tmp`, files.manifest);
}

export function readManifest(file: string): CheckpointManifest {
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as CheckpointManifest;
  } catch (error) {
    throw new AppError('NOT_FOUND', `Cannot read the checkpoint ${file}: ${(error as Error).message}`);
  }
  if (manifest.format !== 'runboard-weights-1') throw new AppError('BAD_INPUT', `${file} is not a Runboard checkpoint.`);
  return manifest;
}

/**
 * Loads a checkpoint's weights into `model` (built with the same hidden layers). With `skipOutput`, the output
 * layer keeps its fresh initialisation (fine-tuning onto another number of classes).
 */
export function loadCheckpoint(tf: typeof tfType, model: tfType.Sequential, manifestFile: string, skipOutput: boolean): CheckpointManifest {
  const manifest = readManifest(manifestFile);
  const weightsFile = manifestFile.replace(/\.json$/, '.bin');
  const bytes = readFileSync(weightsFile);
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
  const layers = denseLayers(model);
  if (layers.length !== manifest.layers.length) {
    throw new AppError('BAD_INPUT', `The checkpoint has ${manifest.layers.length} dense layers; the model has ${layers.length}.`);
  }
  const tensorOf = (entry: TensorEntry) => {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    return tf.tensor(all.slice(entry.offset, entry.offset + size), entry.shape);
  };
  layers.forEach((layer, index) => {
    if (skipOutput && index === layers.length - 1) return;
    const entry = manifest.layers[index];
    if (!entry) return;
    const values = [tensorOf(entry.kernel), tensorOf(entry.bias)];
    layer.setWeights(values);
    tf.dispose(values);
  });
  return manifest;
}
