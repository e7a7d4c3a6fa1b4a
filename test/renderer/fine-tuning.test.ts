import { describe, expect, it } from 'vitest';
import { fineTuningLearningRate, formValuesFromParams } from '../../src-renderer/lib/new-run-fields';
import { frozenLayersText, weightLayerNames } from '../../src-renderer/lib/outcome';
import { weightsOrigin } from '../../src-renderer/lib/weights-origin';
import { runOutcome as outcome } from '../helpers/run-outcome';

describe('the fine-tune form', () => {
  it('proposes a tenth of the parent\'s learning rate, freezes all but the last layer and keeps the seed', () => {
    const values = formValuesFromParams({ dataset: 'digits', lr: 0.05, seed: 9, optimizer: 'sgd' }, 'default', 'finetune', 12);
    expect(values).toMatchObject({ lr: '0.005', from_run: '12', freeze: 'all-but-last', seed: '9' });
    expect(formValuesFromParams({ dataset: 'digits', lr: 0.03 }, 'default', 'finetune', 3).lr).toBe('0.003');
    expect(fineTuningLearningRate(0.001)).toBe(0.0001);
    // A clone keeps the learning rate.
    expect(formValuesFromParams({ dataset: 'digits', lr: 0.05 }, 'default', 'clone', 12).lr).toBe('0.05');
  });
});

describe("the run page's account of where the weights came from", () => {
  it('a trained-from-scratch run: its initializer', () => {
    expect(weightsOrigin({ parent_run_id: null, params: { init: 'he-normal', hidden: '8' }, outcome: null }, [])).toEqual({ kind: 'initialized', init: 'he-normal' });
  });

  it('a fine-tuned run: its parent and the frozen layers, not an initializer', () => {
    const run = { parent_run_id: 12, params: { hidden: '8,4', from_run: 12, freeze: 'all-but-last', init: 'glorot-uniform' }, outcome: null };
    expect(weightsOrigin(run, [0, 1])).toEqual({ kind: 'parent', parentRunId: 12, frozen: 'hidden 0, hidden 1', replacedOutputInit: null });
    expect(weightsOrigin(run, [])).toMatchObject({ frozen: 'none' });
    // Before the histograms arrive, the outcome says which layers were frozen; while it is unknown, nothing is claimed.
    expect(weightsOrigin({ ...run, outcome: outcome({ frozen_layers: [0] }) }, null)).toMatchObject({ frozen: 'hidden 0' });
    expect(weightsOrigin(run, null)).toMatchObject({ frozen: null });
  });

  it('a fine-tuned run whose output layer was replaced: that layer\'s initializer too', () => {
    const run = { parent_run_id: 4, params: { hidden: '8', init: 'glorot-uniform' }, outcome: outcome({ frozen_layers: [0], output_layer_replaced: true }) };
    expect(weightsOrigin(run, [0])).toEqual({ kind: 'parent', parentRunId: 4, frozen: 'hidden 0', replacedOutputInit: 'glorot-uniform' });
  });
});

describe('the frozen layers of a model made of a layer list', () => {
  it('are named by their weight index and layer, not as hidden layers', () => {
    const run = { parent_run_id: 3, params: { layers: 'conv2d(32,3,padding=same),relu,maxpool2d(2),conv2d(32,3),relu,flatten,linear(128),relu', from_run: 3, freeze: 'conv', init: 'glorot-uniform' }, outcome: null };
    expect(weightsOrigin(run, [0, 1])).toMatchObject({ frozen: '0 conv2d(32,3,padding=same), 1 conv2d(32,3)' });
    expect(frozenLayersText([2, 3], null, weightLayerNames(run))).toBe('2 linear(128), 3 output');
    // An MLP keeps its own words.
    expect(frozenLayersText([0, 2], 2, weightLayerNames({ params: { hidden: '8,4', layers: 'linear(8),relu,linear(4),relu' } }))).toBe('hidden 0, output');
  });
});
