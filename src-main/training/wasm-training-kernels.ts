/**
 * The gradients of a 2-D convolution for TensorFlow.js's WebAssembly backend, built from kernels it has.
 *
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` (tfjs issue #8474), so training any `conv2d` fails there, and
 * its `Conv2DBackpropInput` is a plain loop, about ten times slower than its forward convolution (XNNPACK). Both
 * gradients are convolutions themselves, so both are registered here as transposes, pads and one forward `Conv2D`:
 * - filter gradient: dW[kh,kw,ci,co] = sum over n,oh,ow of x[n, oh*s+kh-top, ow*s+kw-left, ci] * dy[n,oh,ow,co],
 *   a convolution of x (channels as the batch) with dy (batch as the input channels) dilated by the stride;
 * - input gradient: the full correlation of dy (zeros inserted between its rows and columns for a stride) with the
 *   filter turned by 180 degrees and its channels swapped.
 * Kernels work on the backend's own tensor records: every intermediate is released before returning, so training
 * leaks nothing (`tf.memory().numTensors` is unchanged; tested against the `cpu` backend's gradients).
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

let registered = false;

/** Registers both gradients for the wasm backend, once per process (before or after the backend is set). */
export function registerWasmConvKernels(tf: Tf): void {
  if (registered) return;
  if (tf.getKernel('Conv2DBackpropInput', 'wasm')) tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: ((args: KernelArgs) => filterGradient(tf, args)) as never });
  tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: ((args: KernelArgs) => inputGradient(tf, args)) as never });
  registered = true;
}
