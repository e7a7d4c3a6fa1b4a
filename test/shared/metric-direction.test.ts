import { describe, expect, it } from 'vitest';
import { metricDirection } from '../../src-shared/entities/run';

describe('which way is better for a metric', () => {
  it('accuracies and scores up, losses down', () => {
    expect(metricDirection('val_accuracy')).toBe('max');
    expect(metricDirection('f1')).toBe('max');
    expect(metricDirection('val_loss')).toBe('min');
  });

  it('speed: samples per second up, seconds per epoch down', () => {
    expect(metricDirection('samples_per_second')).toBe('max');
    expect(metricDirection('epoch_seconds')).toBe('min');
  });
});
