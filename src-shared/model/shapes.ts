/**
 * A layer list applied to a dataset's input shape: each layer's output shape and parameter count, the output layer
 * added, and every layer that cannot apply refused with the shape it met, before anything is written or trained.
 * The same plan drives the model summary on the run page and the model the worker builds.
 */
import type { Parsed } from '../entities/specs';
import { formatLayer, hasWeights, type LayerSpec, type ParsedLayer } from './layers';

/** A sample's shape: an image (channels x height x width, as PyTorch writes it) or a flat vector of features. */
export type SampleShape = { kind: 'image'; channels: number; height: number; width: number } | { kind: 'flat'; size: number };

/** Refuse models whose weights alone would take gigabytes (a typo such as linear(100000) after a large image). */
export const MAX_MODEL_PARAMS = 50_000_000;

export interface PlannedLayer {
  layer: LayerSpec;
  /** The canonical text, e.g. `conv2d(32,3,padding=same)`; `linear(10)` for the output layer. */
  text: string;
  input: SampleShape;
  output: SampleShape;
  /** Weights trained by gradient descent (a batchnorm's running mean and variance are not counted, as in PyTorch). */
  params: number;
  /** Index among the layers with weights (conv2d, linear, batchnorm), input side first: what `--freeze 0,1` names. */
  weightIndex: number | null;
  /** Added by Runboard: the output layer, or a `flatten` before a `linear` that met an image. */
  added: 'output' | 'flatten' | null;
}

export interface ModelPlan {
  layers: PlannedLayer[];
  params: number;
  /** The layers as written canonically, the added output layer left out: the run's `layers` param. */
  text: string;
}

export function describeShape(shape: SampleShape): string {
  return shape.kind === 'image' ? `${shape.channels}×${shape.height}×${shape.width}` : `${shape.size}`;
}

function describeInput(shape: SampleShape): string {
  return shape.kind === 'image' ? `an image of ${describeShape(shape)} (channels×height×width)` : `a flat input of ${shape.size} features`;
}

/** Output side of a window of `kernel` sliding by `stride` over `size` pixels, without padding or with `same`. */
function windows(size: number, kernel: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
}

/**
 * Applies `layers` to samples of shape `input` and adds the output layer (`linear(classes)`). A `linear` layer that
 * meets an image, or the output layer after an image, flattens it first (a `flatten` is added and shown).
 * Fails, naming the layer (its position and text) and the shape it met, when a layer cannot apply: a `conv2d` or
 * pooling on a flat input, a kernel or window larger than the image, `flatten` on what is already flat.
 */
export function planModel(layers: readonly (LayerSpec | ParsedLayer)[], input: SampleShape, classes: number): Parsed<ModelPlan> {
  const planned: PlannedLayer[] = [];
  let shape = input;
  let weightIndex = 0;
  let params = 0;
  const add = (layer: LayerSpec, output: SampleShape, count: number, added: PlannedLayer['added']) => {
    planned.push({ layer, text: formatLayer(layer), input: shape, output, params: count, weightIndex: hasWeights(layer) ? weightIndex++ : null, added });
    params += count;
    shape = output;
  };
  const flatten = (): SampleShape => (shape.kind === 'image' ? { kind: 'flat', size: shape.channels * shape.height * shape.width } : shape);
  for (const [position, entry] of layers.entries()) {
    const layer = 'layer' in entry ? entry.layer : entry;
    const where = `layer ${position + 1} (${formatLayer(layer)}${'column' in entry ? `, column ${entry.column}` : ''})`;
    const fail = (message: string): Parsed<ModelPlan> => ({ ok: false, message: `${where} ${message}` });
    switch (layer.kind) {
      case 'conv2d':
      case 'maxpool2d':
      case 'avgpool2d': {
        if (shape.kind !== 'image') return fail(`needs an image (channels×height×width) but meets ${describeInput(shape)}${position === 0 ? ': this dataset is a table, not images' : ''}`);
        const padding = layer.kind === 'conv2d' ? layer.padding : 'valid';
        if (padding === 'valid' && (layer.kernel > shape.height || layer.kernel > shape.width)) {
          const what = layer.kind === 'conv2d' ? 'kernel' : 'window';
          return fail(`has a ${layer.kernel}×${layer.kernel} ${what} but meets ${describeInput(shape)}: the ${what} is larger than the image`);
        }
        const height = windows(shape.height, layer.kernel, layer.stride, padding);
        const width = windows(shape.width, layer.kernel, layer.stride, padding);
        const channels = layer.kind === 'conv2d' ? layer.filters : shape.channels;
        const count = layer.kind === 'conv2d' ? layer.kernel * layer.kernel * shape.channels * layer.filters + layer.filters : 0;
        add(layer, { kind: 'image', channels, height, width }, count, null);
        break;
      }
      case 'global_avg_pool':
        if (shape.kind !== 'image') return fail(`needs an image (channels×height×width) but meets ${describeInput(shape)}`);
        add(layer, { kind: 'flat', size: shape.channels }, 0, null);
        break;
      case 'flatten':
        if (shape.kind !== 'image') return fail(`meets ${describeInput(shape)}, which is already flat${planned.some((p) => p.layer.kind === 'flatten') ? ' (flatten twice?)' : ''}`);
        add(layer, flatten(), 0, null);
        break;
      case 'batchnorm': {
        const channels = shape.kind === 'image' ? shape.channels : shape.size;
        add(layer, shape, 2 * channels, null);
        break;
      }
      case 'linear':
        if (shape.kind === 'image') add({ kind: 'flatten' }, flatten(), 0, 'flatten');
        add(layer, { kind: 'flat', size: layer.units }, (shape as { size: number }).size * layer.units + layer.units, null);
        break;
      case 'dropout':
      case 'activation':
        add(layer, shape, 0, null);
        break;
    }
    if (params > MAX_MODEL_PARAMS) return fail(`brings the model to ${params.toLocaleString('en-US')} weights, more than the ${MAX_MODEL_PARAMS.toLocaleString('en-US')} allowed`);
  }
  const text = planned.map((p) => p.text).join(',');
  if (shape.kind === 'image') add({ kind: 'flatten' }, flatten(), 0, 'flatten');
  add({ kind: 'linear', units: classes }, { kind: 'flat', size: classes }, (shape as { size: number }).size * classes + classes, 'output');
  if (params > MAX_MODEL_PARAMS) return { ok: false, message: `the output layer brings the model to ${params.toLocaleString('en-US')} weights, more than the ${MAX_MODEL_PARAMS.toLocaleString('en-US')} allowed` };
  return { ok: true, value: { layers: planned, params, text } };
}

/**
 * Whether a model trained on `a` takes samples of `b`: images must match in every dimension; a flat input (an MLP's)
 * only in size (digits was a table of 64 features in Runboard 0.1, and is a 1x8x8 image since).
 */
export function sameInputShape(a: SampleShape, b: SampleShape): boolean {
  const size = (s: SampleShape) => (s.kind === 'flat' ? s.size : s.channels * s.height * s.width);
  if (a.kind === 'image' && b.kind === 'image') return a.channels === b.channels && a.height === b.height && a.width === b.width;
  return size(a) === size(b);
}

/** The number of layers with weights, the output layer included: indices 0..n-1 for `--freeze`. */
export function weightLayerCount(plan: ModelPlan): number {
  return plan.layers.filter((p) => p.weightIndex !== null).length;
}
