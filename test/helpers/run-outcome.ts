import type { RunOutcome } from '../../src-shared/entities/run';

/** A finished run's outcome (100 training and 20 validation rows, final weights kept), with `overrides` applied. */
export function runOutcome(overrides: Partial<RunOutcome> = {}): RunOutcome {
  return {
    stop_reason: 'completed',
    best_epoch: null,
    restored_best: false,
    frozen_layers: [],
    output_layer_replaced: false,
    checkpoint: { final: true, best: false },
    train_size: 100,
    val_size: 20,
    test_size: 0,
    ...overrides,
  };
}
