import { describe, expect, it } from 'vitest';
import { parseRoute } from '../../src-renderer/lib/routes';

describe("the links MLflow's client prints", () => {
  it('open the run (View run ... at #/experiments/0/runs/12) and the runs table (View experiment at #/experiments/0)', () => {
    expect(parseRoute('#/experiments/0/runs/12')).toEqual({ name: 'run', runId: 12 });
    expect(parseRoute('#/experiments/7/runs/3')).toEqual({ name: 'run', runId: 3 });
    expect(parseRoute('#/experiments/0')).toEqual({ name: 'runs', query: null });
    expect(parseRoute('#/experiments/0/runs/abc')).toMatchObject({ name: 'not-found' });
  });

  it('and the Import and Settings pages have their own routes', () => {
    expect(parseRoute('#/import')).toEqual({ name: 'import' });
    expect(parseRoute('#/settings')).toEqual({ name: 'settings' });
  });
});
