import { describe, expect, it } from 'vitest';
import { trialLabel, trialTitle } from '../../src-renderer/lib/format';

describe('a sweep trial as the runs table and run page name it', () => {
  it('tells a trial\'s reruns after a resume from its first run', () => {
    expect(trialLabel({ sweep_id: 3, trial: 2, attempt: 1 })).toBe('sweep 3 · trial 2');
    expect(trialLabel({ sweep_id: 3, trial: 2, attempt: 2 })).toBe('sweep 3 · trial 2 · rerun');
    expect(trialLabel({ sweep_id: 3, trial: 2, attempt: 3 })).toBe('sweep 3 · trial 2 · rerun 2');
    expect(trialTitle({ sweep_id: 3, trial: 2, attempt: 2 })).toBe('Sweep 3, trial 2: its second run (the sweep was resumed and ran the trial again)');
    expect(trialTitle({ sweep_id: 3, trial: 2, attempt: 1 })).toBe('Sweep 3, trial 2');
    expect(trialLabel({ sweep_id: null, trial: null, attempt: null })).toBe('');
  });
});
