import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from '../../src-renderer/lib/routes';

describe("the links MLflow's client prints", () => {
  it('open the run they name (View run ... at #/experiments/0/runs/12)', () => {
    expect(parseRoute('#/experiments/0/runs/12')).toEqual({ name: 'run', runId: 12 });
    expect(parseRoute('#/experiments/7/runs/3')).toEqual({ name: 'run', runId: 3 });
    expect(parseRoute('#/experiments/0/runs/abc')).toMatchObject({ name: 'not-found' });
  });

  it("open the experiment they name (View experiment at #/experiments/0 is Runboard's default, experiment 1), and only one that can exist", () => {
    expect(parseRoute('#/experiments/0')).toEqual({ name: 'experiment', experimentId: 1 });
    expect(parseRoute('#/experiments/7')).toEqual({ name: 'experiment', experimentId: 7 });
    expect(routeHref({ name: 'experiment', experimentId: 1 })).toBe('#/experiments/0');
    expect(routeHref({ name: 'experiment', experimentId: 7 })).toBe('#/experiments/7');
    // MLflow's "1" would be Runboard's 1, which is MLflow's "0": no experiment has that id.
    expect(parseRoute('#/experiments/1')).toMatchObject({ name: 'not-found' });
    expect(parseRoute('#/experiments/x')).toMatchObject({ name: 'not-found' });
  });

  it('and the Import and Settings pages have their own routes', () => {
    expect(parseRoute('#/import')).toEqual({ name: 'import' });
    expect(parseRoute('#/settings')).toEqual({ name: 'settings' });
  });
});
