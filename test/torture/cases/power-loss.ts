/**
 * `power-loss` (issue 15): the database as a power cut would leave it, opened as a user would. A run and a sweep log
 * to a SQLite file from two processes; at random moments the harness takes the files as they are on disk at one
 * instant and opens the copy with `runboard runs --db COPY`, then checks it: `integrity_check` ok, no partial epoch,
 * every run listed and its metrics readable.
 *
 * One instant: the writers (the CLI hosts, the only processes that write the file) are stopped with SIGSTOP while the
 * database, `-wal` and `-shm` files are copied, then continued. A process is stopped between system calls, so the
 * files are exactly what the kernel holds at that moment, mid-transaction or not. (Copying the three files while they
 * change would take them at three moments: SQLite documents that such a copy can be corrupt, and it would test the
 * copy, not Runboard.)
 *
 * What a power cut adds to a crash is the loss of writes not yet synced. Runboard runs SQLite in WAL mode with
 * `synchronous = NORMAL`: the WAL is synced before each checkpoint copies it into the database, not at each commit.
 * So after a power cut the WAL may have lost any tail of what was appended since the last sync, possibly in the middle
 * of a frame. Half the copies play that: the copied WAL is cut at a random byte and the `-shm` (rebuilt by SQLite from
 * the WAL when the first connection opens) is left out. Those copies may have lost the last commits, never consistency.
 *
 * SQLite only. On PostgreSQL durability across a power cut is the server's (its WAL, fsync), not Runboard's: the case
 * says so in the table, and the throwaway test server runs with fsync off, so a snapshot of its files proves nothing.
 */
import { copyFileSync, existsSync, mkdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv, runCli, startCli, type RunningCli } from '../../cli/helpers';
import { outcome, type TortureCase } from '../case';
import { partialEpochs } from './crash-checks';
import { randomFrom, sleep, until } from './kill-loop';
import { sqliteReader } from './store-reader';

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Ended meanwhile.
  }
}

export const powerLoss: TortureCase = {
  name: 'power-loss',
  description: 'copies of a SQLite database taken at one instant while two processes write (half with the unsynced WAL tail cut off), opened with `runboard runs --db COPY`: integrity ok, no partial epoch, every run readable',
  async run(options) {
    const copies = options.iterations ?? (options.quick ? 10 : 50);
    const seed = Number(process.env.RUNBOARD_TORTURE_SEED ?? Date.now() % 1_000_000);
    const random = randomFrom(seed);
    options.log(`seed ${seed}`);
    const env = cliEnv({ XDG_DATA_HOME: join(options.workDir, 'data') });
    const failures: string[] = [];
    const figures = { torn: 0, runsRead: 0, epochsRead: 0, walBytesCut: 0 };
    let taken = 0;
    let session = 0;
    while (taken < copies) {
      // A session: a run and a sweep writing, and up to 10 copies taken while they do.
      const dir = join(options.workDir, `session-${session}`);
      mkdirSync(dir, { recursive: true });
      const db = join(dir, 'runs.db');
      const writers: RunningCli[] = [
        startCli(['train', '--dataset', 'iris', '--hidden', '8', '--epochs', '400', '--backend', 'wasm', '--seed', String(session + 1), '--db', db], { env }),
        startCli(['sweep', '--dataset', 'iris', '--hidden', '8', '--epochs', '5', '--strategy', 'grid', '--param', 'lr=[0.01,0.02,0.05,0.1,0.2,0.3]', '--parallel', '2', '--backend', 'wasm', '--db', db], { env }),
      ];
      // The run writes for the whole session; the sweep may end before it.
      const running = () => writers[0]?.child.exitCode === null && writers[0]?.child.signalCode === null;
      const taking: Array<{ dir: string; torn: boolean }> = [];
      try {
        // Copies start once both write epochs: the run has printed one, the sweep's first trial has begun.
        if (!(await until(() => (/^epoch 1:/m.test(writers[0]?.stdout ?? '') && existsSync(`${db}-wal`)) || !running(), 60_000)) || !running()) throw new Error(`the writers did not start: ${writers.map((w) => w.stderr.slice(-300)).join(' | ')}`);
        for (let i = 0; i < 10 && taken < copies && running(); i++) {
          await sleep(100 + random() * 700);
          const copy = join(dir, `copy-${i}`);
          mkdirSync(copy);
          const torn = random() < 0.5;
          for (const writer of writers) signal(writer.pid, 'SIGSTOP');
          try {
            for (const suffix of ['', '-wal', ...(torn ? [] : ['-shm'])]) if (existsSync(db + suffix)) copyFileSync(db + suffix, join(copy, `runs.db${suffix}`));
          } finally {
            for (const writer of writers) signal(writer.pid, 'SIGCONT');
          }
          const wal = join(copy, 'runs.db-wal');
          if (torn && existsSync(wal)) {
            const size = statSync(wal).size;
            const keep = Math.floor(random() * size);
            truncateSync(wal, keep);
            figures.walBytesCut += size - keep;
            figures.torn++;
          }
          taking.push({ dir: copy, torn });
          taken++;
        }
      } catch (error) {
        failures.push(`session ${session}: ${(error as Error).message}`);
      } finally {
        for (const writer of writers) {
          signal(writer.pid, 'SIGCONT');
          signal(writer.pid, 'SIGINT');
        }
        await Promise.all(writers.map((w) => Promise.race([w.exited, sleep(30_000)])));
        for (const writer of writers) signal(writer.pid, 'SIGKILL');
      }
      if (taking.length === 0 && failures.length > 0) break;
      for (const [i, { dir: copyDir, torn }] of taking.entries()) {
        const label = `session ${session} copy ${i}${torn ? ' (WAL tail cut)' : ''}`;
        const copy = join(copyDir, 'runs.db');
        // Opened as a user would, by the CLI: it recovers the WAL and lists every run.
        const listed = await runCli(['runs', '--json', '--db', copy], { env });
        if (listed.code !== 0) {
          failures.push(`${label}: runboard runs --db COPY exited ${listed.code}: ${listed.stderr.trim()}`);
          continue;
        }
        const runs = JSON.parse(listed.stdout) as Array<{ run_id: number; epochs: number }>;
        const reader = sqliteReader(copy);
        try {
          const integrity = await reader.integrity();
          if (integrity !== 'ok') failures.push(`${label}: integrity check: ${integrity}`);
          const metrics = await reader.metrics();
          for (const line of partialEpochs(metrics, await reader.summaries())) failures.push(`${label}: ${line}`);
          const stored = await reader.runs();
          if (stored.length !== runs.length) failures.push(`${label}: the store has ${stored.length} runs, runboard runs lists ${runs.length}`);
          for (const run of runs) {
            const epochs = new Set(metrics.filter((m) => m.run_id === run.run_id).map((m) => m.step)).size;
            if (epochs !== run.epochs) failures.push(`${label}: run ${run.run_id} lists ${run.epochs} epochs, its metrics hold ${epochs}`);
            figures.epochsRead += epochs;
          }
          figures.runsRead += runs.length;
        } catch (error) {
          failures.push(`${label}: reading the copy failed: ${(error as Error).message}`);
        } finally {
          await reader.close();
        }
      }
      options.log(`session ${session}: ${taking.length} copies opened and checked`);
      session++;
    }
    return {
      ...outcome(taken, failures, { 'copies with the WAL tail cut': figures.torn, 'WAL bytes cut': figures.walBytesCut, 'runs read': figures.runsRead, 'epochs read': figures.epochsRead }),
      reason: 'SQLite only: on PostgreSQL a power cut is the server\'s to survive (its WAL and fsync), and the test server runs with fsync off',
    };
  },
};
