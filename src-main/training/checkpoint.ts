import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
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

const tensorEntry = z.object({ shape: z.array(z.number().int().nonnegative()), offset: z.number().int().nonnegative() });
/** What a manifest must hold to be read at all: a file cut short or written by something else fails here, named. */
const manifestShape = z.discriminatedUnion('format', [
  z.looseObject({
    format: z.literal('runboard-weights-2'),
    layers: z.string(),
    mlp: z.object({ hidden: z.array(z.number().int().positive()), activation: z.string() }).nullable(),
    input_shape: z.looseObject({ kind: z.string() }),
    classes: z.array(z.string()),
    feature_names: z.array(z.string()),
    epoch: z.number().int(),
    weights: z.array(z.object({ layer: z.number().int(), tensors: z.array(tensorEntry) })),
  }),
  z.looseObject({
    format: z.literal('runboard-weights-1'),
    input_size: z.number().int().positive(),
    hidden: z.array(z.number().int().positive()),
    activation: z.string(),
    classes: z.array(z.string()),
    feature_names: z.array(z.string()),
    epoch: z.number().int(),
    layers: z.array(z.object({ layer: z.number().int(), kernel: tensorEntry, bias: tensorEntry })),
  }),
]);

/** What to do about a checkpoint that cannot be used: its run's weights are gone, the run's record is not. */
const DAMAGED_HINT = 'The run\'s results are kept; only its saved weights cannot be used. Fine-tune from another run, or train this one again.';

/**
 * Reads a manifest, turning a Runboard 0.1 (MLP) manifest into the current form, and checks that the weights file
 * beside it (`.bin`) holds exactly the numbers the manifest places in it, so a file cut short is caught here, named,
 * and not as a tensor of the wrong size deep in training.
 * @throws AppError(NOT_FOUND) when the manifest cannot be read; AppError(BAD_INPUT) naming the file that is damaged.
 */
export function readManifest(file: string): CheckpointManifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AppError('NOT_FOUND', `Cannot read the checkpoint ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AppError('BAD_INPUT', `The checkpoint ${file} is damaged: it is not valid JSON (${(error as Error).message}). ${DAMAGED_HINT}`);
  }
  const format = (parsed as { format?: unknown } | null)?.format;
  if (format !== 'runboard-weights-1' && format !== 'runboard-weights-2') throw new AppError('BAD_INPUT', `${file} is not a Runboard checkpoint.`);
  const checked = manifestShape.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new AppError('BAD_INPUT', `The checkpoint ${file} is damaged: ${issue ? `${issue.path.join('.') || 'the manifest'}: ${issue.message}` : 'it does not hold a manifest'}. ${DAMAGED_HINT}`);
  }
  const manifest = checked.data as CheckpointManifest | ManifestV1;
  const current: CheckpointManifest =
    manifest.format === 'runboard-weights-2'
      ? manifest
      : {
          format: 'runboard-weights-2',
          layers: formatLayers(mlpLayers(manifest.hidden, manifest.activation, [])),
          mlp: { hidden: manifest.hidden, activation: manifest.activation },
          input_shape: { kind: 'flat', size: manifest.input_size },
          classes: manifest.classes,
          feature_names: manifest.feature_names,
          epoch: manifest.epoch,
          weights: manifest.layers.map((l) => ({ layer: l.layer, tensors: [l.kernel, l.bias] })),
        };
  checkWeightsFile(file, current);
  return current;
}

/** The weights file of a manifest: as many bytes as the manifest's tensors need (float32), no fewer and no more. */
function checkWeightsFile(manifestFile: string, manifest: CheckpointManifest): void {
  const weightsFile = manifestFile.replace(/\.json$/, '.bin');
  const needed = 4 * Math.max(0, ...manifest.weights.flatMap((l) => l.tensors.map((t) => t.offset + t.shape.reduce((a, b) => a * b, 1))));
  let size: number;
  try {
    size = statSync(weightsFile).size;
  } catch (error) {
    throw new AppError('BAD_INPUT', `The checkpoint ${weightsFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). ${DAMAGED_HINT}`);
  }
  if (size !== needed) {
    throw new AppError('BAD_INPUT', `The checkpoint ${weightsFile} is damaged: it holds ${size} bytes where its manifest ${manifestFile} places ${needed}${size < needed ? ' (the file was cut short)' : ''}. ${DAMAGED_HINT}`);
  }
}
