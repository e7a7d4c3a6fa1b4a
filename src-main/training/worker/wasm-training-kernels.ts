/**
 * Training kernels for TensorFlow.js's WebAssembly backend, built from kernels it has, so that CNNs train on every
 * machine at a useful speed (measured per batch of the `cnn` preset; the wasm backend is single-threaded in Node).
 *
 * The gradients of a 2-D convolution:
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` (tfjs issue #8474), so training any `conv2d` fails there, and
 * its `Conv2DBackpropInput` is a plain loop, about ten times slower than its forward convolution (XNNPACK). Both
 * gradients are convolutions themselves, so both are registered here as transposes, pads and one forward `Conv2D`:
 * - filter gradient: dW[kh,kw,ci,co] = sum over n,oh,ow of x[n, oh*s+kh-top, ow*s+kw-left, ci] * dy[n,oh,ow,co],
 *   a convolution of x (channels as the batch) with dy (batch as the input channels) dilated by the stride;
 * - input gradient: the full correlation of dy (zeros inserted between its rows and columns for a stride) with the
 *   filter turned by 180 degrees and its channels swapped.
 *
 * Max pooling's gradient: wasm's own `MaxPoolGrad` is several times slower than a direct loop over the windows in
 * JavaScript, which this is (wasm's `MaxPoolWithArgmax` cannot serve: it returns 0 for a window of negative values).
 *
 * Batch normalisation's gradient (every backend): TensorFlow.js's tiles the inverse standard deviation to the whole
 * activation before multiplying; broadcasting gives the same numbers without materialising it (the tile was the
 * costliest kernel of a training step with batch normalisation on wasm).
 *
 * Kernels work on the backend's own tensor records: every intermediate is released before returning, so training
 * leaks nothing (`tf.memory().numTensors` is unchanged; each is tested against the `cpu` backend).
 */
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from './model';

type TensorInfo = tfType.TensorInfo;
interface KernelBackend {
  disposeData(dataId: object): boolean;
}
type KernelArgs = { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Record<string, unknown> };

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tfType.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Runs backend kernels by name, keeping every result until `release`, except the one handed back. */
class KernelScope {
  private readonly temporaries: TensorInfo[] = [];

  constructor(
    private readonly tf: Tf,
    private readonly backend: KernelBackend,
  ) {}

  run(name: string, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>): TensorInfo {
    const kernel = this.tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`The wasm backend has no ${name} kernel.`);
    const output = kernel.kernelFunc({ inputs, backend: this.backend as never, attrs: attrs as never }) as TensorInfo;
    this.temporaries.push(output);
    return output;
  }

  /** Hands `result` to the caller and frees every other intermediate. */
  release(result: TensorInfo): TensorInfo {
    for (const info of this.temporaries) if (info !== result) this.backend.disposeData(info.dataId);
    this.temporaries.length = 0;
    return result;
  }

  /** Frees every intermediate (on an error). */
  dispose(): void {
    for (const info of this.temporaries) this.backend.disposeData(info.dataId);
    this.temporaries.length = 0;
  }
}

function withScope(tf: Tf, backend: KernelBackend, body: (scope: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(tf, backend);
  try {
    return scope.release(body(scope));
  } catch (error) {
    scope.dispose();
    throw error;
  }
}

const shape4 = (info: TensorInfo) => info.shape as [number, number, number, number];

/** [n, h, w, c] -> [n, (h-1)*sh+1, (w-1)*sw+1, c] with zeros between rows and between columns. */
function dilate(scope: KernelScope, t: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return t;
  const [n, h, w, c] = shape4(t);
  const spaced = scope.run('Reshape', { x: t }, { shape: [n, h, 1, w, 1, c] });
  const padded = scope.run('PadV2', { x: spaced }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  const flat = scope.run('Reshape', { x: padded }, { shape: [n, h * sh, w * sw, c] });
  return scope.run('Slice', { x: flat }, { begin: [0, 0, 0, 0], size: [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c] });
}

function convInfo(tf: Tf, inputShape: number[], filterShape: number[], attrs: ConvAttrs) {
  return tf.backend_util.computeConv2DInfo(inputShape as [number, number, number, number], filterShape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

function filterGradient(tf: Tf, { inputs, backend, attrs }: KernelArgs): TensorInfo {
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const info = convInfo(tf, x.shape, attrs.filterShape as number[], attrs as unknown as ConvAttrs);
  const { padInfo, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  return withScope(tf, backend, (scope) => {
    // x as [ci, h, w, n] (its channels become the batch), padded as the forward pass pads it.
    const xt = scope.run('Transpose', { x }, { perm: [3, 1, 2, 0] });
    const xp = scope.run('PadV2', { x: xt }, { paddings: [[0, 0], [padInfo.top, padInfo.bottom], [padInfo.left, padInfo.right], [0, 0]], constantValue: 0 });
    // dy as a filter [oh, ow, n, co], read every `stride` pixels of x.
    const dyt = scope.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    const product = scope.run('Conv2D', { x: xp, filter: dyt }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [strideHeight, strideWidth] });
    const kept = scope.run('Slice', { x: product }, { begin: [0, 0, 0, 0], size: [product.shape[0], filterHeight, filterWidth, product.shape[3]] });
    return scope.run('Transpose', { x: kept }, { perm: [1, 2, 0, 3] });
  });
}

function inputGradient(tf: Tf, { inputs, backend, attrs }: KernelArgs): TensorInfo {
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(tf, inputShape, filter.shape, attrs as unknown as ConvAttrs);
  const { padInfo, strideHeight, strideWidth, filterHeight, filterWidth, inHeight, inWidth } = info;
  return withScope(tf, backend, (scope) => {
    const spread = dilate(scope, dy, strideHeight, strideWidth);
    const top = filterHeight - 1 - padInfo.top;
    const left = filterWidth - 1 - padInfo.left;
    const bottom = inHeight + filterHeight - 1 - (spread.shape[1] as number) - top;
    const right = inWidth + filterWidth - 1 - (spread.shape[2] as number) - left;
    const padded = scope.run('PadV2', { x: spread }, { paddings: [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]], constantValue: 0 });
    const turned = scope.run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = scope.run('Transpose', { x: turned }, { perm: [0, 1, 3, 2] });
    const full = scope.run('Conv2D', { x: padded, filter: swapped }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] });
    const [n, height, width, channels] = shape4(full);
    if (height === inHeight && width === inWidth) return full;
    // A stride that skipped the last rows or columns of the input: they get no gradient (zeros).
    const cropped = scope.run('Slice', { x: full }, { begin: [0, 0, 0, 0], size: [n, Math.min(height, inHeight), Math.min(width, inWidth), channels] });
    return scope.run('PadV2', { x: cropped }, { paddings: [[0, 0], [0, inHeight - (cropped.shape[1] as number)], [0, inWidth - (cropped.shape[2] as number)], [0, 0]], constantValue: 0 });
  });
}

interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/**
 * Max pooling's gradient, in JavaScript over the backend's memory: each window's first maximum (row by row, as
 * TensorFlow picks it) receives the window's incoming gradient; overlapping windows add up. Padding never wins.
 */
function maxPoolGradient(tf: Tf, { inputs, backend, attrs }: KernelArgs): TensorInfo {
  const dy = inputs.dy as TensorInfo;
  const input = inputs.input as TensorInfo;
  const heap = backend as HeapBackend;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'valid' | 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  // The output first: allocating may grow the backend's memory, which would detach views taken before.
  const output = heap.makeOutput(input.shape, 'float32');
  const dx = heap.typedArrayFromHeap(output);
  const x = heap.typedArrayFromHeap(input);
  const gradient = heap.typedArrayFromHeap(dy);
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const top = oy * strideHeight - padInfo.top;
      for (let ox = 0; ox < outWidth; ox++) {
        const left = ox * strideWidth - padInfo.left;
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let at = -1;
          for (let fy = 0; fy < filterHeight; fy++) {
            const y = top + fy;
            if (y < 0 || y >= inHeight) continue;
            for (let fx = 0; fx < filterWidth; fx++) {
              const xx = left + fx;
              if (xx < 0 || xx >= inWidth) continue;
              const index = ((b * inHeight + y) * inWidth + xx) * channels + c;
              const value = x[index] as number;
              if (value > best || at < 0) {
                best = value;
                at = index;
              }
            }
          }
          if (at >= 0) dx[at] = (dx[at] as number) + (gradient[((b * outHeight + oy) * outWidth + ox) * channels + c] as number);
        }
      }
    }
  }
  return output;
}

/** FusedBatchNorm's gradient as TensorFlow.js defines it, with broadcasting instead of a tile (same numbers). */
function batchNormGradient(tf: Tf): tfType.GradConfig {
  return {
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved as [tfType.Tensor, tfType.Tensor, tfType.Tensor, tfType.Tensor | undefined];
      const epsilon = (attrs as { varianceEpsilon: number }).varianceEpsilon;
      const gradient = dy as tfType.Tensor;
      const scaleValue = scale ?? tf.scalar(1);
      const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
      const reduce = (t: tfType.Tensor) => tf.reshape(mean.rank === 1 ? tf.sum(t, axes) : t, mean.shape);
      const centred = tf.sub(x, mean);
      const scaled = tf.mul(gradient, scaleValue);
      const inverseStd = tf.rsqrt(tf.add(variance, tf.scalar(epsilon)));
      const minusHalfInverseCube = tf.mul(tf.mul(tf.mul(inverseStd, inverseStd), inverseStd), tf.scalar(-0.5));
      return {
        x: () => tf.reshape(tf.mul(scaled, inverseStd), x.shape),
        mean: () => reduce(tf.mul(tf.neg(inverseStd), scaled)),
        variance: () => reduce(tf.mul(tf.mul(minusHalfInverseCube, centred), scaled)),
        scale: () => reduce(tf.mul(gradient, tf.mul(centred, inverseStd))),
        offset: () => reduce(gradient),
      };
    },
  };
}

let registered = false;

/** Registers the kernels for the wasm backend and batch normalisation's gradient, once per process. */
export function registerWasmTrainingKernels(tf: Tf): void {
  if (registered) return;
  const replace = (kernelName: string, kernelFunc: (args: KernelArgs) => TensorInfo) => {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as never });
  };
  replace('Conv2DBackpropFilter', (args) => filterGradient(tf, args));
  replace('Conv2DBackpropInput', (args) => inputGradient(tf, args));
  replace('MaxPoolGrad', (args) => maxPoolGradient(tf, args));
  // Unregistered first: registering over an existing gradient prints a warning in every training process.
  (tf as unknown as { unregisterGradient(name: string): void }).unregisterGradient('FusedBatchNorm');
  tf.registerGradient(batchNormGradient(tf));
  registered = true;
}
