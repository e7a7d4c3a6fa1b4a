import { describe, expect, it } from 'vitest';
import type { Core } from '../../src-main/core';
import type { AnyEvent } from '../../src-shared/api/events';
import { fromMetricValue } from '../../src-shared/entities/run';
import { sweepRequestSchema, type SweepRequestInput } from '../../src-shared/entities/sweep';
import { requireBuiltWorker, useCore } from '../helpers/core';

requireBuiltWorker();
const newCore = useCore();
const request = (input: Partial<SweepRequestInput>) =>
  sweepRequestSchema.parse({
    strategy: 'random',
    params: ['lr=loguniform(1e-4,1e-2)', 'momentum=uniform(0.85,0.99)'],
    trials: 6,
    fixed: { dataset: 'iris', hidden: [8], epochs: 2, backend: 'wasm' },
    parallel: 2,
    seed: 7,
    ...input,
  });

describe('random search', () => {
  it('runs every trial as a run of the sweep, samples within the ranges, and repeats with the same seed', async () => {
    const { core } = await newCore();
    const first = await core.sweeps.start(request({}));
    expect(await core.sweeps.wait(first.sweep_id)).toBe('finished');
    const again = await core.sweeps.start(request({}));
    await core.sweeps.wait(again.sweep_id);
    const a = await core.store.sweeps.get(first.sweep_id);
    const b = await core.store.sweeps.get(again.sweep_id);
    expect(a?.counts).toEqual({ pending: 0, running: 0, finished: 6, pruned: 0, failed: 0 });
    const runs = await core.store.listRuns();
    expect(runs.filter((r) => r.sweep_id === first.sweep_id).map((r) => r.trial).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    for (const trial of a?.trials ?? []) {
      expect(trial.params.lr).toBeGreaterThanOrEqual(1e-4);
      expect(trial.params.lr).toBeLessThanOrEqual(1e-2);
      expect(trial.params.momentum).toBeGreaterThanOrEqual(0.85);
      expect(trial.params.momentum).toBeLessThanOrEqual(0.99);
      const run = runs.find((r) => r.run_id === trial.run_id);
      expect(run?.params.lr).toBe(trial.params.lr);
    }
    expect(b?.trials.map((t) => t.params)).toEqual(a?.trials.map((t) => t.params));
    expect(a?.best_run_id).not.toBeNull();
    const best = Math.max(...(a?.trials ?? []).map((t) => t.value as number));
    expect(a?.best_value).toBe(best);
  });
});

describe('grid search', () => {
  it('runs exactly the product of its lists', async () => {
    const { core } = await newCore();
    const sweep = await core.sweeps.start(request({ strategy: 'grid', params: ['lr=[0.1,0.01]', 'batch_size=[16,32]'], trials: undefined }));
    await core.sweeps.wait(sweep.sweep_id);
    const detail = await core.store.sweeps.get(sweep.sweep_id);
    expect(detail?.trials.map((t) => [t.params.lr, t.params.batch_size])).toEqual([
      [0.1, 16],
      [0.1, 32],
      [0.01, 16],
      [0.01, 32],
    ]);
    expect(detail?.counts.finished).toBe(4);
  });
});

/** What a successive-halving trial reported at a rung epoch, in the order the host judged it. */
interface RungReport {
  runId: number;
  epoch: number;
  value: number | undefined;
}

/**
 * Optuna's asynchronous rule, written out again here (independently of `search/asha.ts`) to say which rung each run
 * should have stopped at, given the values reported at each rung in the order they were judged: a run goes on when its
 * value is among the best max(1, floor(n / factor)) of the n finite values reported there so far, itself included.
 */
function expectedPruning(reports: readonly RungReport[], direction: 'max' | 'min', factor: number): Map<number, number> {
  const seen = new Map<number, number[]>();
  const prunedAt = new Map<number, number>();
  for (const { runId, epoch, value } of reports) {
    if (prunedAt.has(runId)) continue;
    if (value === undefined || !Number.isFinite(value)) {
      prunedAt.set(runId, epoch);
      continue;
    }
    const values = [...(seen.get(epoch) ?? []), value];
    seen.set(epoch, values);
    const best = values.filter(Number.isFinite).sort((a, b) => (direction === 'max' ? b - a : a - b));
    const last = best[Math.max(1, Math.floor(best.length / factor)) - 1] as number;
    if (direction === 'max' ? value < last : value > last) prunedAt.set(runId, epoch);
  }
  return prunedAt;
}

/** Records the rung epochs the host logs, in order: it judges each right after logging it (same task). */
function recordRungReports(events: AnyEvent[], rungs: readonly number[], metric: string): RungReport[] {
  return events.flatMap((event) => {
    if (event.event !== 'run/epoch-logged' || !rungs.includes(event.payload.epoch)) return [];
    const reported = event.payload.metrics[metric];
    return [{ runId: event.payload.run_id, epoch: event.payload.epoch, value: reported === undefined ? undefined : fromMetricValue(reported) }];
  });
}

/** The epochs a run logged, in order. */
async function loggedSteps(core: Core, runId: number): Promise<number[]> {
  const series = await core.store.getMetrics([runId], ['val_accuracy'], null);
  return (series[0]?.points ?? []).map((p) => p.step);
}

/**
 * Successive halving on iris, rungs at epochs 1 and 3 of 9, factor 3, on validation loss. Two batches per epoch, so an
 * epoch takes less time than a host's round trip: a trial that did not wait for its decision would overrun its rung.
 * Seed 335 samples lr 0.15 and 0.14 for trials 1 and 2 and at most 0.013 for the seven others, which trail both of
 * them at epoch 1 (checked below). That makes pruning certain whatever order parallel trials reach the rung: trial 3
 * and later start only once trial 1 or 2 has ended, so after it was judged at epoch 1; the first of them to be judged
 * there sees at most three values, keeps one, and is behind.
 */
const ASHA_IRIS: Partial<SweepRequestInput> = {
  strategy: 'asha',
  trials: 9,
  params: ['lr=loguniform(1e-4,1)'],
  fixed: { dataset: 'iris', hidden: [8], epochs: 9, batch_size: 64, backend: 'wasm' },
  objective: 'val_loss:min',
  min_epochs: 1,
  reduction_factor: 3,
  seed: 335,
};

describe('successive halving', () => {
  it('prunes trials that trail at a rung, as Optuna\'s rule says, and a pruned trial has exactly its rung\'s epochs (2 at once)', async () => {
    const { core, events } = await newCore();
    const sweep = await core.sweeps.start(request({ ...ASHA_IRIS, parallel: 2 }));
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('finished');
    const detail = await core.store.sweeps.get(sweep.sweep_id);
    const trials = detail?.trials ?? [];
    expect(trials).toHaveLength(9);

    // The premise that makes pruning certain: trials 1 and 2 lead every other trial at the first rung.
    const reports = recordRungReports(events, [1, 3], 'val_loss');
    const atFirstRung = (trial: number) => reports.find((r) => r.epoch === 1 && r.runId === trials[trial - 1]?.run_id)?.value as number;
    const others = Math.min(...[3, 4, 5, 6, 7, 8, 9].map(atFirstRung));
    expect(Math.max(atFirstRung(1), atFirstRung(2)), 'trials 1 and 2 lead at epoch 1').toBeLessThan(others);
    expect(detail?.counts.pruned).toBeGreaterThan(0);
    expect((detail?.counts.pruned ?? 0) + (detail?.counts.finished ?? 0)).toBe(9);

    // Each trial stopped exactly where the rule, applied in the order the rungs were judged, says: a pruned one at
    // its rung (its last epoch is the rung's, nothing after it), the others at the last epoch.
    const prunedAt = expectedPruning(reports, 'min', 3);
    for (const trial of trials) {
      const runId = trial.run_id as number;
      const rung = prunedAt.get(runId);
      const run = await core.store.getRun(runId);
      if (rung === undefined) {
        expect(trial.status, `trial ${trial.trial}`).toBe('finished');
        expect(await loggedSteps(core, runId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      } else {
        expect(trial.status, `trial ${trial.trial}`).toBe('pruned');
        expect(trial.epochs, `trial ${trial.trial}, pruned at epoch ${rung}`).toBe(rung);
        expect(await loggedSteps(core, runId)).toEqual(Array.from({ length: rung }, (_, i) => i + 1));
        expect(run?.outcome?.stop_reason).toBe('pruned');
        expect(run?.error).toBeNull();
      }
    }
    // Each trial reported once per rung it reached: no rung judged twice, none skipped.
    for (const trial of trials) {
      const reached = reports.filter((r) => r.runId === trial.run_id).map((r) => r.epoch);
      expect(reached, `trial ${trial.trial}`).toEqual(trial.epochs >= 3 ? [1, 3] : [1]);
    }
  });

  it('a resumed sweep judges its trials against what its earlier trials reported at each rung (1 at a time)', async () => {
    const { core, events } = await newCore();
    const sweep = await core.sweeps.start(request({ ...ASHA_IRIS, parallel: 1 }));
    await new Promise<void>((resolve) => {
      const off = core.api.subscribe((event) => {
        if (event.event === 'sweep/updated' && event.payload.sweep.counts.finished + event.payload.sweep.counts.pruned >= 3) {
          off();
          resolve();
        }
      });
    });
    core.sweeps.stop(sweep.sweep_id);
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('stopped');
    const stopped = await core.store.sweeps.get(sweep.sweep_id);
    const doneBefore = (stopped?.trials ?? []).filter((t) => t.status === 'finished' || t.status === 'pruned').map((t) => t.trial);
    expect(doneBefore.length).toBeGreaterThanOrEqual(3);
    expect(doneBefore.length).toBeLessThan(9);

    await core.sweeps.resume(sweep.sweep_id);
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('finished');
    const detail = await core.store.sweeps.get(sweep.sweep_id);
    const trials = detail?.trials ?? [];
    expect(trials.map((t) => t.status).every((s) => s === 'finished' || s === 'pruned')).toBe(true);
    expect(detail?.counts.pruned).toBeGreaterThan(0);

    // One at a time, the trials reach each rung in trial order; the resumed half is judged against the values of the
    // trials kept from before the stop (a stopped attempt's reports are dropped: its trial reports again).
    const finalRuns = new Set(trials.map((t) => t.run_id));
    const reports = recordRungReports(events, [1, 3], 'val_loss').filter((r) => finalRuns.has(r.runId));
    const prunedAt = expectedPruning(reports, 'min', 3);
    for (const trial of trials) {
      const rung = prunedAt.get(trial.run_id as number);
      expect([trial.status, trial.epochs], `trial ${trial.trial}`).toEqual(rung === undefined ? ['finished', 9] : ['pruned', rung]);
      expect(await loggedSteps(core, trial.run_id as number)).toEqual(Array.from({ length: trial.epochs }, (_, i) => i + 1));
    }
    // The trials kept their runs across the resume.
    for (const number of doneBefore) expect(trials[number - 1]?.run_id).toBe(stopped?.trials[number - 1]?.run_id);
  });

  it('a stop that comes while a trial waits at its rung ends it there, stopped, with its rung\'s epochs', async () => {
    const { core } = await newCore();
    let stopped = false;
    const sweep = await core.sweeps.start(request({ ...ASHA_IRIS, parallel: 1 }));
    // The host logs the rung epoch, then judges it, in one task: a stop asked on the event comes before the decision,
    // while the worker waits.
    core.api.subscribe((event) => {
      if (!stopped && event.event === 'run/epoch-logged' && event.payload.epoch === 1) {
        stopped = true;
        expect(core.sweeps.stop(sweep.sweep_id)).toBe(true);
      }
    });
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('stopped');
    const [first, ...rest] = (await core.store.sweeps.get(sweep.sweep_id))?.trials ?? [];
    expect(first?.status).toBe('stopped');
    expect(first?.epochs).toBe(1);
    expect(await loggedSteps(core, first?.run_id as number)).toEqual([1]);
    expect(rest.map((t) => t.status)).toEqual(Array(8).fill('pending'));
    expect(core.trainer.runningCount).toBe(0);
  });

  // A loss that diverges at a rung epoch: lr 30 with momentum 0.99 on iris, found by trial. With seed 1 epoch 5 ends
  // within its first batches (no validation metrics: the objective is missing); with seed 2 epoch 4 ends with an
  // infinite validation loss. The waiting worker must get its answer, and the run ends diverged at that epoch.
  const divergingAtRung: [string, { seed: number; objective: string; min_epochs: number; epoch: number }][] = [
    ['missing', { seed: 1, objective: 'val_accuracy:max', min_epochs: 5, epoch: 5 }],
    ['not finite', { seed: 2, objective: 'val_loss:min', min_epochs: 4, epoch: 4 }],
  ];
  for (const [what, { seed, objective, min_epochs, epoch }] of divergingAtRung) {
    it(`a trial whose objective is ${what} at its rung is answered, and ends diverged with that epoch`, async () => {
      const { core, events } = await newCore();
      const sweep = await core.sweeps.start(
        request({ strategy: 'asha', trials: 1, params: ['lr=choice(30)'], fixed: { dataset: 'iris', hidden: [8], epochs: 20, momentum: 0.99, seed, backend: 'wasm' }, objective, min_epochs, reduction_factor: 2, parallel: 1 }),
      );
      expect(await core.sweeps.wait(sweep.sweep_id)).toBe('finished');
      const [trial] = (await core.store.sweeps.get(sweep.sweep_id))?.trials ?? [];
      expect(trial?.status).toBe('diverged');
      expect(trial?.epochs).toBe(epoch);
      const metric = objective.split(':')[0] as string;
      const [report] = recordRungReports(events, [epoch], metric);
      expect(report?.runId).toBe(trial?.run_id);
      if (what === 'missing') expect(report?.value).toBeUndefined();
      else expect(Number.isFinite(report?.value)).toBe(false);
    });
  }
});

describe('stopping and resuming', () => {
  it('a stopped sweep resumes its unfinished trials and does not repeat finished ones', async () => {
    const { core } = await newCore();
    const sweep = await core.sweeps.start(request({ trials: 4, parallel: 1, fixed: { dataset: 'digits', hidden: [16], epochs: 3, backend: 'wasm' } }));
    await new Promise<void>((resolve) => {
      const off = core.api.subscribe((event) => {
        if (event.event === 'sweep/updated' && event.payload.sweep.counts.finished >= 1) {
          off();
          resolve();
        }
      });
    });
    expect(core.sweeps.stop(sweep.sweep_id)).toBe(true);
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('stopped');
    const stopped = await core.store.sweeps.get(sweep.sweep_id);
    const finishedRuns = stopped?.trials.filter((t) => t.status === 'finished').map((t) => t.run_id) ?? [];
    expect(core.trainer.runningCount).toBe(0);
    expect(finishedRuns.length).toBeGreaterThanOrEqual(1);
    await core.sweeps.resume(sweep.sweep_id);
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('finished');
    const resumed = await core.store.sweeps.get(sweep.sweep_id);
    expect(resumed?.counts.finished).toBe(4);
    for (const runId of finishedRuns) expect(resumed?.trials.map((t) => t.run_id)).toContain(runId);
  });
});

describe('resuming a sweep whose trials had all ended', () => {
  it('waits for the sweep to be recorded finished, however slowly the store writes it (a host killed between its last trial and the sweep)', async () => {
    const { core } = await newCore();
    const sweep = await core.sweeps.start(request({ trials: 2, parallel: 1, fixed: { dataset: 'iris', hidden: [8], epochs: 1, backend: 'wasm' } }));
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('finished');
    // As a kill -9 leaves it: every trial done, the sweep not marked (then found interrupted by the next process).
    await core.store.sweeps.setStatus(sweep.sweep_id, 'interrupted', Date.now());
    const sweeps = core.store.sweeps;
    const setStatus = sweeps.setStatus.bind(sweeps);
    // A store that takes its time to write (a PostgreSQL server across a network does).
    sweeps.setStatus = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return setStatus(...args);
    };
    await core.sweeps.resume(sweep.sweep_id);
    expect(await core.sweeps.wait(sweep.sweep_id)).toBe('finished');
    expect((await core.store.sweeps.get(sweep.sweep_id))?.status).toBe('finished');
  });
});

describe('bad sweep requests are refused before any trial starts, naming the parameter', () => {
  const cases: [string, Partial<SweepRequestInput>, RegExp][] = [
    ['loguniform with a bound <= 0', { params: ['lr=loguniform(0,1e-2)'] }, /lr: loguniform\(0,1e-2\): both bounds must be above 0/],
    ['a lower bound above the upper', { params: ['momentum=uniform(0.99,0.85)'] }, /momentum: uniform\(0.99,0.85\): the lower bound is above the upper/],
    ['int(1.5,3)', { params: ['batch_size=int(1.5,3)'] }, /batch_size: int\(1.5,3\): the bounds must be whole numbers/],
    ['an empty choice()', { params: ['optimizer=choice()'] }, /optimizer: choice\(\) is empty/],
    ['an unknown parameter', { params: ['learning_rate=uniform(0,1)'] }, /unknown parameter "learning_rate"/],
    ['an objective that is never logged', { objective: 'f1:max' }, /f1 is never logged/],
    ['a value the option refuses', { params: ['dropout=uniform(0,1.5)'] }, /dropout=uniform\(0,1.5\): the value 1.5 is not valid/],
    ['a grid over 1000 trials without yes', { strategy: 'grid', params: ['lr=[' + Array.from({ length: 40 }, (_, i) => (i + 1) / 1000).join(',') + ']', 'momentum=[' + Array.from({ length: 30 }, (_, i) => 0.5 + i / 100).join(',') + ']'] }, /1200 trials, more than 1000: pass --yes/],
  ];
  for (const [what, input, message] of cases) {
    it(what, async () => {
      const { core } = await newCore();
      await expect(core.sweeps.start(request(input))).rejects.toThrow(message);
      expect(await core.store.sweeps.list()).toEqual([]);
      expect(await core.store.listRuns()).toEqual([]);
    });
  }

  it('--trials 0 and --parallel 0', () => {
    expect(sweepRequestSchema.safeParse({ params: ['lr=[0.1]'], fixed: {}, trials: 0 }).error?.issues[0]?.message).toBe('trials must be at least 1');
    expect(sweepRequestSchema.safeParse({ params: ['lr=[0.1]'], fixed: {}, parallel: 0 }).error?.issues[0]?.message).toBe('parallel must be at least 1');
  });
});
