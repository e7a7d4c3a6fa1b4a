import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openCore } from '../src-main/core';
import { sweepRequestSchema, type SweepRequestInput } from '../src-shared/entities/sweep';
import { median, round } from './stats';

/**
 * Issue 16's check against Optuna: on the digits MLP (one hidden layer of 32, SGD, 5 epochs a trial, wasm), lr and
 * weight decay (log-uniform), momentum and dropout (uniform) are searched for 30 trials, with 5 seeds; the objective is
 * the best validation loss (val_loss over a trial's epochs, lowest; loss rather than accuracy, which saturates on
 * digits and ties). Three searchers, trials one at a time:
 * - Runboard's TPE (`runboard sweep --strategy tpe`), in this process;
 * - Optuna's TPESampler (Debian's python3-optuna, its defaults), driving the same trainer through the CLI: one
 *   `runboard train ... --json` per trial, ask and tell (`optuna_driver.py`), each trial's training seed derived
 *   from the seed and trial number as a sweep's are;
 * - Runboard's random search (the same seed as its TPE: their first 10 trials are the same).
 * The Optuna studies run in child processes beside the Runboard sweeps.
 */
const SPACE = [
  { name: 'lr', kind: 'loguniform', low: 1e-3, high: 1 },
  { name: 'momentum', kind: 'uniform', low: 0, high: 0.99 },
  { name: 'dropout', kind: 'uniform', low: 0, high: 0.6 },
  { name: 'weight_decay', kind: 'loguniform', low: 1e-6, high: 1e-2 },
] as const;
const FIXED = { dataset: 'digits', hidden: [32], epochs: 5, backend: 'wasm' } as const;
const FIXED_FLAGS = ['--dataset', 'digits', '--hidden', '32', '--epochs', '5', '--backend', 'wasm'];
const TRIALS = 30;
const OBJECTIVE = 'val_loss';

const PYTHON = '/usr/bin/python3';
const CLI = resolve(import.meta.dirname, '../main/cli.js');
const DRIVER = resolve(import.meta.dirname, '../../bench/optuna_driver.py');

/**
 * Optuna's best objective for each seed: one study per seed, each in its own child process, all at once (a trial
 * through the CLI pays a process start and the trainer's set-up, which a sweep's warm workers do not: one study after
 * another would take three times as long as the Runboard sweeps beside them).
 */
async function optunaBest(seeds: readonly number[], dir: string): Promise<(number | null)[]> {
  return Promise.all(seeds.map((seed) => optunaStudy(seed, dir)));
}

async function optunaStudy(seed: number, dir: string): Promise<number | null> {
  const spec = { node: process.execPath, cli: CLI, db: join(dir, `optuna-${seed}.db`), seed, trials: TRIALS, fixed: FIXED_FLAGS, space: SPACE, objective: OBJECTIVE, direction: 'minimize' };
  const line = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(PYTHON, [DRIVER, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolvePromise(stdout.trim()) : reject(new Error(`optuna_driver.py exited ${code}: ${stderr}`))));
  });
  return (JSON.parse(line) as { best: number | null }).best;
}

/** Runboard's best objective for each seed, with this strategy, sweeps one after another. */
async function runboardBest(strategy: 'tpe' | 'random', seeds: readonly number[], dir: string): Promise<(number | null)[]> {
  const core = await openCore({ db: { path: join(dir, `runboard-${strategy}.db`), explicit: true }, host: 'cli' });
  try {
    const out: (number | null)[] = [];
    for (const seed of seeds) {
      const input: SweepRequestInput = {
        strategy,
        trials: TRIALS,
        params: SPACE.map((p) => `${p.name}=${p.kind}(${p.low},${p.high})`),
        fixed: { ...FIXED, hidden: [...FIXED.hidden] },
        objective: `${OBJECTIVE}:min`,
        parallel: 1,
        seed,
      };
      const sweep = await core.sweeps.start(sweepRequestSchema.parse(input));
      const status = await core.sweeps.wait(sweep.sweep_id);
      if (status !== 'finished') throw new Error(`the ${strategy} sweep of seed ${seed} ended ${status}`);
      const best = (await core.store.sweeps.get(sweep.sweep_id))?.best_value;
      out.push(typeof best === 'number' ? best : null);
    }
    return out;
  } finally {
    await core.dispose();
  }
}

const finiteMedian = (values: readonly (number | null)[]) => median(values.filter((v): v is number => v !== null));

/** The median best validation loss over the seeds of each searcher, and each seed's (see the file's comment). */
export async function benchTpeVsOptuna(seeds: readonly number[]): Promise<Record<string, number | string>> {
  if (!existsSync(PYTHON)) return { tpe_vs_optuna: `skipped: ${PYTHON} is missing (Debian's python3-optuna is the reference)` };
  const dir = mkdtempSync(join(tmpdir(), 'runboard-bench-tpe-'));
  const started = performance.now();
  try {
    const [optuna, [tpe, random]] = await Promise.all([
      optunaBest(seeds, dir),
      (async () => [await runboardBest('tpe', seeds, dir), await runboardBest('random', seeds, dir)] as const)(),
    ]);
    const list = (values: readonly (number | null)[]) => values.map((v) => (v === null ? '-' : round(v, 4))).join(' ');
    return {
      tpe_vs_optuna_objective: `best ${OBJECTIVE} (min) over ${TRIALS} trials of ${FIXED.epochs} epochs, seeds ${seeds.join(',')}`,
      tpe_median_best_runboard: round(finiteMedian(tpe), 4),
      tpe_median_best_optuna: round(finiteMedian(optuna), 4),
      random_median_best_runboard: round(finiteMedian(random), 4),
      tpe_per_seed_runboard: list(tpe),
      tpe_per_seed_optuna: list(optuna),
      random_per_seed_runboard: list(random),
      tpe_vs_optuna_minutes: round((performance.now() - started) / 60_000, 1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
