import { describe, expect, it } from 'vitest';
import type { ModelSummary } from '../../src-shared/entities/model-summary';
import { freezeSuggestions, modelLabel } from '../../src-renderer/lib/model-options';

const layer = (text: string, weightIndex: number | null, added: 'output' | null = null) => ({ text, output: [1], params: 1, weight_index: weightIndex, frozen: false, added });

describe('the freeze choices offered for the planned model', () => {
  it('a CNN: conv, all-but-last and each layer with weights by its index, not the output layer', () => {
    const summary: ModelSummary = {
      input: [1, 8, 8],
      layers: [layer('conv2d(8,3)', 0), layer('relu', null), layer('batchnorm', 1), layer('flatten', null), layer('linear(16)', 2), layer('linear(10)', 3, 'output')],
      params: 4,
      trainable_params: 4,
    };
    expect(freezeSuggestions(summary).map((o) => o.value)).toEqual(['none', 'conv', 'all-but-last', '0', '1', '2']);
    expect(freezeSuggestions(summary).find((o) => o.value === '1')?.label).toBe('1: batchnorm');
  });

  it('an MLP has no conv choice; without a plan only none and all-but-last', () => {
    const mlp: ModelSummary = { input: [4], layers: [layer('linear(8)', 0), layer('linear(3)', 1, 'output')], params: 2, trainable_params: 2 };
    expect(freezeSuggestions(mlp).map((o) => o.value)).toEqual(['none', 'all-but-last', '0']);
    expect(freezeSuggestions(null).map((o) => o.value)).toEqual(['none', 'all-but-last']);
  });
});

describe("a run's model in a few words", () => {
  it('a preset by its name, an MLP by its sizes, a layer list by its start', () => {
    expect(modelLabel({ model: 'cnn', layers: 'conv2d(32,3)' })).toBe('cnn');
    expect(modelLabel({ hidden: '64,32', layers: 'linear(64)' })).toBe('MLP 64,32');
    expect(modelLabel({ hidden: '' })).toBe('linear model');
    expect(modelLabel({ layers: 'conv2d(8,3),relu,maxpool2d(2),flatten,linear(64),relu' })).toBe('layers conv2d(8,3),relu,maxpool2d(2),flatten,l…');
  });
});
