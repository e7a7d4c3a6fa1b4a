/**
 * Issue 4, "Bad input": a sweep request that cannot run as asked is refused before any trial starts, with exit
 * status 2, the parameter or flag at fault named on stderr, and nothing written: no sweep, no trial, no run.
 * Also `sweep resume` of a sweep that does not exist or has finished, and malformed `sweep` actions.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliIsBuilt, killAll, makeTempDir, removeTempDirs, runCli, withReadonlyDb } from './helpers';

/** The tiny trial every case starts from; a case adds the flags under test. */
const TINY_SWEEP = ['sweep', '--dataset', 'iris', '--hidden', '8', '--epochs', '2', '--backend', 'wasm', '--parallel', '2', '--seed', '1'] as const;
const ONE_PARAM = ['--param', 'lr=loguniform(1e-3,1e-1)'] as const;

/** 40 x 30 = 1200 combinations: over the 1000 that need --yes. */
const BIG_GRID = [
  '--strategy',
  'grid',
  '--param',
  `lr=[${Array.from({ length: 40 }, (_, i) => ((i + 1) / 1000).toFixed(3)).join(',')}]`,
  '--param',
  `momentum=[${Array.from({ length: 30 }, (_, i) => (0.5 + i / 100).toFixed(2)).join(',')}]`,
];

interface Counts {
  sweeps: number;
  trials: number;
  runs: number;
  metrics: number;
}

/** What the database holds (all zero when the file was never created). */
function counts(db: string): Counts {
  if (!existsSync(db)) return { sweeps: 0, trials: 0, runs: 0, metrics: 0 };
  return withReadonlyDb(db, (d) => {
    const tables = new Set((d.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
    const count = (table: string) => (tables.has(table) ? (d.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n : 0);
    return { sweeps: count('sweeps'), trials: count('sweep_trials'), runs: count('runs'), metrics: count('metrics') };
  });
}

const NOTHING: Counts = { sweeps: 0, trials: 0, runs: 0, metrics: 0 };

interface Case {
  what: string;
  args: readonly string[];
  /** Each must appear on stderr: the flag, the parameter, and what is wrong. */
  says: RegExp[];
}

const CASES: Case[] = [
  { what: 'loguniform with a bound <= 0', args: ['--param', 'lr=loguniform(0,1e-2)'], says: [/--param/, /\blr\b/, /loguniform\(0,1e-2\)/, /above 0/] },
  { what: 'a lower bound above the upper', args: ['--param', 'momentum=uniform(0.99,0.85)'], says: [/--param/, /momentum/, /lower bound is above the upper/] },
  { what: 'int(1.5,3)', args: ['--param', 'batch_size=int(1.5,3)'], says: [/--param/, /batch_size/, /whole numbers/] },
  { what: 'an empty choice()', args: ['--param', 'optimizer=choice()'], says: [/--param/, /optimizer/, /empty/] },
  { what: 'an unknown parameter', args: ['--param', 'learning_rate=uniform(0,1)'], says: [/--param/, /unknown parameter "learning_rate"/, /searchable: .*\blr\b/] },
  { what: 'a distribution that does not exist', args: ['--param', 'lr=normal(0,1)'], says: [/--param/, /\blr\b/, /not a distribution/] },
  { what: 'a --param without NAME=', args: ['--param', 'lr'], says: [/--param/, /NAME=DISTRIBUTION/] },
  { what: 'the same parameter searched twice', args: ['--param', 'lr=[0.1]', '--param', 'lr=[0.2]'], says: [/--param/, /lr is searched twice/] },
  { what: 'no --param at all', args: [], says: [/--param/] },
  { what: '--trials 0', args: [...ONE_PARAM, '--trials', '0'], says: [/--trials/, /at least 1/] },
  { what: 'a negative --trials', args: [...ONE_PARAM, '--trials', '-3'], says: [/--trials/] },
  { what: '--trials that is not a number', args: [...ONE_PARAM, '--trials', 'many'], says: [/--trials/, /number/] },
  { what: '--parallel 0', args: [...ONE_PARAM, '--parallel', '0'], says: [/--parallel/, /at least 1/] },
  { what: '--parallel that is not whole', args: [...ONE_PARAM, '--parallel', '1.5'], says: [/--parallel/, /whole/] },
  { what: 'an objective metric that is never logged (f1)', args: [...ONE_PARAM, '--objective', 'f1:max'], says: [/--objective/, /\bf1\b/, /never logged/] },
  { what: 'test_accuracy as the objective without --test-split', args: [...ONE_PARAM, '--objective', 'test_accuracy:max'], says: [/--objective/, /test_accuracy/, /never logged/] },
  { what: 'an objective direction other than max or min', args: [...ONE_PARAM, '--objective', 'val_accuracy:maximum'], says: [/--objective/, /:max or .*:min/] },
  { what: 'a grid of more than 1000 trials without --yes', args: BIG_GRID, says: [/--yes/, /1200 trials/, /more than 1000/] },
  { what: 'a value the option refuses (dropout up to 1.5)', args: ['--param', 'dropout=uniform(0,1.5)'], says: [/--param/, /dropout/, /1\.5/, /below 1/] },
  { what: 'a listed value the option refuses (batch size 0)', args: ['--param', 'batch_size=[0,16]'], says: [/--param/, /batch_size/, /at least 1/] },
  { what: 'an optimiser that does not exist in a choice', args: ['--param', 'optimizer=choice(sgd,lbfgs)'], says: [/--param/, /optimizer/, /lbfgs/] },
  { what: 'a searched parameter also given as a fixed flag', args: ['--lr', '0.1', '--param', 'lr=[0.1,0.01]'], says: [/\blr\b/, /both searched and fixed/] },
  { what: 'epochs searched (it is the budget of each trial)', args: ['--param', 'epochs=[1,2]'], says: [/--param/, /unknown parameter "epochs"/] },
  { what: 'TPE over a space with nothing to search', args: ['--strategy', 'tpe', '--param', 'momentum=uniform(0.9,0.9)', '--param', 'optimizer=choice(adam)'], says: [/--param/, /TPE has nothing to search/, /momentum=uniform\(0\.9,0\.9\)/] },
  { what: 'a warm start for a strategy other than TPE', args: [...ONE_PARAM, '--strategy', 'random', '--warm-start', 'default'], says: [/--warm-start/, /only TPE learns from earlier runs/] },
  { what: 'a warm start from an experiment or sweep that does not exist', args: [...ONE_PARAM, '--strategy', 'tpe', '--warm-start', 'nowhere'], says: [/--warm-start/, /no experiment or sweep "nowhere"/] },
  { what: 'a warm start from an experiment without finished runs', args: [...ONE_PARAM, '--strategy', 'tpe', '--warm-start', 'experiment:default'], says: [/--warm-start/, /experiment default has no finished run/] },
  { what: 'an unknown pruner', args: [...ONE_PARAM, '--pruner', 'median'], says: [/--pruner/, /none or asha/] },
  { what: 'an unknown strategy', args: [...ONE_PARAM, '--strategy', 'bayes'], says: [/--strategy/, /grid, random, asha/] },
  { what: 'no dataset', args: ['sweep', '--param', 'lr=[0.1]'], says: [/--dataset/] },
  { what: 'an unknown dataset', args: [...ONE_PARAM, '--dataset', 'mnist'], says: [/--dataset/, /mnist/] },
  { what: 'asha with a per-run (test) objective', args: [...ONE_PARAM, '--strategy', 'asha', '--test-split', '0.2', '--objective', 'test_accuracy:max'], says: [/--objective/, /epoch by epoch/] },
  { what: 'asha whose first rung is not before the last epoch', args: [...ONE_PARAM, '--strategy', 'asha', '--epochs', '3', '--min-epochs', '3'], says: [/--min-epochs/] },
  { what: 'asha with a reduction factor of 1', args: [...ONE_PARAM, '--strategy', 'asha', '--reduction-factor', '1'], says: [/--reduction-factor/, /at least 2/] },
  // A grid needs lists: the message should name the continuous parameter, not ask for --yes (which would not help).
  { what: 'a grid with a continuous distribution', args: ['--strategy', 'grid', '--param', 'lr=[0.1,0.01]', '--param', 'momentum=uniform(0.85,0.99)'], says: [/--param/, /momentum/, /grid search needs a list/] },
  // Searched values are checked against the dataset too, as `train --val-split 0.001` is: iris has 150 rows.
  { what: 'a searched value the dataset refuses (val_split 0.001 on iris)', args: ['--strategy', 'grid', '--param', 'val_split=[0.2,0.001]'], says: [/val_split/, /0\.001/, /validation/] },
];

beforeAll(() => assertCliIsBuilt());
afterAll(() => {
  killAll();
  removeTempDirs();
});

describe.concurrent('runboard sweep refuses bad input before any trial starts', () => {
  for (const c of CASES) {
    it(`refuses ${c.what} with exit status 2, naming it, and writes nothing`, async () => {
      const db = join(makeTempDir(), 'x.db');
      const args = c.args[0] === 'sweep' ? [...c.args] : [...TINY_SWEEP, ...c.args];
      const result = await runCli([...args, '--db', db], { timeoutMs: 60_000 });
      expect(result.code, `exit status; stderr: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/^runboard: /m);
      for (const says of c.says) expect(result.stderr).toMatch(says);
      expect(result.stdout, 'nothing on stdout: no sweep was started').toBe('');
      expect(counts(db)).toEqual(NOTHING);
    }, 60_000);
  }
});

describe('the --yes that a big grid needs', () => {
  it('with --yes the size is no longer refused: the request goes on to the next check', async () => {
    // The same 1200-trial grid, made unrunnable by a combination (val_split 0.5 + test_split 0.5 leaves no training
    // data) that is checked only after the size: so nothing ever runs, and the message shows which check spoke.
    const unrunnable = [...BIG_GRID, '--param', 'val_split=[0.5]', '--param', 'test_split=[0.5]'];
    const dir = makeTempDir();
    const without = await runCli([...TINY_SWEEP, ...unrunnable, '--db', join(dir, 'a.db')]);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/--yes: this grid has 1200 trials/);

    const withYes = await runCli([...TINY_SWEEP, ...unrunnable, '--yes', '--db', join(dir, 'b.db')]);
    expect(withYes.code).toBe(2);
    expect(withYes.stderr).not.toMatch(/--yes|1200 trials|more than 1000/);
    expect(withYes.stderr).toMatch(/trial 1 .* is not a valid configuration: val_split 0\.5 and test_split 0\.5 leave no training data/);
    expect(counts(join(dir, 'a.db'))).toEqual(NOTHING);
    expect(counts(join(dir, 'b.db'))).toEqual(NOTHING);
  }, 60_000);
});

describe('runboard sweep resume refuses what it cannot resume', () => {
  it('a sweep that does not exist: exit 2, naming it, and nothing written', async () => {
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(['sweep', 'resume', '999', '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^runboard: Sweep 999 does not exist/m);
    expect(result.stdout).toBe('');
    expect(counts(db)).toEqual(NOTHING);
  });

  it('a finished sweep: exit 2 with a clear message, and no trial runs again', async () => {
    const db = join(makeTempDir(), 'x.db');
    const done = await runCli(['sweep', '--dataset', 'iris', '--hidden', '8', '--epochs', '1', '--backend', 'wasm', '--strategy', 'grid', '--param', 'lr=[0.1]', '--parallel', '1', '--json', '--db', db]);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ sweep_id: 1, status: 'finished' });
    const before = counts(db);
    expect(before).toMatchObject({ sweeps: 1, trials: 1, runs: 1 });

    const result = await runCli(['sweep', 'resume', '1', '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^runboard: Sweep 1 has finished/m);
    expect(result.stdout).toBe('');
    expect(counts(db)).toEqual(before);
  }, 90_000);

  const malformed: [string, string[], RegExp][] = [
    ['no sweep id', ['sweep', 'resume'], /sweep resume needs a sweep id/],
    ['a sweep id that is not a number', ['sweep', 'resume', 'abc'], /sweep resume needs a sweep id/],
    ['a sweep id of 0', ['sweep', 'resume', '0'], /sweep resume needs a sweep id/],
    ['an unknown action', ['sweep', 'restart', '1'], /Unknown sweep action "restart"/],
  ];
  for (const [what, args, says] of malformed) {
    it(`${what}: exit 2, saying how to call it`, async () => {
      const db = join(makeTempDir(), 'x.db');
      const result = await runCli([...args, '--db', db]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(says);
      expect(counts(db)).toEqual(NOTHING);
    });
  }
});
