/** What `runboard train` prints under a finished run: how a fine-tuned run came to be, in the run page's words. */
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src-shared/entities/run';
import { outcomeNotes } from '../../src-main/cli/train-command';
import { runOutcome as outcome } from '../helpers/run-outcome';

const fineTuned = (params: RunSummary['params'], frozen: number[]): RunSummary =>
  ({ kind: 'train', epochs: 3, parent_run_id: 6, params, metrics: {}, outcome: outcome({ frozen_layers: frozen, output_layer_replaced: true }) }) as unknown as RunSummary;

describe('the notes under a fine-tuned run', () => {
  it('name the frozen layers of a layer-list model by index and layer, as the run page does', () => {
    const layers = 'conv2d(32,3,padding=same),relu,maxpool2d(2),conv2d(32,3),relu,maxpool2d(2),flatten,linear(128),relu,dropout(0.3)';
    expect(outcomeNotes(fineTuned({ layers, model: 'cnn', freeze: 'conv' }, [0, 1]))).toEqual([
      'Fine-tuned from run 6, frozen layers 0 conv2d(32,3,padding=same), 1 conv2d(32,3).',
      'The output layer was replaced: the dataset has other classes than the parent run.',
    ]);
  });

  it("name an MLP's as hidden layers and the output", () => {
    const notes = outcomeNotes(fineTuned({ hidden: '16,8', layers: 'flatten,linear(16),relu,linear(8),relu' }, [0, 2]));
    expect(notes[0]).toBe('Fine-tuned from run 6, frozen layers hidden 0, output.');
  });
});
