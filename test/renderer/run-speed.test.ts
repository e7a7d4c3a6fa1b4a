import { describe, expect, it } from 'vitest';
import { speedText } from '../../src-renderer/lib/run-speed';

describe('how fast a run trains, on its page', () => {
  it("the last epoch's seconds and training samples per second", () => {
    expect(speedText({ epoch_seconds: 1.7095, samples_per_second: 499.2, val_loss: 1 })).toBe('1.7 s per epoch · 499 samples/s');
    expect(speedText({ epoch_seconds: 14.26, samples_per_second: 12_345.6 })).toBe('14.3 s per epoch · 12,346 samples/s');
    expect(speedText({ epoch_seconds: 95 })).toBe('1m 35s per epoch');
  });

  it('nothing for a run that logged no timing, or a timing that is not a number', () => {
    expect(speedText({ val_loss: 1 })).toBeNull();
    expect(speedText({ epoch_seconds: 'NaN' })).toBeNull();
  });
});
