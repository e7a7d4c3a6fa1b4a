import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { AppError } from '../../../src-shared/api/errors';
import { diskFullCode, diskFullError } from '../../disk-full';
import { checkpointFiles, readManifest, type CheckpointManifest, type CheckpointName } from '../checkpoint';
import { weightLayers } from './model';

/**
 * Writes every weight of the model's layers with weights (whole or not at all: temporary files, then renames).
 * @throws AppError(DISK_FULL) naming the folder when the disk is full; no temporary file is left behind.
 */
export async function saveCheckpoint(directory: string, name: CheckpointName, model: tfType.Sequential, meta: Omit<CheckpointManifest, 'format' | 'weights'>): Promise<void> {
  const arrays: Float32Array[] = [];
  let offset = 0;
  const weights: CheckpointManifest['weights'] = [];
  // Read asynchronously: a GPU backend (WebGPU) in Node cannot read its memory synchronously.
  for (const [index, layer] of weightLayers(model).entries()) {
    const tensors: CheckpointManifest['weights'][number]['tensors'] = [];
    for (const t of layer.getWeights()) {
      const data = (await t.data()) as Float32Array;
      arrays.push(data);
      tensors.push({ shape: t.shape.slice(), offset });
      offset += data.length;
    }
    weights.push({ layer: index, tensors });
  }
  const buffer = new Float32Array(offset);
  let at = 0;
  for (const array of arrays) {
    buffer.set(array, at);
    at += array.length;
  }
  const manifest: CheckpointManifest = { format: 'runboard-weights-2', ...meta, weights };
  const files = checkpointFiles(directory, name);
  try {
    mkdirSync(dirname(files.manifest), { recursive: true });
    writeFileSync(`${files.weights}.tmp`, Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    writeFileSync(`${files.manifest}.tmp`, JSON.stringify(manifest));
  } catch (error) {
    // A half-written file takes the space the rest of the run (its end in the database) needs: it goes at once.
    for (const file of [`${files.weights}.tmp`, `${files.manifest}.tmp`]) rmSync(file, { force: true });
    const code = diskFullCode(error);
    if (code !== null) throw diskFullError(files.weights, `the saved weights of this run (its ${name} checkpoint)`, code, 'The epochs logged before are kept; an earlier checkpoint of the same name, if any, is unchanged.');
    throw error;
  }
  renameSync(`${files.weights}.tmp`, files.weights);
  renameSync(`${files.manifest}.tmp`, files.manifest);
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
