/**
 * In this process on the wasm backend (the cpu backend's image transform, tfjs-backend-cpu 4.22, warps only the first
 * image of a batch): saved weights (`worker/checkpoint-weights.ts`, `checkpoint.ts`) come back
 * exactly, every layer kind included; a checkpoint that does not fit is refused, saying where; Runboard 0.1's
 * manifests are still read. The error analysis of a split (`worker/evaluate-split.ts`) and batch augmentation
 * (`worker/augment.ts`) are checked value by value.
 */
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkpointFiles, readManifest, type CheckpointManifest } from '../../src-main/training/checkpoint';
import { buildAugmenter } from '../../src-main/training/worker/augment';
import { loadBackend } from '../../src-main/training/worker/backends';
import { loadCheckpoint, saveCheckpoint } from '../../src-main/training/worker/checkpoint-weights';
import { evaluateSplit, kernelHistograms } from '../../src-main/training/worker/evaluate-split';
import { buildModel, weightLayers, type Tf } from '../../src-main/training/worker/model';
import { seedMathRandom } from '../../src-main/training/worker/run-training';
import { NO_AUGMENTATION, parseInit, type InitSpec } from '../../src-shared/entities/specs';
import { planFor } from '../../src-shared/model/resolve';
import type { SampleShape } from '../../src-shared/model/shapes';
import { Prng } from '../../src-shared/prng';
import { useTempDir } from '../helpers/temp';

let tf: Tf;
let baseline = 0;
const tempDir = useTempDir();

beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

beforeEach(() => {
  baseline = tf.memory().numTensors;
});

afterEach(() => {
  expect(tf.memory().numTensors).toBe(baseline);
});

function init(text: string): InitSpec {
  const parsed = parseInit(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

const IMAGE: SampleShape = { kind: 'image', channels: 1, height: 4, width: 4 };

function build(layers: string | undefined, input: SampleShape, classes: number, seed: number) {
  seedMathRandom(seed);
  const plan = planFor({ layers, hidden: [], activation: 'relu', dropout: [] }, input, classes);
  if (!plan.ok) throw new Error(plan.message);
  return buildModel(tf, { input, plan: plan.value, init: init('glorot-uniform'), biasInit: init('uniform:-1,1') });
}

/** Every weight of every weight layer, layer by layer (kernel, bias; a batchnorm's four). */
const values = (model: ReturnType<typeof build>) => weightLayers(model).map((layer) => layer.getWeights().map((w) => Array.from(w.dataSync())));

const META = { layers: 'conv2d(2,3),batchnorm,flatten,linear(3)', mlp: null, input_shape: IMAGE, classes: ['a', 'b'], feature_names: ['p0'], epoch: 4 } satisfies Omit<CheckpointManifest, 'format' | 'weights'>;

describe('saved weights', () => {
  it('come back exactly into a fresh model, convolution and batch normalisation (running statistics too) included', async () => {
    const dir = tempDir();
    const saved = build('conv2d(2,3), batchnorm, flatten, linear(3)', IMAGE, 2, 1);
    const fresh = build('conv2d(2,3), batchnorm, flatten, linear(3)', IMAGE, 2, 2);
    try {
      // Running statistics that are not the initial zeros and ones.
      const bn = weightLayers(saved)[1];
      const moved = (bn?.getWeights() ?? []).map((w, i) => tf.fill(w.shape, i + 0.5));
      bn?.setWeights(moved);
      tf.dispose(moved);
      await saveCheckpoint(dir, 'best', saved, META);
      expect(readdirSync(dir).sort()).toEqual(['best.bin', 'best.json']);
      expect(values(fresh)).not.toEqual(values(saved));
      const manifest = loadCheckpoint(tf, fresh, checkpointFiles(dir, 'best').manifest, false);
      expect(values(fresh)).toEqual(values(saved));
      expect(manifest).toMatchObject({ format: 'runboard-weights-2', ...META });
      expect(manifest.weights.map((w) => [w.layer, w.tensors.map((t) => t.shape)])).toEqual([
        [0, [[3, 3, 1, 2], [2]]],
        [1, [[2], [2], [2], [2]]],
        [2, [[8, 3], [3]]],
        [3, [[3, 2], [2]]],
      ]);
      // Offsets in float32 elements, one after the other; the file holds exactly those values.
      const offsets = manifest.weights.flatMap((w) => w.tensors.map((t) => t.offset));
      expect(offsets).toEqual([0, 18, 20, 22, 24, 26, 28, 52, 55, 61]);
      expect(readFileSync(join(dir, 'best.bin')).byteLength).toBe(63 * 4);
    } finally {
      saved.dispose();
      fresh.dispose();
    }
  });

  it('replace an earlier checkpoint of the same name whole, creating the folder', async () => {
    const dir = join(tempDir(), 'checkpoints', '7');
    const a = build('linear(4)', { kind: 'flat', size: 3 }, 2, 1);
    const b = build('linear(4)', { kind: 'flat', size: 3 }, 2, 2);
    try {
      await saveCheckpoint(dir, 'final', a, { ...META, epoch: 1 });
      await saveCheckpoint(dir, 'final', b, { ...META, epoch: 2 });
      expect(readdirSync(dir).sort()).toEqual(['final.bin', 'final.json']);
      expect(readManifest(join(dir, 'final.json')).epoch).toBe(2);
      loadCheckpoint(tf, a, join(dir, 'final.json'), false);
      expect(values(a)).toEqual(values(b));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('keep the fresh output layer when it is replaced (fine-tuning onto other classes), loading all the others', async () => {
    const dir = tempDir();
    const table: SampleShape = { kind: 'flat', size: 3 };
    const parent = build('linear(4)', table, 2, 1);
    const child = build('linear(4)', table, 2, 2);
    try {
      await saveCheckpoint(dir, 'final', parent, META);
      const before = values(child);
      loadCheckpoint(tf, child, join(dir, 'final.json'), true);
      expect(values(child)[0]).toEqual(values(parent)[0]);
      expect(values(child)[1]).toEqual(before[1]);
    } finally {
      parent.dispose();
      child.dispose();
    }
  });

  it('are refused when the model has another number of weight layers, or other shapes, saying which', async () => {
    const dir = tempDir();
    const table: SampleShape = { kind: 'flat', size: 3 };
    const saved = build('linear(4)', table, 2, 1);
    const deeper = build('linear(4), linear(4)', table, 2, 1);
    const wider = build('linear(5)', table, 2, 1);
    try {
      await saveCheckpoint(dir, 'final', saved, META);
      const file = join(dir, 'final.json');
      expect(() => loadCheckpoint(tf, deeper, file, false)).toThrow('The checkpoint has 2 layers with weights; the model has 3.');
      expect(() => loadCheckpoint(tf, wider, file, false)).toThrow("Layer 0 of the checkpoint has weights of shape 3x4, 4; the model's are 3x5, 5.");
      try {
        loadCheckpoint(tf, wider, file, false);
      } catch (error) {
        expect((error as { code: string }).code).toBe('BAD_INPUT');
      }
    } finally {
      saved.dispose();
      deeper.dispose();
      wider.dispose();
    }
  });

  it('of Runboard 0.1 (an MLP’s dense layers) are read as the current manifest', () => {
    const file = join(tempDir(), 'final.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'runboard-weights-1',
        input_size: 4,
        hidden: [5],
        activation: 'tanh',
        classes: ['x', 'y', 'z'],
        feature_names: ['a', 'b', 'c', 'd'],
        epoch: 9,
        layers: [
          { layer: 0, kernel: { shape: [4, 5], offset: 0 }, bias: { shape: [5], offset: 20 } },
          { layer: 1, kernel: { shape: [5, 3], offset: 25 }, bias: { shape: [3], offset: 40 } },
        ],
      }),
    );
    writeFileSync(file.replace(/json$/, 'bin'), Buffer.alloc(43 * 4));
    expect(readManifest(file)).toEqual({
      format: 'runboard-weights-2',
      layers: 'linear(5),tanh',
      mlp: { hidden: [5], activation: 'tanh' },
      input_shape: { kind: 'flat', size: 4 },
      classes: ['x', 'y', 'z'],
      feature_names: ['a', 'b', 'c', 'd'],
      epoch: 9,
      weights: [
        { layer: 0, tensors: [{ shape: [4, 5], offset: 0 }, { shape: [5], offset: 20 }] },
        { layer: 1, tensors: [{ shape: [5, 3], offset: 25 }, { shape: [3], offset: 40 }] },
      ],
    });
  });

  it('refuses a file that is not a Runboard checkpoint, and says when it cannot be read', () => {
    const dir = tempDir();
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ format: 'keras' }));
    expect(() => readManifest(other)).toThrow(`${other} is not a Runboard checkpoint.`);
    const missing = join(dir, 'missing.json');
    expect(() => readManifest(missing)).toThrow(new RegExp(`^Cannot read the checkpoint ${missing.replace(/[.]/g, '\\.')}: ENOENT`));
    try {
      readManifest(missing);
    } catch (error) {
      expect((error as { code: string }).code).toBe('NOT_FOUND');
    }
    expect(checkpointFiles('/runs/3', 'best')).toEqual({ manifest: '/runs/3/best.json', weights: '/runs/3/best.bin' });
  });

  it('that do not fit on the disk (ENOSPC) fail saying the disk is full, naming the folder, and leave no half-written file', async () => {
    const dir = tempDir();
    const model = build('linear(4)', { kind: 'flat', size: 3 }, 2, 1);
    // Writing to /dev/full fails with ENOSPC, as a write to a full disk does: the temporary weights file points there.
    symlinkSync('/dev/full', join(dir, 'final.bin.tmp'));
    try {
      await expect(saveCheckpoint(dir, 'final', model, META)).rejects.toThrow(
        `The disk is full: the saved weights of this run (its final checkpoint) could not be written to ${dir} (ENOSPC). The epochs logged before are kept; an earlier checkpoint of the same name, if any, is unchanged. Free some space there and try again.`,
      );
    } finally {
      model.dispose();
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('are refused, naming the file, when the weights file was cut short or the manifest is garbled (not as a tensor of the wrong size later)', async () => {
    const dir = tempDir();
    const model = build('linear(4)', { kind: 'flat', size: 3 }, 2, 1);
    try {
      await saveCheckpoint(dir, 'final', model, META);
    } finally {
      model.dispose();
    }
    const { manifest, weights } = checkpointFiles(dir, 'final');
    const whole = readFileSync(weights);
    writeFileSync(weights, whole.subarray(0, 30));
    expect(() => readManifest(manifest)).toThrow(`The checkpoint ${weights} is damaged: it holds 30 bytes where its manifest ${manifest} places ${whole.length} (the file was cut short).`);
    writeFileSync(weights, whole);
    const text = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, text.slice(0, text.length / 2));
    expect(() => readManifest(manifest)).toThrow(new RegExp(`^The checkpoint ${manifest.replace(/[.]/g, '\\.')} is damaged: it is not valid JSON`));
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(text), weights: 'none' }));
    expect(() => readManifest(manifest)).toThrow(`The checkpoint ${manifest} is damaged: weights: `);
    try {
      readManifest(manifest);
    } catch (error) {
      expect((error as { code: string }).code).toBe('BAD_INPUT');
    }
  });
});

describe('the error analysis of a split', () => {
  /** Logits (x, −x) for a first feature x: class 0 for a positive x, with probability sigmoid(2x). */
  function signModel() {
    const model = build(undefined, { kind: 'flat', size: 2 }, 2, 1);
    const layer = weightLayers(model)[0];
    const weights = [tf.tensor2d([1, -1, 0, 0], [2, 2]), tf.zeros([2])];
    layer?.setWeights(weights);
    tf.dispose(weights);
    return model;
  }

  it('counts the confusion matrix, and lists the misclassified rows most confident first, with their features', async () => {
    const features = Float32Array.from([2, 0, -1, 1, 3, 2, -0.5, 3, 0.2, 4, -2, 5]);
    // Rows 0..5; the split is rows 5, 0, 3, 2, 1 with these true labels.
    const rows = Int32Array.from([5, 0, 3, 2, 1]);
    const labels = Int32Array.from([0, 0, 0, 1, 0]);
    const model = signModel();
    const data = { sampleSize: 2, inputs: (part: Int32Array) => tf.tensor2d(Float32Array.from(Array.from(part).flatMap((r) => [features[r * 2] as number, features[r * 2 + 1] as number])), [part.length, 2]) };
    try {
      const evaluation = await evaluateSplit(tf, model, data, { split: 'test', rows, labels }, { features, width: 2, featureNames: ['f', 'g'], classes: ['pos', 'neg'] }, null);
      // Predicted: row 5 (-2) neg, row 0 (2) pos, row 3 (-0.5) neg, row 2 (3) pos, row 1 (-1) neg.
      expect(evaluation.split).toBe('test');
      expect(evaluation.classes).toEqual(['pos', 'neg']);
      expect(evaluation.confusion).toEqual([
        [1, 3],
        [1, 0],
      ]);
      expect(evaluation.total_misclassified).toBe(4);
      expect(evaluation.misclassified.map((m) => [m.row, m.true_label, m.predicted_label, m.features])).toEqual([
        [2, 'neg', 'pos', [3, 2]],
        [5, 'pos', 'neg', [-2, 5]],
        [1, 'pos', 'neg', [-1, 1]],
        [3, 'pos', 'neg', [-0.5, 3]],
      ]);
      const confidences = evaluation.misclassified.map((m) => m.confidence);
      expect(confidences[0]).toBeCloseTo(1 / (1 + Math.exp(-6)), 5);
      expect(confidences[3]).toBeCloseTo(1 / (1 + Math.exp(-1)), 5);
      expect(evaluation.feature_names).toEqual(['f', 'g']);
      expect(evaluation.image_shape).toBeNull();
    } finally {
      model.dispose();
    }
  });

  it('predicts in chunks, and records an image dataset’s shape as channels, height, width', async () => {
    const count = 150;
    const features = Float32Array.from({ length: count * 2 }, (_, i) => (i % 2 === 0 ? ((i / 2) % 3) - 1 : 0));
    const rows = Int32Array.from({ length: count }, (_, i) => i);
    const labels = Int32Array.from({ length: count }, () => 0);
    const model = signModel();
    const seen: number[] = [];
    const data = {
      // 2^20 / 2^14 = 64 rows per chunk.
      sampleSize: 2 ** 14,
      inputs: (part: Int32Array) => {
        seen.push(part.length);
        return tf.tensor2d(Float32Array.from(Array.from(part).flatMap((r) => [features[r * 2] as number, 0])), [part.length, 2]);
      },
    };
    try {
      const evaluation = await evaluateSplit(tf, model, data, { split: 'val', rows, labels }, { features, width: 2, featureNames: [], classes: ['a', 'b'] }, { channels: 1, height: 1, width: 2 });
      expect(seen).toEqual([64, 64, 22]);
      // First features -1, 0, 1 in turn, all labelled a: -1 is predicted b; 0 (a tie) and 1 are predicted a.
      expect(evaluation.confusion[0]?.reduce((a, b) => a + b, 0)).toBe(150);
      expect(evaluation.confusion[0]?.[0]).toBe(100);
      expect(evaluation.image_shape).toEqual([1, 1, 2]);
      expect(evaluation.misclassified.length).toBeLessThanOrEqual(evaluation.total_misclassified);
      expect(evaluation.total_misclassified).toBe(50);
    } finally {
      model.dispose();
    }
  });

  it('histograms the first weight of each weight layer, input side first', async () => {
    const model = build('linear(3)', { kind: 'flat', size: 2 }, 2, 1);
    const layers = weightLayers(model);
    const set = [tf.fill([2, 3], 0.5), tf.zeros([3])];
    layers[0]?.setWeights(set);
    tf.dispose(set);
    try {
      const histograms = await kernelHistograms(model);
      expect(histograms).toHaveLength(2);
      expect(histograms[0]?.counts.reduce((a, b) => a + b, 0)).toBe(6);
      expect(histograms[1]?.counts.reduce((a, b) => a + b, 0)).toBe(6);
      expect(histograms[0]?.min).toBe(0.5);
      expect(histograms[0]?.max).toBe(0.5);
    } finally {
      model.dispose();
    }
  });
});

describe('augmenting a training batch', () => {
  const image = { channels: 1, height: 4, width: 4 };
  const batch = () => tf.tensor4d(Float32Array.from({ length: 2 * 16 }, (_, i) => i % 16), [2, 4, 4, 1]);

  it('is nothing at all without augmentation', () => {
    expect(buildAugmenter(tf, NO_AUGMENTATION, image, new Prng(1))).toBeNull();
  });

  it('mirrors an image left-right (h, each sample with probability 1/2)', () => {
    const augment = buildAugmenter(tf, { ...NO_AUGMENTATION, flip: 'h' }, image, new Prng(3));
    const x = batch();
    const out = tf.tidy(() => augment?.(x) as Tensor);
    const samples = (out.arraySync() as number[][][][]).map((sample) => sample.map((row) => row.map((pixel) => pixel[0])));
    const original = [0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((col) => y * 4 + col));
    const mirrored = original.map((row) => [...row].reverse());
    for (const sample of samples) expect([original, mirrored]).toContainEqual(sample);
    tf.dispose([x, out]);
  });

  it('adds Gaussian noise of the given standard deviation, to tables as well; geometric settings apply to images only', () => {
    const augment = buildAugmenter(tf, { ...NO_AUGMENTATION, noise: 0.5, rotate: 30 }, null, new Prng(2));
    const x = tf.zeros([400, 10]);
    const out = tf.tidy(() => augment?.(x) as Tensor);
    const values = Array.from(out.dataSync());
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(out.shape).toEqual([400, 10]);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(std).toBeCloseTo(0.5, 1);
    tf.dispose([x, out]);
  });

  it('draws fresh randomness every call, the same sequence for the same seed', () => {
    const draw = (seed: number) => {
      const augment = buildAugmenter(tf, { ...NO_AUGMENTATION, shift: 1, noise: 0.1 }, image, new Prng(seed));
      const x = batch();
      const first = tf.tidy(() => augment?.(x) as Tensor4D);
      const second = tf.tidy(() => augment?.(x) as Tensor4D);
      const result = [Array.from(first.dataSync()), Array.from(second.dataSync())];
      tf.dispose([x, first, second]);
      return result;
    };
    const [a1, a2] = draw(4);
    const [b1] = draw(4);
    expect(a1).toEqual(b1);
    expect(a2).not.toEqual(a1);
  });
});
