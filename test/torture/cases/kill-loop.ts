/**
 * The kill -9 loop shared by `kill-sqlite` and `kill-postgres` (issue 15): each iteration starts a run (`runboard
 * train`) and a sweep (`runboard sweep`) on a fresh store, kills the training workers, the hosts, or both at a random
 * moment while they log, and then checks what a user would find: the store sound, every committed epoch there with its
 * values, no partial epoch, the runs `interrupted` (or `failed`, naming the kill, where only the worker died and its
 * host lived to say so), checkpoints whole or absent, no training process left behind, and the sweep resumed
 * (`runboard sweep resume`) to the end with each trial finished once.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDbLocation } from '../../../src-main/paths';
import { openStore } from '../../../src-main/store';
import { cliEnv, isAlive, runCli, startCli, workerPids, type RunningCli } from '../../cli/helpers';
import { outcome, type TortureOptions, type TortureResult } from '../case';
import { brokenCheckpoints, lostPrintedEpochs, lostRows, partialEpochs, witness } from './crash-checks';
import type { MetricRow, RunRow, StoreReader } from './store-reader';

/** One fresh store of an iteration. */
export interface KillStore {
  /** The `--db` value. */
  db: string;
  /** Where the store's files (checkpoints) go on this machine. */
  filesDir: string;
  /** A new connection of the harness's own. */
  reader(): Promise<StoreReader>;
}

/** What differs between the engines: where a fresh store comes from. */
export interface KillEngine {
  /** Gets ready (a server); returns why the case cannot run on this machine, or null. */
  prepare(workDir: string): Promise<string | null>;
  /** A fresh, empty store for one iteration, in (or named after) `dir`. */
  fresh(iteration: number, dir: string, env: NodeJS.ProcessEnv): Promise<KillStore>;
  dispose(): Promise<void>;
}

type Mode = 'worker' | 'host' | 'both';
const MODES: readonly Mode[] = ['host', 'worker', 'both'];
const TRIALS = [0.02, 0.05, 0.1, 0.2];

/** A small seeded generator (mulberry32), so a failing iteration can be told again from its seed. */
export function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** Waits for `probe` to hold, up to `ms`; false when it never did. */
export async function until(probe: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await sleep(50);
  }
  return probe();
}

/** A run whose training process was killed while its host lived: the host ends it `failed`, naming the signal. */
const killedByWorker = (run: RunRow) => run.status === 'failed' && /killed \(SIGKILL\)/.test(run.error ?? '');

/** The checkpoints a finished run's outcome says it saved. */
function savedCheckpoints(runs: readonly RunRow[]): Array<{ runId: number; name: 'final' | 'best' }> {
  return runs.flatMap((run) => {
    if (run.status !== 'finished' || !run.outcome) return [];
    const saved = (JSON.parse(run.outcome) as { checkpoint?: { final?: boolean; best?: boolean } }).checkpoint ?? {};
    return (['final', 'best'] as const).filter((name) => saved[name]).map((name) => ({ runId: run.id, name }));
  });
}

interface Tally {
  kills: Record<Mode, number>;
  epochsWitnessed: number;
  interrupted: number;
  failedByKill: number;
  trialsRerun: number;
  sweepsFinishedFirst: number;
}

async function iteration(engine: KillEngine, index: number, seed: number, options: TortureOptions, tally: Tally): Promise<string[]> {
  const random = randomFrom(seed);
  const mode = MODES[index % MODES.length] as Mode;
  const backend = index % 2 === 0 ? 'wasm' : 'cpu';
  const dir = join(options.workDir, `iteration-${index}`);
  mkdirSync(dir, { recursive: true });
  const env = cliEnv({ XDG_DATA_HOME: join(options.workDir, 'data') });
  const store = await engine.fresh(index, dir, env);
  const failures: string[] = [];
  const began = Date.now();
  const fail = (line: string) => failures.push(`iteration ${index} (seed ${seed}, kill ${mode}, ${backend}): ${line}`);
  const started: RunningCli[] = [];
  const workers = new Set<number>();
  let reader: StoreReader | null = null;
  let polling = true;
  let poller: Promise<void> = Promise.resolve();
  try {
    // The store is made (created and migrated) first, so the two processes start together on it.
    const made = await openStore(resolveDbLocation(store.db, env));
    await made.close();
    const train = startCli(['train', '--dataset', 'iris', '--hidden', '8', '--epochs', '400', '--backend', backend, '--seed', String(index + 1), '--db', store.db], { env });
    started.push(train);
    const sweep = startCli(['sweep', '--dataset', 'iris', '--hidden', '8', '--epochs', '4', '--strategy', 'grid', '--param', `lr=[${TRIALS.join(',')}]`, '--parallel', '2', '--backend', backend, '--db', store.db, '--json'], { env });
    started.push(sweep);
    if (!(await until(() => /^Run \d+ /m.test(train.stdout) || train.child.exitCode !== null, 60_000))) throw new Error(`train did not start: ${train.stderr}`);
    const trainRunId = Number(/^Run (\d+) /m.exec(train.stdout)?.[1]);
    if (!trainRunId) throw new Error(`train did not start (exit ${train.child.exitCode}): ${train.stderr}`);
    reader = await store.reader();
    const open = reader;
    // The witness: every metric row a connection of our own saw. It reads only committed data (SQLite in WAL mode
    // shows a reader committed transactions only; PostgreSQL's read committed likewise), so whatever it saw, before
    // or after the kill, was committed and must survive it.
    const seen = new Map<string, MetricRow>();
    const pollErrors: string[] = [];
    poller = (async () => {
      while (polling) {
        try {
          witness(seen, await open.metrics());
        } catch (error) {
          pollErrors.push((error as Error).message);
        }
        for (const host of [train.pid, sweep.pid]) for (const worker of workerPids(host)) workers.add(worker);
        await sleep(30);
      }
    })();
    const logging = await until(() => [...seen.values()].some((row) => row.run_id === trainRunId) && [...seen.values()].some((row) => row.run_id !== trainRunId), 90_000);
    if (!logging) throw new Error(`the run and the sweep did not both log within 90 s (train: ${train.stderr.slice(-300)}; sweep: ${sweep.stderr.slice(-300)})`);
    await sleep(random() * 1_500);

    // The kill.
    tally.kills[mode]++;
    const trainWorkers = workerPids(train.pid);
    const sweepWorkers = workerPids(sweep.pid);
    if (mode === 'worker') {
      // The workers die; the run's host lives and records it. The sweep's host goes on with other trials, then dies too
      // (so the sweep is left for `sweep resume`).
      [...trainWorkers, ...sweepWorkers].forEach(kill);
      await sleep(200 + random() * 800);
      kill(sweep.pid);
    } else if (mode === 'host') {
      kill(train.pid);
      kill(sweep.pid);
    } else {
      // Hosts first: a host that outlived its worker by a moment (this harness preempted between two kills) would
      // rightly record the run failed by the worker's kill, and the case checks what a kill of both leaves.
      [train.pid, sweep.pid, ...trainWorkers, ...sweepWorkers].forEach(kill);
    }
    const ended = (cli: RunningCli) => cli.child.exitCode !== null || cli.child.signalCode !== null;
    const hostsGone = await until(() => ended(train) && ended(sweep), 60_000);
    if (!hostsGone) fail(`a host did not end within 60 s after the kill (train: ${train.stderr.slice(-300)})`);
    polling = false;
    await poller;
    // A training process must not outlive its host: it notices the host's end and exits.
    for (const worker of workers) {
      if (!(await until(() => !isAlive(worker), 15_000))) {
        fail(`training process ${worker} outlived its host by 15 s`);
        kill(worker);
      }
    }
    if (pollErrors.length) options.log(`iteration ${index}: the witness's reads failed ${pollErrors.length} time(s), e.g. ${pollErrors[0]}`);
    await open.close();
    reader = null;

    // The next process opens the store, as a user's next command would: runs left by a dead process become
    // interrupted. That process is `sweep resume` (or `runs` when the sweep had finished before the kill); resuming
    // adds new runs for the trials it runs again and leaves the old ones as they read.
    const after = await store.reader();
    reader = after;
    const sweeps = await after.sweeps();
    const sweepId = sweeps[0]?.id;
    if (sweeps.length !== 1 || sweepId === undefined) throw new Error(`expected one sweep, found ${sweeps.length}`);
    // A sweep that finished before the kill landed (its trials are short) has nothing to resume; that is counted.
    const finishedFirst = sweeps[0]?.status === 'finished';
    if (finishedFirst) {
      tally.sweepsFinishedFirst++;
      const next = await runCli(['runs', '--json', '--db', store.db], { env });
      if (next.code !== 0) fail(`runboard runs after the kill exited ${next.code}: ${next.stderr}`);
    } else {
      const resumed = await runCli(['sweep', 'resume', String(sweepId), '--db', store.db, '--json'], { env, timeoutMs: 180_000 });
      const result = resumed.code === 0 ? (JSON.parse(resumed.stdout.trim().split('\n').pop() ?? '{}') as { status?: string }) : {};
      if (resumed.code !== 0 || result.status !== 'finished') {
        // The sweep's own record says why (`--json` prints it on stdout, `error` on the sweep), the stderr what else.
        const detail = resumed.stdout.trim().split('\n').pop() ?? '';
        fail(`sweep resume ${sweepId} exited ${resumed.code}: ${detail.slice(0, 800)} ${resumed.stderr.slice(-500)}`);
      }
    }
    const integrity = await after.integrity();
    if (integrity !== 'ok') fail(`integrity check: ${integrity}`);
    const metrics = await after.metrics();
    for (const line of lostRows(seen, metrics)) fail(line);
    const printed = lostPrintedEpochs(train.stdout, trainRunId, metrics);
    for (const line of printed.problems) fail(line);
    tally.epochsWitnessed += new Set([...seen.values()].map((row) => `${row.run_id}/${row.step}`)).size;
    for (const line of partialEpochs(metrics, await after.summaries())) fail(line);
    const runs = await after.runs();
    for (const run of runs) {
      if (run.status === 'interrupted') tally.interrupted++;
      if (killedByWorker(run)) tally.failedByKill++;
      if (run.id === trainRunId) {
        // A run that ended before the kill landed (iris trains fast; early stopping may end it) was told finished by
        // its host on stdout, which the host prints only once the end is committed: then it must read finished.
        const endedFirst = new RegExp(`^Run ${run.id} finished`, 'm').test(train.stdout);
        const expected = endedFirst ? run.status === 'finished' : mode === 'worker' ? killedByWorker(run) : run.status === 'interrupted';
        if (!expected) fail(`the run ${run.id} reads ${run.status} (${run.error}); expected ${endedFirst ? 'finished (its host said so before the kill)' : mode === 'worker' ? 'failed, naming the kill' : 'interrupted'}`);
      } else if (!(run.status === 'finished' || run.status === 'interrupted' || killedByWorker(run))) {
        fail(`sweep trial run ${run.id} reads ${run.status} (${run.error}) after its processes died`);
      }
    }
    for (const line of brokenCheckpoints(store.filesDir, savedCheckpoints(runs))) fail(line);

    const final = runs;
    const trials = await after.trials(sweepId);
    if (trials.length !== TRIALS.length) fail(`the sweep has ${trials.length} trials, planned ${TRIALS.length}`);
    for (const trial of trials) {
      const attempts = final.filter((run) => run.sweep_id === sweepId && run.trial === trial.trial);
      const finished = attempts.filter((run) => run.status === 'finished');
      const latest = final.find((run) => run.id === trial.run_id);
      tally.trialsRerun += Math.max(0, attempts.length - 1);
      if (finished.length > 1) fail(`trial ${trial.trial} finished ${finished.length} times (runs ${finished.map((r) => r.id).join(', ')})`);
      if (!latest || !(latest.status === 'finished' || killedByWorker(latest))) fail(`trial ${trial.trial}'s run ${trial.run_id} reads ${latest?.status ?? 'nothing'} after the resume`);
      for (const run of attempts) if (run.status === 'queued' || run.status === 'running') fail(`trial ${trial.trial}'s run ${run.id} still reads ${run.status}`);
    }
    options.log(`iteration ${index}: killed ${mode} (${backend}); ${printed.epochs} printed and ${seen.size} witnessed metric rows kept; ${runs.filter((r) => r.status === 'interrupted').length} run(s) interrupted; ${finishedFirst ? 'the sweep had finished before the kill' : 'sweep resumed and finished'}; ${((Date.now() - began) / 1000).toFixed(1)} s`);
  } catch (error) {
    fail(`the iteration broke: ${(error as Error).message}`);
  } finally {
    polling = false;
    await poller;
    for (const cli of started) if (cli.child.exitCode === null && cli.child.signalCode === null) kill(cli.pid);
    for (const worker of workers) if (isAlive(worker)) kill(worker);
    await reader?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return failures;
}

/** Runs the loop: `iterations` (50 full, 3 quick: one of each kind of kill) kills on fresh stores of `engine`. */
export async function killLoop(engine: KillEngine, options: TortureOptions): Promise<TortureResult> {
  const reason = await engine.prepare(options.workDir);
  if (reason) return { status: 'cannot-run', iterations: 0, failures: [], reason };
  const count = options.iterations ?? (options.quick ? 3 : 50);
  const seed = Number(process.env.RUNBOARD_TORTURE_SEED ?? Date.now() % 1_000_000);
  options.log(`seed ${seed} (RUNBOARD_TORTURE_SEED=${seed} repeats these kill moments)`);
  const tally: Tally = { kills: { worker: 0, host: 0, both: 0 }, epochsWitnessed: 0, interrupted: 0, failedByKill: 0, trialsRerun: 0, sweepsFinishedFirst: 0 };
  const failures: string[] = [];
  try {
    for (let index = 0; index < count; index++) failures.push(...(await iteration(engine, index, seed + index, options, tally)));
  } finally {
    await engine.dispose();
  }
  return outcome(count, failures, {
    'kills host/worker/both': `${tally.kills.host}/${tally.kills.worker}/${tally.kills.both}`,
    'epochs witnessed': tally.epochsWitnessed,
    'runs interrupted': tally.interrupted,
    'runs failed by a worker kill': tally.failedByKill,
    'trials run again': tally.trialsRerun,
    'sweeps done before the kill': tally.sweepsFinishedFirst,
  });
}
