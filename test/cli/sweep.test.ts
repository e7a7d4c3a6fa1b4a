/**
 * Issue 4 through the CLI: `runboard sweep` (random, grid and successive-halving search), `runboard sweeps`, and
 * `runboard export --sweep`. Every sweep runs the built CLI as a real process on its own database, with tiny trials
 * (iris or digits, a few epochs, wasm) two at a time. What happens when a sweep is killed, interrupted or loses a
 * trial is in sweep-durability.test.ts; refused input in sweep-bad-input.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliIsBuilt, integrityCheck, killAll, listRuns, makeTempDir, removeTempDirs, runCli, withReadonlyDb, type CliResult, type RunJson } from './helpers';

type ParamValue = number | string | boolean;

/** The one JSON object `runboard sweep --json` prints when the sweep ends. */
interface SweepJson {
  sweep_id: number;
  name: string;
  status: string;
  strategy: string;
  objective: string;
  best_run_id: number | null;
  best_value: number | string | null;
  trials: { trial: number; run_id: number | null; status: string; params: Record<string, ParamValue>; value: number | string | null; epochs: number }[];
}

/** One element of `runboard sweeps --json`. */
interface SweepSummaryJson {
  sweep_id: number;
  name: string;
  experiment: string;
  status: string;
  strategy: string;
  space: { name: string; distribution: string }[];
  fixed: Record<string, unknown>;
  objective: { metric: string; direction: string };
  trials_planned: number;
  seed: number;
  parallel: number;
  asha: { min_epochs: number; max_epochs: number; reduction_factor: number } | null;
  created_at: number;
  ended_at: number | null;
  counts: { pending: number; running: number; finished: number; pruned: number; failed: number };
  best_run_id: number | null;
  best_value: number | string | null;
  epochs_trained: number;
}

/** A run as `runs --json` lists it, with the sweep it is a trial of. */
type TrialRunJson = RunJson & { sweep_id: number | null; trial: number | null; outcome: { stop_reason: string } | null };

/** The Done-when sweep: 6 random trials on digits, lr log-uniform and momentum uniform, seed 7. */
const DONE_WHEN_RANDOM = [
  'sweep',
  '--dataset',
  'digits',
  '--strategy',
  'random',
  '--trials',
  '6',
  '--param',
  'lr=loguniform(1e-4,1e-2)',
  '--param',
  'momentum=uniform(0.85,0.99)',
  '--epochs',
  '2',
  '--hidden',
  '16',
  '--parallel',
  '2',
  '--seed',
  '7',
  '--backend',
  'wasm',
  '--json',
] as const;

const TINY_FIXED = ['--dataset', 'iris', '--hidden', '8', '--epochs', '2', '--backend', 'wasm', '--parallel', '2'] as const;

/** The sweep's single JSON object: stdout holds exactly one line, and it parses. */
function parseSweepJson(result: CliResult): SweepJson {
  expect(result.code, `exit status; stderr: ${result.stderr}`).toBe(0);
  const lines = result.stdout.split('\n').filter((line) => line.trim() !== '');
  expect(lines, 'exactly one line (one JSON object) on stdout').toHaveLength(1);
  return JSON.parse(lines[0] as string) as SweepJson;
}

async function listSweeps(db: string): Promise<SweepSummaryJson[]> {
  const result = await runCli(['sweeps', '--json', '--db', db]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as SweepSummaryJson[];
}

async function sweepRuns(db: string, sweepId: number): Promise<TrialRunJson[]> {
  return ((await listRuns(db)) as TrialRunJson[]).filter((r) => r.sweep_id === sweepId).sort((a, b) => (a.trial as number) - (b.trial as number));
}

/** Parses CSV the strict way a standard reader does: a header, every row as wide as it, well-formed quotes. */
function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, relax_quotes: false, relax_column_count: false, skip_empty_lines: false }) as Record<string, string>[];
}

function headerOf(text: string): string[] {
  return (parse(text, { to_line: 1 }) as string[][])[0] as string[];
}

beforeAll(() => assertCliIsBuilt());
afterEach(() => killAll());
afterAll(() => removeTempDirs());

describe('runboard sweep --strategy random (the issue\'s Done-when)', () => {
  it('runs 6 trials as 6 runs of the sweep, samples inside the ranges, prints one JSON object, and repeats exactly with the same seed', async () => {
    const db = join(makeTempDir(), 'x.db');
    const first = parseSweepJson(await runCli([...DONE_WHEN_RANDOM, '--db', db], { timeoutMs: 150_000 }));

    expect(first).toMatchObject({ sweep_id: 1, status: 'finished', strategy: 'random', objective: 'val_accuracy:max' });
    expect(first.trials).toHaveLength(6);
    expect(first.trials.map((t) => t.trial)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const trial of first.trials) {
      expect(trial).toEqual(expect.objectContaining({ run_id: expect.any(Number), status: 'finished', value: expect.any(Number), params: expect.any(Object) }));
      expect(Object.keys(trial.params).sort()).toEqual(['lr', 'momentum']);
      expect(trial.params.lr).toBeGreaterThanOrEqual(1e-4);
      expect(trial.params.lr).toBeLessThanOrEqual(1e-2);
      expect(trial.params.momentum).toBeGreaterThanOrEqual(0.85);
      expect(trial.params.momentum).toBeLessThanOrEqual(0.99);
      expect(trial.epochs).toBe(2);
    }
    expect(new Set(first.trials.map((t) => t.run_id)).size, 'one run per trial').toBe(6);
    expect(new Set(first.trials.map((t) => t.params.lr)).size, 'six different samples').toBe(6);
    // The best is the highest val_accuracy of the trials, and names that trial's run.
    const values = first.trials.map((t) => t.value as number);
    expect(first.best_value).toBe(Math.max(...values));
    expect(first.best_run_id).toBe(first.trials.find((t) => t.value === first.best_value)?.run_id);

    // `runs --json` (another process, reading the file) has exactly 6 runs with the sweep's id, trials 1..6, each
    // trained with its trial's sampled values, the fixed options, and the objective the sweep reports.
    const runs = await sweepRuns(db, first.sweep_id);
    expect(runs).toHaveLength(6);
    expect(runs.map((r) => r.trial)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await listRuns(db), 'no run outside the sweep').toHaveLength(6);
    for (const run of runs) {
      const trial = first.trials[(run.trial as number) - 1];
      expect(run.run_id).toBe(trial?.run_id);
      expect(run.status).toBe('finished');
      expect(run.name).toBe(`sweep1-trial${run.trial}`);
      expect(run.params).toMatchObject({ lr: trial?.params.lr, momentum: trial?.params.momentum, dataset: 'digits', hidden: '16', epochs: 2, backend: 'wasm' });
      expect(run.epochs).toBe(2);
      expect(run.best.val_accuracy).toBe(trial?.value);
    }

    // The same command again: a second sweep, the same params in the same order, the same training seeds.
    const again = parseSweepJson(await runCli([...DONE_WHEN_RANDOM, '--db', db], { timeoutMs: 150_000 }));
    expect(again.sweep_id).toBe(2);
    expect(again.status).toBe('finished');
    expect(again.trials.map((t) => t.params)).toEqual(first.trials.map((t) => t.params));
    const againRuns = await sweepRuns(db, again.sweep_id);
    expect(againRuns).toHaveLength(6);
    expect(againRuns.map((r) => r.seed)).toEqual(runs.map((r) => r.seed));
    expect(new Set([...runs, ...againRuns].map((r) => r.run_id)).size, 'the second sweep has runs of its own').toBe(12);

    const sweeps = await listSweeps(db);
    expect(sweeps.map((s) => [s.sweep_id, s.status, s.seed, s.trials_planned])).toEqual([
      [2, 'finished', 7, 6],
      [1, 'finished', 7, 6],
    ]);
    expect(integrityCheck(db)).toBe('ok');
  }, 240_000);

  it('a 2x2 grid runs exactly its 4 combinations, the first parameter varying slowest, and says so in text', async () => {
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(['sweep', ...TINY_FIXED, '--strategy', 'grid', '--param', 'lr=[0.1,0.01]', '--param', 'batch_size=[16,32]', '--db', db], { timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    // Not a terminal: no progress line rewritten in place, only the summary lines.
    expect(result.stdout).not.toMatch(/\r|\x1b/);
    expect(result.stdout).toMatch(/^Sweep 1 \(sweep-1\): grid search, 4 trials, 2 at once, objective val_accuracy:max, seed \d+; database .*x\.db$/m);
    expect(result.stdout).toMatch(/^trials 4\/4 done, 0 running, 0 pruned, 0 failed \| best val_accuracy [\d.]+ \(run [1-4]\) \| ETA 0:00$/m);
    expect(result.stdout).toMatch(/^Sweep 1 finished\.$/m);
    expect(result.stdout).not.toMatch(/resume/);

    const runs = await sweepRuns(db, 1);
    expect(runs.map((r) => [r.trial, r.params.lr, r.params.batch_size])).toEqual([
      [1, 0.1, 16],
      [2, 0.1, 32],
      [3, 0.01, 16],
      [4, 0.01, 32],
    ]);
    expect(runs.every((r) => r.status === 'finished')).toBe(true);
    const [sweep] = await listSweeps(db);
    expect(sweep).toMatchObject({
      strategy: 'grid',
      status: 'finished',
      trials_planned: 4,
      space: [
        { name: 'lr', distribution: '[0.1,0.01]' },
        { name: 'batch_size', distribution: '[16,32]' },
      ],
      counts: { pending: 0, running: 0, finished: 4, pruned: 0, failed: 0 },
      asha: null,
    });
  }, 150_000);

  it('an ASHA sweep of 9 trials, 2 at once, prunes some whatever order they reach a rung: a pruned trial has exactly its rung\'s epochs and keeps them', async () => {
    const db = join(makeTempDir(), 'x.db');
    // Two batches per epoch: an epoch takes less time than the host's round trip, so a trial that did not wait at its
    // rung for the decision would overrun it. Seed 335 samples lr 0.15 and 0.14 for trials 1 and 2, at most 0.013 for
    // the seven others, which trail both at epoch 1 (checked below). That makes pruning certain whatever order the
    // parallel trials reach the first rung: trials 3 to 9 start only once trial 1 or 2 has ended, so after it was
    // judged there, and the first of them to be judged there is compared with at most two values, keeps one (Optuna's
    // rule) and is behind.
    const result = await runCli(
      [
        'sweep', '--dataset', 'iris', '--hidden', '8', '--batch-size', '64', '--backend', 'wasm', '--strategy', 'asha', '--trials', '9', '--epochs', '9',
        '--param', 'lr=loguniform(1e-4,1)', '--objective', 'val_loss:min', '--parallel', '2', '--seed', '335', '--json', '--db', db,
      ],
      { timeoutMs: 150_000 },
    );
    const sweep = parseSweepJson(result);
    expect(sweep).toMatchObject({ status: 'finished', strategy: 'asha' });
    expect(sweep.trials).toHaveLength(9);
    const atFirstRung = new Map(
      withReadonlyDb(db, (d) => d.prepare("SELECT r.trial, m.value FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.sweep_id = ? AND m.key = 'val_loss' AND m.step = 1").all(sweep.sweep_id) as { trial: number; value: number }[]).map((row) => [
        row.trial,
        row.value,
      ]),
    );
    const leaders = Math.max(atFirstRung.get(1) as number, atFirstRung.get(2) as number);
    for (const trial of [3, 4, 5, 6, 7, 8, 9]) expect(atFirstRung.get(trial), `trial ${trial} trails trials 1 and 2 at epoch 1`).toBeGreaterThan(leaders);

    const pruned = sweep.trials.filter((t) => t.status === 'pruned');
    const finished = sweep.trials.filter((t) => t.status === 'finished');
    expect(pruned.length, 'some trials are pruned').toBeGreaterThan(0);
    expect(finished.length, 'the best go on to the last epoch').toBeGreaterThan(0);
    expect(pruned.length + finished.length).toBe(9);
    for (const t of finished) expect(t.epochs).toBe(9);
    // The rungs are at epochs 1 and 3 (min epochs 1, factor 3): a pruned trial stopped at one of them, not after it.
    for (const t of pruned) expect([1, 3], `trial ${t.trial} has ${t.epochs} epochs`).toContain(t.epochs);

    // Each pruned run is stored as pruned, says why it stopped, and keeps every epoch up to its rung, whole.
    const runs = await sweepRuns(db, sweep.sweep_id);
    expect(runs).toHaveLength(9);
    const steps = withReadonlyDb(db, (d) => d.prepare('SELECT run_id, step, count(*) AS n FROM metrics GROUP BY run_id, step ORDER BY run_id, step').all() as { run_id: number; step: number; n: number }[]);
    for (const t of pruned) {
      const run = runs.find((r) => r.run_id === t.run_id);
      expect(run?.status).toBe('pruned');
      expect(run?.outcome?.stop_reason).toBe('pruned');
      expect(run?.error).toBeNull();
      expect(run?.epochs).toBe(t.epochs);
      expect(run?.metrics.val_loss, 'its last epoch\'s metrics are kept').toEqual(expect.any(Number));
      const logged = steps.filter((row) => row.run_id === t.run_id);
      expect(logged.map((row) => row.step), `trial ${t.trial}`).toEqual(Array.from({ length: t.epochs }, (_, i) => i + 1));
      for (const row of logged) expect(row.n, `trial ${t.trial}, epoch ${row.step}: every metric`).toBe(5);
    }
    const [summary] = await listSweeps(db);
    expect(summary?.asha).toEqual({ min_epochs: 1, max_epochs: 9, reduction_factor: 3 });
    expect(summary?.counts).toMatchObject({ pruned: pruned.length, finished: finished.length, failed: 0, running: 0, pending: 0 });
    expect(summary?.epochs_trained).toBe(sweep.trials.reduce((n, t) => n + t.epochs, 0));
  }, 180_000);
});

describe('runboard sweep --strategy tpe (issue 16)', () => {
  it('runs 14 trials 2 at once with ASHA pruning: every trial drawn inside the space as it started, some pruned at a rung, and the sweep says tpe', async () => {
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(
      [
        'sweep', '--dataset', 'iris', '--hidden', '8', '--backend', 'wasm', '--strategy', 'tpe', '--pruner', 'asha', '--trials', '14', '--epochs', '3',
        '--param', 'lr=loguniform(1e-3,1)', '--param', 'momentum=uniform(0.5,0.99)', '--param', 'optimizer=choice(sgd,adam)', '--param', 'batch_size=int(8,64)',
        '--objective', 'val_loss:min', '--parallel', '2', '--seed', '3', '--json', '--db', db,
      ],
      { timeoutMs: 150_000 },
    );
    const sweep = parseSweepJson(result);
    expect(sweep).toMatchObject({ status: 'finished', strategy: 'tpe', objective: 'val_loss:min' });
    expect(sweep.trials).toHaveLength(14);
    for (const t of sweep.trials) {
      expect(['finished', 'pruned']).toContain(t.status);
      expect(t.params.lr).toBeGreaterThanOrEqual(1e-3);
      expect(t.params.lr).toBeLessThanOrEqual(1);
      expect(t.params.momentum).toBeGreaterThanOrEqual(0.5);
      expect(t.params.momentum).toBeLessThanOrEqual(0.99);
      expect(['sgd', 'adam']).toContain(t.params.optimizer);
      expect(Number.isInteger(t.params.batch_size)).toBe(true);
      expect(t.params.batch_size).toBeGreaterThanOrEqual(8);
      expect(t.params.batch_size).toBeLessThanOrEqual(64);
    }
    expect(sweep.trials.some((t) => t.status === 'pruned'), 'ASHA pruned some').toBe(true);
    const runs = await sweepRuns(db, sweep.sweep_id);
    for (const t of sweep.trials) expect(runs.find((r) => r.run_id === t.run_id)?.params.batch_size).toBe(t.params.batch_size);
    const [summary] = await listSweeps(db);
    expect(summary).toMatchObject({ strategy: 'tpe', asha: { min_epochs: 1, max_epochs: 3, reduction_factor: 3 } });
  }, 180_000);
});

describe('runboard sweeps and runboard export --sweep', () => {
  it('an empty database has no sweeps: a hint in text, [] in JSON', async () => {
    const db = join(makeTempDir(), 'x.db');
    const text = await runCli(['sweeps', '--db', db]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^No sweeps yet\. Start one with: runboard sweep /);
    expect(await listSweeps(db)).toEqual([]);
  });

  describe('a finished sweep, next to a run outside it', () => {
    let dir: string;
    let db: string;
    let sweep: SweepJson;

    beforeAll(async () => {
      dir = makeTempDir();
      db = join(dir, 'x.db');
      // A run outside the sweep first, so trial numbers and run ids differ, and the export must leave it out.
      const solo = await runCli(['train', '--dataset', 'iris', '--hidden', '8', '--epochs', '1', '--backend', 'wasm', '--seed', '1', '--json', '--db', db]);
      if (solo.code !== 0) throw new Error(`the run outside the sweep failed: ${solo.stderr}`);
      // An objective only a test split logs, accepted because the trials have one; a name and an experiment.
      sweep = parseSweepJson(
        await runCli(
          ['sweep', ...TINY_FIXED, '--strategy', 'random', '--trials', '3', '--param', 'lr=loguniform(1e-3,1e-1)', '--test-split', '0.2', '--objective', 'test_accuracy:max', '--name', 'tuned', '--experiment', 'tuning', '--seed', '11', '--json', '--db', db],
          { timeoutMs: 120_000 },
        ),
      );
    }, 150_000);

    it('sweep --json reports it with its name and objective, its trials being the runs after the first', () => {
      expect(sweep).toMatchObject({ sweep_id: 1, name: 'tuned', status: 'finished', objective: 'test_accuracy:max' });
      expect(sweep.trials.map((t) => t.run_id)).toEqual([2, 3, 4]);
      expect(sweep.trials.every((t) => t.status === 'finished' && typeof t.value === 'number')).toBe(true);
    });

    it('sweeps --json lists it with its space, fixed options, objective, seed, counts, best and epochs trained', async () => {
      const [listed, ...others] = await listSweeps(db);
      expect(others).toEqual([]);
      expect(listed).toMatchObject({
        sweep_id: 1,
        name: 'tuned',
        experiment: 'tuning',
        status: 'finished',
        strategy: 'random',
        space: [{ name: 'lr', distribution: 'loguniform(0.001,0.1)' }],
        fixed: { dataset: 'iris', epochs: 2, hidden: [8], backend: 'wasm', test_split: 0.2 },
        objective: { metric: 'test_accuracy', direction: 'max' },
        trials_planned: 3,
        seed: 11,
        parallel: 2,
        counts: { pending: 0, running: 0, finished: 3, pruned: 0, failed: 0 },
        best_run_id: sweep.best_run_id,
        best_value: sweep.best_value,
        epochs_trained: 6,
      });
      expect(listed?.ended_at).toBeGreaterThanOrEqual(listed?.created_at as number);
    });

    it('sweeps (text) shows a table: id, name, strategy, status, trials, done, pruned, failed, objective, best, best run', async () => {
      const text = await runCli(['sweeps', '--db', db]);
      expect(text.code).toBe(0);
      const [header, rule, row, ...rest] = text.stdout.trimEnd().split('\n');
      expect(header?.split(/\s{2,}/)).toEqual(['id', 'name', 'strategy', 'status', 'trials', 'done', 'pruned', 'failed', 'objective', 'best', 'best run']);
      expect(rule).toMatch(/^[- ]+$/);
      expect(row?.split(/\s{2,}/)).toEqual(['1', 'tuned', 'random', 'finished', '3', '3', '0', '0', 'test_accuracy:max', expect.stringMatching(/^[\d.]+$/), String(sweep.best_run_id)]);
      expect(rest).toEqual([]);
    });

    it('export --sweep --format csv: one row per trial, a trial column after duration_s, strict CSV, nothing outside the sweep', async () => {
      const csv = await runCli(['export', '--sweep', '1', '--format', 'csv', '--db', db]);
      expect(csv.code, csv.stderr).toBe(0);
      const header = headerOf(csv.stdout);
      expect(header.slice(0, 8)).toEqual(['run_id', 'name', 'experiment', 'status', 'backend', 'started_at', 'duration_s', 'trial']);
      expect(header).toEqual(expect.arrayContaining(['params.lr', 'metrics.test_accuracy', 'best.test_accuracy']));
      const rows = parseCsv(csv.stdout);
      expect(rows.map((r) => [r.run_id, r.trial, r.name, r.status])).toEqual(sweep.trials.map((t) => [String(t.run_id), String(t.trial), `sweep1-trial${t.trial}`, 'finished']));
      for (const row of rows) {
        const trial = sweep.trials.find((t) => String(t.trial) === row.trial);
        expect(Number(row['params.lr'])).toBe(trial?.params.lr);
        expect(Number(row['best.test_accuracy'])).toBe(trial?.value);
      }

      // To a file: the same rows, and stderr says how many went out.
      const out = join(dir, 'sweep.csv');
      const toFile = await runCli(['export', '--sweep', '1', '--out', out, '--db', db]);
      expect(toFile.code, toFile.stderr).toBe(0);
      expect(toFile.stderr).toMatch(/Exported 3 run\(s\) to /);
      expect(parseCsv(readFileSync(out, 'utf8')).map((r) => r.trial)).toEqual(['1', '2', '3']);
    });

    it('export --sweep --format json says which trial each row is', async () => {
      const result = await runCli(['export', '--sweep', '1', '--format', 'json', '--db', db]);
      expect(result.code, result.stderr).toBe(0);
      const rows = JSON.parse(result.stdout) as { run_id: number; trial?: number }[];
      expect(rows.map((r) => [r.run_id, r.trial])).toEqual(sweep.trials.map((t) => [t.run_id, t.trial]));
    });

    it('the trials are runs of the sweep\'s experiment (--experiment)', async () => {
      const inExperiment = (await listRuns(db, ['--experiment', 'tuning'])) as TrialRunJson[];
      expect(inExperiment.map((r) => r.run_id).sort()).toEqual([2, 3, 4]);
      const csv = parseCsv((await runCli(['export', '--sweep', '1', '--db', db])).stdout);
      expect(csv.map((r) => r.experiment)).toEqual(['tuning', 'tuning', 'tuning']);
    });
  });

  it('export --sweep of a sweep that does not exist, or that is not an id, is refused with exit 2 naming --sweep', async () => {
    const db = join(makeTempDir(), 'x.db');
    const missing = await runCli(['export', '--sweep', '999', '--format', 'csv', '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^runboard: --sweep: sweep 999 does not exist/m);
    expect(missing.stdout).toBe('');
    for (const bad of ['abc', '0', '1.5']) {
      const result = await runCli(['export', '--sweep', bad, '--db', db]);
      expect(result.code, `--sweep ${bad}`).toBe(2);
      expect(result.stderr).toMatch(/--sweep/);
      expect(result.stdout).toBe('');
    }
  });
});
