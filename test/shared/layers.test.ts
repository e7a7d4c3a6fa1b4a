import { describe, expect, it } from 'vitest';
import { MODEL_PRESETS, formatLayers, mlpLayers, parseLayers, type LayerSpec } from '../../src-shared/model/layers';
import { planModel, weightLayerCount, type SampleShape } from '../../src-shared/model/shapes';

const COURSE = 'conv2d(32,3),relu,maxpool2d(2),conv2d(64,3,padding=same),batchnorm,relu,maxpool2d(2),flatten,linear(128),relu,dropout(0.5)';

function layers(text: string): LayerSpec[] {
  const parsed = parseLayers(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value.map((p) => p.layer);
}

function parseError(text: string): string {
  const parsed = parseLayers(text);
  if (parsed.ok) throw new Error(`"${text}" parsed`);
  return parsed.message;
}

const image = (channels: number, height: number, width = height): SampleShape => ({ kind: 'image', channels, height, width });

describe('layer lists: parsing', () => {
  it('reads the course example layer by layer, with PyTorch defaults (stride 1, no padding, pooling stride = window)', () => {
    expect(layers(COURSE)).toEqual([
      { kind: 'conv2d', filters: 32, kernel: 3, stride: 1, padding: 'valid' },
      { kind: 'activation', name: 'relu' },
      { kind: 'maxpool2d', kernel: 2, stride: 2 },
      { kind: 'conv2d', filters: 64, kernel: 3, stride: 1, padding: 'same' },
      { kind: 'batchnorm' },
      { kind: 'activation', name: 'relu' },
      { kind: 'maxpool2d', kernel: 2, stride: 2 },
      { kind: 'flatten' },
      { kind: 'linear', units: 128 },
      { kind: 'activation', name: 'relu' },
      { kind: 'dropout', rate: 0.5 },
    ]);
  });

  it('accepts every documented layer and option, and writes the list back canonically', () => {
    const text = 'Conv2d(8, 5, stride=2, padding=same), BatchNorm2d, GELU, MaxPool2d(3,2), avgpool2d(2), global_avg_pool, linear(16), leaky_relu, LeakyReLU(0.2), elu, selu, tanh, sigmoid, dropout(0)';
    expect(formatLayers(layers(text))).toBe(
      'conv2d(8,5,stride=2,padding=same),batchnorm,gelu,maxpool2d(3,2),avgpool2d(2),global_avg_pool,linear(16),leaky_relu,leaky_relu(0.2),elu,selu,tanh,sigmoid,dropout(0)',
    );
    expect(layers('maxpool2d(2,stride=1)')).toEqual([{ kind: 'maxpool2d', kernel: 2, stride: 1 }]);
    expect(layers('leaky_relu')).toEqual([{ kind: 'activation', name: 'leaky_relu' }]);
  });

  it('round-trips: the canonical text parses to the same layers', () => {
    for (const text of [COURSE, MODEL_PRESETS.cnn, MODEL_PRESETS.lenet5]) expect(layers(formatLayers(layers(text)))).toEqual(layers(text));
  });

  it.each([
    ['', 'column 1: the layer list is empty'],
    ['relu,', 'column 6: a layer is missing after the last ","'],
    ['conv2d(32,3),rellu', 'column 14: unknown layer "rellu"'],
    ['conv2d(32)', 'column 1: conv2d: needs 2 values, got 1 (write conv2d(OUT,K[,stride=S][,padding=valid|same]))'],
    ['conv2d(32,3,padding=full)', 'column 13: conv2d: padding must be valid or same, not "full"'],
    ['conv2d(32,3,dilation=2)', 'column 13: conv2d: unknown option "dilation"; one of stride, padding'],
    ['conv2d(32,0)', 'column 11: conv2d: the kernel size must be a whole number from 1 to 32, not "0"'],
    ['conv2d(32.5,3)', 'column 8: conv2d: the number of filters must be a whole number'],
    ['linear(128', 'column 11: "(" at column 7 is not closed'],
    ['linear(128) relu', 'column 13: expected "," between layers, found "r"'],
    ['dropout(1.5)', 'column 9: dropout: the rate must be in [0, 1), not 1.5'],
    ['relu(2)', 'column 6: relu: takes no arguments'],
    ['flatten(1)', 'column 9: flatten: takes no arguments'],
    ['linear(stride=2,4)', 'column 8: linear: positional values come before key=value ones'],
    ['conv2d(8,3,stride=2,stride=1)', 'column 21: conv2d: stride is given twice'],
    ['maxpool2d(2,2,stride=1)', 'stride is given twice'],
    ['linear(100000)', 'the number of units must be a whole number from 1 to 16384'],
  ])('refuses %j with the column and the problem', (text, message) => {
    expect(parseError(text)).toContain(message);
  });

  it('refuses a list longer than 64 layers', () => {
    expect(parseError(Array(65).fill('relu').join(','))).toBe('at most 64 layers, not 65');
  });

  it('expands the MLP shorthand: linear, activation and dropout (when above 0) per hidden layer', () => {
    expect(formatLayers(mlpLayers([256, 128], 'relu', [0.2, 0]))).toBe('linear(256),relu,dropout(0.2),linear(128),relu');
    expect(formatLayers(mlpLayers([16], 'linear', [0]))).toBe('linear(16)');
    expect(mlpLayers([], 'relu', [])).toEqual([]);
  });
});

describe('layer lists: shapes and parameter counts', () => {
  it('gives each layer of the course example its output shape and parameter count on 1×28×28 images, output layer added', () => {
    const parsed = planModel(layers(COURSE), image(1, 28), 10);
    if (!parsed.ok) throw new Error(parsed.message);
    const plan = parsed.value;
    expect(plan.layers.map((p) => [p.text, p.output.kind === 'image' ? [p.output.channels, p.output.height, p.output.width] : p.output.size, p.params])).toEqual([
      ['conv2d(32,3)', [32, 26, 26], 3 * 3 * 1 * 32 + 32],
      ['relu', [32, 26, 26], 0],
      ['maxpool2d(2)', [32, 13, 13], 0],
      ['conv2d(64,3,padding=same)', [64, 13, 13], 3 * 3 * 32 * 64 + 64],
      ['batchnorm', [64, 13, 13], 128],
      ['relu', [64, 13, 13], 0],
      ['maxpool2d(2)', [64, 6, 6], 0],
      ['flatten', 2304, 0],
      ['linear(128)', 128, 2304 * 128 + 128],
      ['relu', 128, 0],
      ['dropout(0.5)', 128, 0],
      ['linear(10)', 10, 128 * 10 + 10],
    ]);
    expect(plan.params).toBe(320 + 18496 + 128 + 295040 + 1290);
    expect(plan.layers.at(-1)?.added).toBe('output');
    expect(plan.text).toBe(COURSE);
    // --freeze indices count the layers with weights: conv 0, conv 1, batchnorm 2, linear 3, output 4.
    expect(plan.layers.filter((p) => p.weightIndex !== null).map((p) => [p.weightIndex, p.text])).toEqual([
      [0, 'conv2d(32,3)'],
      [1, 'conv2d(64,3,padding=same)'],
      [2, 'batchnorm'],
      [3, 'linear(128)'],
      [4, 'linear(10)'],
    ]);
    expect(weightLayerCount(plan)).toBe(5);
  });

  it('strides and same padding follow TensorFlow: ceil(size / stride) with same, floor((size - k) / stride) + 1 without', () => {
    const plan = planModel(layers('conv2d(4,3,stride=2,padding=same),conv2d(4,3,stride=2),maxpool2d(3,2)'), image(3, 32), 2);
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.value.layers.slice(0, 3).map((p) => (p.output.kind === 'image' ? p.output.height : 0))).toEqual([16, 7, 3]);
  });

  it('flattens an image before a linear layer and before the output layer, and shows the added flatten', () => {
    const mlp = planModel(mlpLayers([256], 'relu', [0.2]), image(1, 8), 10);
    if (!mlp.ok) throw new Error(mlp.message);
    expect(mlp.value.text).toBe('flatten,linear(256),relu,dropout(0.2)');
    expect(mlp.value.layers[0]?.added).toBe('flatten');
    const conv = planModel(layers('conv2d(4,3)'), image(1, 8), 10);
    if (!conv.ok) throw new Error(conv.message);
    expect(conv.value.layers.map((p) => p.text)).toEqual(['conv2d(4,3)', 'flatten', 'linear(10)']);
    expect(conv.value.layers.at(-1)?.params).toBe(4 * 6 * 6 * 10 + 10);
    expect(conv.value.text).toBe('conv2d(4,3)');
  });

  it('a table takes an MLP as it is, and no layers at all is softmax regression', () => {
    const plan = planModel([], { kind: 'flat', size: 4 }, 3);
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.value.layers.map((p) => [p.text, p.params])).toEqual([['linear(3)', 15]]);
    expect(plan.value.text).toBe('');
  });

  it('global average pooling keeps one value per channel; batchnorm on a flat input counts its features', () => {
    const plan = planModel(layers('conv2d(16,3),global_avg_pool,batchnorm'), image(1, 8), 10);
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.value.layers.map((p) => [p.text, p.output.kind === 'flat' ? p.output.size : 'image', p.params])).toEqual([
      ['conv2d(16,3)', 'image', 160],
      ['global_avg_pool', 16, 0],
      ['batchnorm', 16, 32],
      ['linear(10)', 10, 170],
    ]);
  });

  it.each([
    ['conv2d(8,3)', { kind: 'flat', size: 4 }, 'layer 1 (conv2d(8,3)) needs an image (channels×height×width) but meets a flat input of 4 features: this dataset is a table, not images'],
    ['maxpool2d(2)', { kind: 'flat', size: 4 }, 'layer 1 (maxpool2d(2)) needs an image'],
    ['global_avg_pool', { kind: 'flat', size: 4 }, 'layer 1 (global_avg_pool) needs an image'],
    ['conv2d(8,5),conv2d(8,5)', image(1, 8), 'layer 2 (conv2d(8,5)) has a 5×5 kernel but meets an image of 8×4×4 (channels×height×width): the kernel is larger than the image'],
    ['maxpool2d(2),maxpool2d(2),maxpool2d(2),maxpool2d(2)', image(1, 8), 'layer 4 (maxpool2d(2)) has a 2×2 window but meets an image of 1×1×1'],
    ['flatten,flatten', image(1, 8), 'layer 2 (flatten) meets a flat input of 64 features, which is already flat (flatten twice?)'],
    ['flatten', { kind: 'flat', size: 4 }, 'layer 1 (flatten) meets a flat input of 4 features, which is already flat'],
    ['linear(16384),linear(16384)', { kind: 'flat', size: 4 }, 'layer 2 (linear(16384)) brings the model to 268,533,760 weights, more than the 50,000,000 allowed'],
  ] as const)('refuses %j on %j, naming the layer and the shape it met', (text, input, message) => {
    const plan = planModel(layers(text), input as SampleShape, 10);
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.message).toContain(message);
  });

  it('names the column of the offending layer when it plans a parsed list', () => {
    const parsed = parseLayers('relu, conv2d(8,3)');
    if (!parsed.ok) throw new Error(parsed.message);
    const plan = planModel(parsed.value, { kind: 'flat', size: 4 }, 2);
    expect(plan.ok ? '' : plan.message).toContain('layer 2 (conv2d(8,3), column 7)');
  });

  it('the presets fit 28×28 grey images; lenet5 is refused on 8×8 digits with the reason', () => {
    for (const preset of [MODEL_PRESETS.cnn, MODEL_PRESETS.lenet5]) expect(planModel(layers(preset), image(1, 28), 10).ok).toBe(true);
    expect(planModel(layers(MODEL_PRESETS.cnn), image(1, 8), 10).ok).toBe(true);
    const lenet = planModel(layers(MODEL_PRESETS.lenet5), image(1, 8), 10);
    expect(lenet.ok ? '' : lenet.message).toContain('layer 4 (conv2d(16,5)) has a 5×5 kernel but meets an image of 6×4×4');
  });
});
