/**
 * A model as a list of layers, written the way PyTorch names them, so a student can type what the course shows:
 * `conv2d(32,3),relu,maxpool2d(2),conv2d(64,3,padding=same),batchnorm,relu,flatten,linear(128),relu,dropout(0.5)`.
 * One parser serves the CLI (`--layers`), the New run form and the worker; a mistake is reported with its column.
 * The output layer (`linear` to the number of classes) is not written: it is added for the user (see shapes.ts).
 */
import type { Parsed } from '../entities/specs';

/** Activations a layer list may name (PyTorch's `nn.ReLU`, `nn.GELU`, `nn.LeakyReLU`...). */
export const LAYER_ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'gelu', 'leaky_relu'] as const;
export type LayerActivation = (typeof LAYER_ACTIVATIONS)[number];

export type Padding = 'valid' | 'same';

export type LayerSpec =
  /** `conv2d(OUT,K[,stride=S][,padding=valid|same])`: OUT filters of K x K, stride S (1), no padding unless `same`. */
  | { kind: 'conv2d'; filters: number; kernel: number; stride: number; padding: Padding }
  /** `maxpool2d(K[,S])` and `avgpool2d(K[,S])`: windows of K x K, stride S (default K, as in PyTorch), no padding. */
  | { kind: 'maxpool2d' | 'avgpool2d'; kernel: number; stride: number }
  /** The mean of each channel over the image (PyTorch's `AdaptiveAvgPool2d(1)` followed by `flatten`). */
  | { kind: 'global_avg_pool' }
  /** Batch normalisation over the channels of an image, or the features of a flat input. */
  | { kind: 'batchnorm' }
  | { kind: 'flatten' }
  | { kind: 'linear'; units: number }
  | { kind: 'dropout'; rate: number }
  /** `leaky_relu` takes a negative slope, default 0.01 as in PyTorch: `leaky_relu(0.2)`. */
  | { kind: 'activation'; name: LayerActivation; alpha?: number };

export type LayerKind = LayerSpec['kind'];

/** Largest values accepted, to refuse typos (an extra zero) before they allocate gigabytes. */
export const LAYER_LIMITS = { layers: 64, filters: 4096, kernel: 32, stride: 16, units: 16_384 } as const;

/** A layer of a parsed list, with where it was written (1-based column of its first character). */
export interface ParsedLayer {
  layer: LayerSpec;
  column: number;
  text: string;
}

/** Layers with weights: the ones `--freeze` and `--init` concern. */
export function hasWeights(layer: LayerSpec): boolean {
  return layer.kind === 'conv2d' || layer.kind === 'linear' || layer.kind === 'batchnorm';
}

const ALIASES: Record<string, string> = {
  conv2d: 'conv2d',
  maxpool2d: 'maxpool2d',
  maxpool: 'maxpool2d',
  avgpool2d: 'avgpool2d',
  avgpool: 'avgpool2d',
  global_avg_pool: 'global_avg_pool',
  globalavgpool: 'global_avg_pool',
  global_avg_pool2d: 'global_avg_pool',
  batchnorm: 'batchnorm',
  batchnorm1d: 'batchnorm',
  batchnorm2d: 'batchnorm',
  flatten: 'flatten',
  linear: 'linear',
  dense: 'linear',
  dropout: 'dropout',
  relu: 'relu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  elu: 'elu',
  selu: 'selu',
  gelu: 'gelu',
  leaky_relu: 'leaky_relu',
  leakyrelu: 'leaky_relu',
};

const KNOWN = 'conv2d, maxpool2d, avgpool2d, global_avg_pool, batchnorm, flatten, linear, dropout, relu, tanh, sigmoid, elu, selu, gelu, leaky_relu';

interface RawArg {
  key: string | null;
  value: string;
  column: number;
}

interface RawLayer {
  name: string;
  args: RawArg[] | null;
  column: number;
  text: string;
}

class LayerSyntaxError extends Error {
  constructor(
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

/** Splits the text into names with optional argument lists, tracking columns; throws LayerSyntaxError. */
function tokenize(text: string): RawLayer[] {
  const layers: RawLayer[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const word = (): string => {
    const start = i;
    while (i < text.length && /[A-Za-z0-9_.+-]/.test(text[i] as string)) i++;
    return text.slice(start, i);
  };
  for (;;) {
    skipSpace();
    const start = i;
    if (i >= text.length) throw new LayerSyntaxError(i + 1, layers.length === 0 ? 'the layer list is empty' : 'a layer is missing after the last ","');
    const name = word();
    if (name === '') throw new LayerSyntaxError(i + 1, `expected a layer name, found "${text[i]}"`);
    skipSpace();
    let args: RawArg[] | null = null;
    if (text[i] === '(') {
      const open = i;
      i++;
      args = [];
      skipSpace();
      if (text[i] === ')') i++;
      else {
        for (;;) {
          skipSpace();
          const argColumn = i + 1;
          const first = word();
          if (first === '') throw new LayerSyntaxError(i + 1, i >= text.length ? `"(" at column ${open + 1} is not closed` : `expected a value, found "${text[i]}"`);
          skipSpace();
          let key: string | null = null;
          let value = first;
          if (text[i] === '=') {
            i++;
            skipSpace();
            key = first;
            value = word();
            if (value === '') throw new LayerSyntaxError(i + 1, `${key}= needs a value`);
            skipSpace();
          }
          args.push({ key, value, column: argColumn });
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === ')') {
            i++;
            break;
          }
          throw new LayerSyntaxError(i + 1, i >= text.length ? `"(" at column ${open + 1} is not closed` : `expected "," or ")", found "${text[i]}"`);
        }
      }
      skipSpace();
    }
    layers.push({ name, args, column: start + 1, text: text.slice(start, i).trim() });
    if (i >= text.length) return layers;
    if (text[i] !== ',') throw new LayerSyntaxError(i + 1, `expected "," between layers, found "${text[i]}"`);
    i++;
  }
}

/** Reads one layer's arguments: positional ones in order, then `key=value` ones. */
function readLayer(raw: RawLayer): LayerSpec {
  const lower = raw.name.toLowerCase();
  // Own keys only: `constructor` and `__proto__` are not layers, whatever a plain object inherits.
  const canonical = Object.hasOwn(ALIASES, lower) ? ALIASES[lower] : undefined;
  if (!canonical) throw new LayerSyntaxError(raw.column, `unknown layer "${raw.name}"; one of ${KNOWN}`);
  const args = raw.args ?? [];
  const positional = args.filter((a) => a.key === null);
  const named = new Map<string, RawArg>();
  for (const arg of args) {
    if (arg.key === null) continue;
    if (positional.length > 0 && args.indexOf(arg) < args.indexOf(positional[positional.length - 1] as RawArg)) {
      throw new LayerSyntaxError(arg.column, `${canonical}: positional values come before key=value ones`);
    }
    const key = arg.key.toLowerCase();
    if (named.has(key)) throw new LayerSyntaxError(arg.column, `${canonical}: ${key} is given twice`);
    named.set(key, arg);
  }
  const usage: Record<string, string> = {
    conv2d: 'conv2d(OUT,K[,stride=S][,padding=valid|same])',
    maxpool2d: 'maxpool2d(K[,S])',
    avgpool2d: 'avgpool2d(K[,S])',
    linear: 'linear(N)',
    dropout: 'dropout(P)',
    leaky_relu: 'leaky_relu or leaky_relu(SLOPE)',
  };
  const refuse = (column: number, message: string): never => {
    throw new LayerSyntaxError(column, `${canonical}: ${message}${usage[canonical] ? ` (write ${usage[canonical]})` : ''}`);
  };
  const allowOnly = (positionalCount: [number, number], keys: readonly string[]) => {
    if (positional.length < positionalCount[0]) refuse(raw.column, positional.length === 0 ? 'needs arguments' : `needs ${positionalCount[0]} values, got ${positional.length}`);
    if (positional.length > positionalCount[1]) refuse((positional[positionalCount[1]] as RawArg).column, positionalCount[1] === 0 ? 'takes no arguments' : `takes at most ${positionalCount[1]} values`);
    for (const [key, arg] of named) if (!keys.includes(key)) refuse(arg.column, keys.length === 0 ? `unknown option "${arg.key}"` : `unknown option "${arg.key}"; one of ${keys.join(', ')}`);
  };
  const integer = (arg: RawArg, what: string, max: number): number => {
    const value = Number(arg.value);
    if (!Number.isInteger(value) || value < 1 || value > max) refuse(arg.column, `${what} must be a whole number from 1 to ${max}, not "${arg.value}"`);
    return value;
  };
  const number = (arg: RawArg, what: string): number => {
    const value = Number(arg.value);
    if (!Number.isFinite(value)) refuse(arg.column, `${what} must be a number, not "${arg.value}"`);
    return value;
  };
  switch (canonical) {
    case 'conv2d': {
      allowOnly([2, 2], ['stride', 'padding']);
      const filters = integer(positional[0] as RawArg, 'the number of filters', LAYER_LIMITS.filters);
      const kernel = integer(positional[1] as RawArg, 'the kernel size', LAYER_LIMITS.kernel);
      const strideArg = named.get('stride');
      const stride = strideArg ? integer(strideArg, 'stride', LAYER_LIMITS.stride) : 1;
      const paddingArg = named.get('padding');
      const padding = paddingArg ? paddingArg.value.toLowerCase() : 'valid';
      if (padding !== 'valid' && padding !== 'same') refuse((paddingArg as RawArg).column, `padding must be valid or same, not "${paddingArg?.value}"`);
      return { kind: 'conv2d', filters, kernel, stride, padding: padding as Padding };
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      allowOnly([1, 2], ['stride']);
      const kernel = integer(positional[0] as RawArg, 'the window size', LAYER_LIMITS.kernel);
      const strideArg = positional[1] ?? named.get('stride');
      if (positional[1] && named.has('stride')) refuse((named.get('stride') as RawArg).column, 'stride is given twice');
      const stride = strideArg ? integer(strideArg, 'stride', LAYER_LIMITS.stride) : kernel;
      return { kind: canonical, kernel, stride };
    }
    case 'linear': {
      allowOnly([1, 1], []);
      return { kind: 'linear', units: integer(positional[0] as RawArg, 'the number of units', LAYER_LIMITS.units) };
    }
    case 'dropout': {
      allowOnly([1, 1], []);
      const arg = positional[0] as RawArg;
      const rate = number(arg, 'the rate');
      if (rate < 0 || rate >= 1) refuse(arg.column, `the rate must be in [0, 1), not ${arg.value}`);
      return { kind: 'dropout', rate };
    }
    case 'leaky_relu': {
      allowOnly([0, 1], []);
      const arg = positional[0];
      if (!arg) return { kind: 'activation', name: 'leaky_relu' };
      const alpha = number(arg, 'the negative slope');
      if (alpha < 0 || alpha >= 1) refuse(arg.column, `the negative slope must be in [0, 1), not ${arg.value}`);
      return { kind: 'activation', name: 'leaky_relu', alpha };
    }
    case 'global_avg_pool':
    case 'batchnorm':
    case 'flatten':
      allowOnly([0, 0], []);
      return { kind: canonical };
    default:
      allowOnly([0, 0], []);
      return { kind: 'activation', name: canonical as LayerActivation };
  }
}

/**
 * Parses a layer list. Names are case-insensitive and PyTorch's spellings are accepted (`Conv2d`, `BatchNorm2d`,
 * `MaxPool2d`, `LeakyReLU`); the list is written back canonically by `formatLayers`.
 * Errors name the column (1-based) and what was expected.
 */
export function parseLayers(text: string): Parsed<ParsedLayer[]> {
  try {
    const raw = tokenize(text);
    if (raw.length > LAYER_LIMITS.layers) return { ok: false, message: `at most ${LAYER_LIMITS.layers} layers, not ${raw.length}` };
    return { ok: true, value: raw.map((r) => ({ layer: readLayer(r), column: r.column, text: r.text })) };
  } catch (error) {
    if (error instanceof LayerSyntaxError) return { ok: false, message: `column ${error.column}: ${error.message}` };
    throw error;
  }
}

/** One layer as it is written canonically: `conv2d(32,3,padding=same)`, `maxpool2d(2)`, `leaky_relu(0.2)`. */
export function formatLayer(layer: LayerSpec): string {
  switch (layer.kind) {
    case 'conv2d':
      return `conv2d(${layer.filters},${layer.kernel}${layer.stride !== 1 ? `,stride=${layer.stride}` : ''}${layer.padding === 'same' ? ',padding=same' : ''})`;
    case 'maxpool2d':
    case 'avgpool2d':
      return `${layer.kind}(${layer.kernel}${layer.stride !== layer.kernel ? `,${layer.stride}` : ''})`;
    case 'linear':
      return `linear(${layer.units})`;
    case 'dropout':
      return `dropout(${layer.rate})`;
    case 'activation':
      return layer.name === 'leaky_relu' && layer.alpha !== undefined && layer.alpha !== 0.01 ? `leaky_relu(${layer.alpha})` : layer.name;
    default:
      return layer.kind;
  }
}

/** The canonical text of a list: what a run records as its `layers` param. */
export function formatLayers(layers: readonly LayerSpec[]): string {
  return layers.map(formatLayer).join(',');
}

/** Named models for `--model`. `mlp` is built from `--hidden`, `--activation` and `--dropout` (see `mlpLayers`). */
export const MODEL_PRESETS = {
  /**
   * A small CNN, fast on a CPU (about 120,000 weights for 28 x 28 inputs): two convolution blocks and one hidden layer.
   * The first convolution keeps the image's size, so it also fits 8 x 8 digits.
   */
  cnn: 'conv2d(32,3,padding=same),relu,maxpool2d(2),conv2d(32,3),relu,maxpool2d(2),flatten,linear(128),relu,dropout(0.3)',
  /** LeCun et al. (1998) for 28 x 28 inputs (the first convolution pads to keep 28 x 28, as for 32 x 32 in the paper). */
  lenet5: 'conv2d(6,5,padding=same),tanh,avgpool2d(2),conv2d(16,5),tanh,avgpool2d(2),flatten,linear(120),tanh,linear(84),tanh',
} as const;

export const MODEL_NAMES = ['mlp', 'cnn', 'lenet5'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The layers of an MLP: `linear(units)`, the activation and, when the rate is above 0, dropout, per hidden layer. */
export function mlpLayers(hidden: readonly number[], activation: LayerActivation | 'linear', dropout: readonly number[]): LayerSpec[] {
  return hidden.flatMap((units, i) => {
    const rate = dropout[i] ?? 0;
    const layers: LayerSpec[] = [{ kind: 'linear', units }];
    if (activation !== 'linear') layers.push({ kind: 'activation', name: activation });
    if (rate > 0) layers.push({ kind: 'dropout', rate });
    return layers;
  });
}
