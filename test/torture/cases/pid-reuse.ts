/**
 * `pid-reuse` (issue 15): a run's owner is gone, and its pid now belongs to another program (as after a reboot, or a
 * wrap of the pid counter). Each iteration starts a run (`runboard train`), kills its host and worker with kill -9,
 * then plays the reuse: the run's owner is rewritten to the pid of a live, unrelated process (a `sleep` of ours) with
 * the old owner's start time, and the store is reopened by the next process: the run must read `interrupted`. The
 * control: the same run, made `running` again and owned by the sleep as it really is (its pid, its start time, this
 * boot), stays `running`; once the sleep ends, it is interrupted. On SQLite, and on PostgreSQL when a server can start.
 * Linux only: elsewhere no start time is recorded and a pid is judged alone (`src-main/store/process-owner.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { processStartTime } from '../../../src-main/store/process-owner';
import { cliEnv, isAlive, runCli, startCli, workerPids } from '../../cli/helpers';
import { startPostgres, type RunningPostgres } from '../../helpers/postgres-server';
import { outcome, type TortureCase, type TortureOptions } from '../case';
import { sleep, until } from './kill-loop';

/** Raw SQL on the store, as another program (or a reboot) would leave it: `$1`-style placeholders on both engines. */
type Sql = (text: string, values: unknown[]) => Promise<Array<Record<string, unknown>>>;

async function withSql<T>(db: string, body: (sql: Sql) => Promise<T>): Promise<T> {
  if (db.startsWith('postgres://')) {
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      return await body(async (text, values) => (await client.query(text, values)).rows as Array<Record<string, unknown>>);
    } finally {
      await client.end();
    }
  }
  const connection = new BetterSqlite3(db);
  try {
    return await body(async (text, values) => {
      const statement = connection.prepare(text.replace(/\$\d+/g, '?'));
      return statement.reader ? (statement.all(...values) as Array<Record<string, unknown>>) : (statement.run(...values), []);
    });
  } finally {
    connection.close();
  }
}

async function iteration(db: string, label: string, index: number, options: TortureOptions): Promise<string[]> {
  const failures: string[] = [];
  const fail = (line: string) => failures.push(`${label} iteration ${index}: ${line}`);
  const env = cliEnv({ XDG_DATA_HOME: join(options.workDir, 'data') });
  let sleeper: ChildProcess | null = null;
  const train = startCli(['train', '--dataset', 'iris', '--hidden', '8', '--epochs', '400', '--backend', 'wasm', '--seed', String(index + 1), '--db', db], { env });
  const status = async (runId: number) => {
    const next = await runCli(['runs', '--json', '--db', db], { env });
    if (next.code !== 0) throw new Error(`runboard runs exited ${next.code}: ${next.stderr}`);
    return (JSON.parse(next.stdout) as Array<{ run_id: number; status: string }>).find((run) => run.run_id === runId)?.status;
  };
  try {
    if (!(await until(() => /^epoch 1:/m.test(train.stdout) || train.child.exitCode !== null, 60_000))) throw new Error(`train did not log: ${train.stderr}`);
    const runId = Number(/^Run (\d+) /m.exec(train.stdout)?.[1]);
    if (!runId) throw new Error(`train did not start: ${train.stderr}`);
    const workers = workerPids(train.pid);
    for (const pid of [...workers, train.pid]) process.kill(pid, 'SIGKILL');
    await until(() => train.child.exitCode !== null || train.child.signalCode !== null, 30_000);
    await until(() => workers.every((pid) => !isAlive(pid)), 15_000);
    // The other program starts after the owner died, as a reused pid's holder does (start times count 10 ms ticks).
    await sleep(50);
    const other = spawn('sleep', ['600'], { stdio: 'ignore' });
    sleeper = other;
    const sleeperStart = processStartTime(other.pid as number);
    if (sleeperStart === null) throw new Error('no start time for the sleep');

    // The reuse: the dead owner's pid is now the sleep's; its recorded start time (and boot) stay the owner's.
    await withSql(db, async (sql) => {
      const [owner] = await sql('SELECT owner_pid, owner_started, owner_boot FROM runs WHERE id = $1', [runId]);
      if (owner?.owner_started === null || owner?.owner_started === undefined) fail('the run records no start time for its owner');
      await sql('UPDATE runs SET owner_pid = $1 WHERE id = $2', [other.pid, runId]);
    });
    const reused = await status(runId);
    if (reused !== 'interrupted') fail(`the run owned by a reused pid reads ${reused}; expected interrupted`);

    // The control: owned by the live sleep as it is, the run is left running; once the sleep ends, it is interrupted.
    await withSql(db, (sql) => sql("UPDATE runs SET status = 'running', ended_at = NULL, error = NULL, owner_pid = $1, owner_started = $2 WHERE id = $3", [other.pid, sleeperStart, runId]));
    const alive = await status(runId);
    if (alive !== 'running') fail(`the run owned by a live process (same pid, start time and boot) reads ${alive}; expected running`);
    other.kill('SIGKILL');
    const sleeperPid = other.pid as number;
    await until(() => !isAlive(sleeperPid), 10_000);
    const gone = await status(runId);
    if (gone !== 'interrupted') fail(`the run whose owner then ended reads ${gone}; expected interrupted`);
    options.log(`${label} iteration ${index}: reused pid -> ${reused}; live owner -> ${alive}; owner ended -> ${gone}`);
  } catch (error) {
    fail(`the iteration broke: ${(error as Error).message}`);
  } finally {
    sleeper?.kill('SIGKILL');
    if (train.child.exitCode === null && train.child.signalCode === null) train.child.kill('SIGKILL');
    for (const pid of workerPids(train.pid)) process.kill(pid, 'SIGKILL');
  }
  return failures;
}

export const pidReuse: TortureCase = {
  name: 'pid-reuse',
  description: "a killed run's owner pid handed to a live unrelated process (the old start time kept): the next process marks it interrupted; owned by a live process as it is, it stays running",
  async run(options) {
    if (process.platform !== 'linux') return { status: 'cannot-run', iterations: 0, failures: [], reason: 'Linux only: elsewhere Runboard records no process start time or boot id, and judges an owner by its pid alone' };
    const count = options.iterations ?? (options.quick ? 1 : 5);
    const failures: string[] = [];
    const dir = join(options.workDir, 'sqlite');
    mkdirSync(dir, { recursive: true });
    for (let index = 0; index < count; index++) failures.push(...(await iteration(join(dir, `runs-${index}.db`), 'sqlite', index, options)));
    let server: RunningPostgres | null = null;
    let note: string | undefined;
    try {
      server = await startPostgres();
      if (server.info.reason) note = `PostgreSQL not tested: ${server.info.reason}`;
      else {
        const url = (database: string) => `postgres://postgres@/${database}?host=${encodeURIComponent(server?.info.socketDir ?? '')}&port=${server?.info.port}`;
        for (let index = 0; index < count; index++) {
          const database = `torture_pid_${index}`;
          const admin = new pg.Client({ connectionString: url('postgres') });
          await admin.connect();
          await admin.query(`CREATE DATABASE ${database}`).finally(() => admin.end());
          failures.push(...(await iteration(url(database), 'postgres', index, options)));
        }
      }
    } finally {
      server?.stop();
    }
    const result = outcome(count * (note ? 1 : 2), failures, { engines: note ? 'sqlite' : 'sqlite, postgres' });
    return note ? { ...result, reason: note } : result;
  },
};
