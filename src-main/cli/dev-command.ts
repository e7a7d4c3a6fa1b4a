import type { Command } from 'commander';
import { AppError } from '../../src-shared/api/errors';
import { openCore } from '../core';
import { seedRuns } from '../dev/seed-runs';
import { resolveDbLocation } from '../paths';
import { EXIT, type CliIo } from './io';

/** `runboard dev seed --runs N [--epochs 50] [--seed 1] [--db PATH]`: synthetic runs for benchmarks and for trying the UI at scale. */
export function registerDevCommand(program: Command, io: CliIo, result: { code: number }, dbHelp: string): void {
  const dev = program.command('dev').description('developer tools');
  dev
    .command('seed')
    .description('fill a database with realistic synthetic runs (about 20 params, 6 metrics per epoch)')
    .requiredOption('--runs <n>', 'how many runs')
    .option('--epochs <n>', 'epochs per run (default 50)')
    .option('--seed <n>', 'seed of the generator (default 1)')
    .option('--db <path|url>', dbHelp)
    .action(async (flags: { runs: string; epochs?: string; seed?: string; db?: string }) => {
      const runs = Number(flags.runs);
      const epochs = flags.epochs === undefined ? 50 : Number(flags.epochs);
      const seed = flags.seed === undefined ? 1 : Number(flags.seed);
      if (!Number.isInteger(runs) || runs < 1 || runs > 1_000_000) throw new AppError('BAD_INPUT', '--runs: a whole number from 1 to 1000000.');
      if (!Number.isInteger(epochs) || epochs < 1 || epochs > 10_000) throw new AppError('BAD_INPUT', '--epochs: a whole number from 1 to 10000.');
      if (!Number.isInteger(seed) || seed < 0) throw new AppError('BAD_INPUT', '--seed: a whole number from 0.');
      const core = await openCore({ db: resolveDbLocation(flags.db, io.env), host: 'cli' });
      try {
        const started = Date.now();
        const live = io.stderr.isTTY === true;
        await seedRuns(core.store, {
          runs,
          epochs,
          seed,
          onProgress: (done) => {
            if (live) io.stderr.write(`\rseeded ${done}/${runs} runs\x1b[K`);
          },
        });
        if (live) io.stderr.write('\r\x1b[K');
        io.stdout.write(`Seeded ${runs} runs of ${epochs} epochs into ${core.dbPath} in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
        result.code = EXIT.ok;
      } finally {
        await core.dispose();
      }
    });
}
