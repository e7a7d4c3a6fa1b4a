import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCore, type Core } from '../src-main/core';
import { sweepRequestSchema, type SweepRequestInput } from '../src-shared/entities/sweep';
import { trainConfigSchema } from '../src-shared/entities/train-config';
import { median, round, sideBySide } from './stats';

async function withCore<T>(body: (core: Core) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'runboard-bench-'));
  const core = await openCore({ db: { path: join(dir, 'sweep.db'), explicit: true }, host: 'cli' });
  try {
    return await body(core);
  } finally {
    await core.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runSweep(core: Core, input: SweepRequestInput) {
  const started = performance.now();
  const sweep = await core.sweeps.start(sweepRequestSchema.parse(input));
  const status = await core.sweeps.wait(sweep.sweep_id);
  if (status !== 'finished') throw new Error(`benchmark sweep ended ${status}`);
  const detail = await core.store.sweeps.get(sweep.sweep_id);
  if (!detail) throw new Error('sweep vanished');
  return { seconds: (performance.now() - started) / 1000, detail };
}

const FIXED = { dataset: 'digits', hidden: [64], epochs: 4, backend: 'wasm' };

/** Seconds for `count` Node processes running `args` (a script and its arguments), all at once. */
function atOnce(count: number, args: readonly string[]): Promise<number> {
  const started = performance.now();
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`))));
    });
  return Promise.all(Array.from({ length: count }, one)).then(() => (performance.now() - started) / 1000);
}

/** A CPU-bound Node process: a fixed busy loop. */
const BUSY_LOOP = ['-e', 'let x = 0; for (let i = 0; i < 3e8; i++) x += i % 7; if (x < 0) console.log(x);'];

/**
 * The machine's own two-process ceiling for `args` (a Node script and its arguments): two such processes one after
 * the other divided by two at once, side by side over `rounds` (a shared VM's two cores rarely give a full 2x). What
 * any two-way parallelism of that work can reach here.
 */
export async function twoProcessCeiling(rounds: number, args: readonly string[] = BUSY_LOOP): Promise<number> {
  const machine = await sideBySide(rounds, () => atOnce(2, args), async () => (await atOnce(1, args)) + (await atOnce(1, args)));
  return median(machine.b) / median(machine.a);
}

/**
 * Trial-epochs per second of the issue's own sweep (random search, 6 trials of 10 epochs on digits, lr and momentum
 * searched, seed 7) at --parallel 2, divided by the same sweep at --parallel 1. Beside it, the machine's own ceiling:
 * two busy-loop processes at once against one after the other (a shared VM's two cores rarely give a full 2x).
 */
export async function benchSweepParallelism(rounds: number): Promise<Record<string, number>> {
  const throughput = (parallel: number) =>
    withCore(async (core) => {
      const { seconds, detail } = await runSweep(core, {
        strategy: 'random',
        trials: 6,
        params: ['lr=loguniform(1e-4,1e-2)', 'momentum=uniform(0.85,0.99)'],
        fixed: { dataset: 'digits', epochs: 10, backend: 'wasm' },
        parallel,
        seed: 7,
      });
      return detail.epochs_trained / seconds;
    });
  const result = await sideBySide(rounds, () => throughput(2), () => throughput(1));
  const two = median(result.a);
  const one = median(result.b);
  const machine = await twoProcessCeiling(rounds);
  return {
    sweep_parallel_ratio: round(two / one),
    sweep_epochs_per_s_parallel_2: round(two, 2),
    sweep_epochs_per_s_parallel_1: round(one, 2),
    machine_parallel_ratio: round(machine),
  };
}

/**
 * The sweep's own cost: a 4-trial sweep at --parallel 1, whose wall time beyond its trials' own lifetimes (each run
 * from its creation to its end, as stored) is what the sweep adds: planning, bookkeeping, starting the next trial.
 * Beside it, the same four configurations started one after the other directly through the trainer host, each in a
 * fresh process (what a sweep saves by reusing warm processes).
 */
export async function benchSweepBookkeeping(rounds: number): Promise<Record<string, number>> {
  const lrs = [0.05, 0.02, 0.01, 0.005];
  const viaSweep = () =>
    withCore(async (core) => {
      const { seconds, detail } = await runSweep(core, { strategy: 'grid', params: [`lr=[${lrs.join(',')}]`], fixed: FIXED, parallel: 1, seed: 1 });
      const runs = (await core.store.listRuns()).filter((r) => r.sweep_id === detail.sweep_id);
      const trialSeconds = runs.reduce((sum, r) => sum + ((r.ended_at ?? r.created_at) - r.created_at) / 1000, 0);
      return { seconds, overhead: seconds / trialSeconds - 1 };
    });
  const bare = () =>
    withCore(async (core) => {
      const started = performance.now();
      for (const [i, lr] of lrs.entries()) {
        const run = await core.trainer.start(trainConfigSchema.parse({ ...FIXED, lr, seed: (1 * 1_000_003 + i + 1) >>> 0 }));
        await core.trainer.wait(run.run_id);
      }
      return { seconds: (performance.now() - started) / 1000, overhead: 0 };
    });
  const result = await sideBySide(rounds, viaSweep, bare);
  const sweep = median(result.a.map((r) => r.seconds));
  const separate = median(result.b.map((r) => r.seconds));
  return {
    sweep_bookkeeping_overhead: round(median(result.a.map((r) => r.overhead))),
    sweep_seconds: round(sweep, 2),
    separate_runs_seconds: round(separate, 2),
    sweep_vs_separate_runs: round(sweep / separate),
  };
}

/**
 * ASHA against random search with the same trials (same seed, so the same sampled params and training seeds):
 * does ASHA reach random search's best objective, and with what fraction of its epochs? Averaged over seeds.
 */
export async function benchAshaVsRandom(seeds: number[]): Promise<Record<string, number>> {
  const space = ['lr=loguniform(1e-4,1)', 'momentum=uniform(0.5,0.99)'];
  const fixed = { dataset: 'digits', hidden: [32], epochs: 9, backend: 'wasm' };
  const fractions: number[] = [];
  let reached = 0;
  for (const seed of seeds) {
    await withCore(async (core) => {
      const random = await runSweep(core, { strategy: 'random', trials: 9, params: space, fixed, parallel: 2, seed });
      const asha = await runSweep(core, { strategy: 'asha', trials: 9, params: space, fixed, parallel: 2, seed, min_epochs: 1, reduction_factor: 3 });
      fractions.push(asha.detail.epochs_trained / random.detail.epochs_trained);
      if ((asha.detail.best_value as number) >= (random.detail.best_value as number) - 1e-9) reached++;
    });
  }
  return {
    asha_epoch_fraction: round(fractions.reduce((a, b) => a + b, 0) / fractions.length),
    asha_reached_random_best: reached,
    asha_seeds: seeds.length,
  };
}
