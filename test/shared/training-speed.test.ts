import { describe, expect, it } from 'vitest';
import { epochSeconds, trainingSpeed } from '../../src-shared/training-speed';

describe('training speed from epoch times', () => {
  it('gives each epoch the time since the previous one ended (the first since the run started)', () => {
    expect(epochSeconds(1_000, [3_000, 4_500, 6_500])).toEqual([2, 1.5, 2]);
  });

  it('takes the median epoch, leaving out the first (data loading, warm-up) once there are three, and turns it into samples per second', () => {
    expect(trainingSpeed(0, [10_000, 12_000, 14_000, 17_000], 1000)).toEqual({ secondsPerEpoch: 2, samplesPerSecond: 500 });
    expect(trainingSpeed(0, [4_000, 6_000], 100)).toEqual({ secondsPerEpoch: 3, samplesPerSecond: 100 / 3 });
    expect(trainingSpeed(0, [], 100)).toBeNull();
  });
});
