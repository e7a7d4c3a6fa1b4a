import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { appRoot } from '../../../src-main/paths';
import { outcome, type TortureCase, type TortureOptions } from '../case';

/**
 * `load` (issue 15 item 3): `serve` on a database that two CLI runs and a CLI sweep log into, while 50 clients read
 * `runs/query` as fast as they can (autocannon) and 100 clients listen on the events WebSocket, for a minute (10 s
 * with `--quick`). Checks that no request fails or answers anything but 200, that no socket errs or is dropped, and
 * that the training goes on; records the p99 latency and the training throughput (epochs per second) against the same
 * runs in the same window without the load.
 */

/** What the case reads of autocannon's result (the package ships no types). */
interface CannonResult {
  latency: { p50: number; p99: number; max: number };
  requests: { total: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Cannon = (options: {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
}) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const QUERY_CLIENTS = 50;
const SOCKET_CLIENTS = 100;
/** A small model on a small dataset: many epochs a second, so a short window still counts hundreds. */
const TRAINING = ['--dataset', 'digits', '--hidden', '32', '--epochs', '100000', '--backend', 'wasm'];

interface Serve {
  child: ChildProcess;
  origin: string;
  token: string;
}

interface RunRow {
  run_id: number;
  name: string;
  status: string;
  epochs: number;
  sweep_id: number | null;
}

/** Where the harness's processes live; every one is ended by its id before the case returns. */
class Processes {
  private readonly children: ChildProcess[] = [];

  constructor(private readonly workDir: string) {}

  /** Starts `runboard ARGS` in a process group of its own (so its training workers get a terminal's Ctrl+C with it). */
  start(args: readonly string[]): ChildProcess {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: join(this.workDir, 'data') };
    delete env.RUNBOARD_DB;
    const child = spawn(process.execPath, [join(appRoot(), 'bin', 'runboard.js'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.children.push(child);
    return child;
  }

  /** Interrupts a process group as Ctrl+C does and waits for it; kills the group if it has not ended in 30 s. */
  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(child.pid, 'SIGINT');
    const timer = setTimeout(() => signalGroup(child.pid as number, 'SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.children.splice(0).map((child) => this.stop(child)));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServe(processes: Processes, db: string): Promise<Serve> {
  const child = processes.start(['serve', '--port', '0', '--db', db]);
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  for (let waited = 0; waited < 60_000; waited += 100) {
    const line = /^(http:\/\/[^/]+)\/\?token=(\S+)\n/.exec(stdout);
    if (line) return { child, origin: line[1] as string, token: line[2] as string };
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`serve did not print its URL: ${stdout}`);
}

async function call<T>(serve: Serve, method: string, input: unknown): Promise<T> {
  const response = await fetch(`${serve.origin}/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message ?? response.status}`);
  return body.value as T;
}

/** The runs of an experiment: the two runs, and the sweep's trials. */
async function runsOf(serve: Serve, experiment: string): Promise<RunRow[]> {
  return call<RunRow[]>(serve, 'runs/list', { experiment });
}

interface Window {
  seconds: number;
  runEpochs: number;
  sweepEpochs: number;
  failures: string[];
}

/**
 * Starts two runs and a sweep in `experiment`, waits until each logs, then counts the epochs they log while `during`
 * runs; stops them all after it (they end `stopped`) and checks none of them failed.
 */
async function trainingWindow(processes: Processes, serve: Serve, db: string, experiment: string, during: () => Promise<string[]>, log: (line: string) => void): Promise<Window> {
  const base = [...TRAINING, '--db', db, '--experiment', experiment];
  const workers = [
    processes.start(['train', ...base, '--name', `${experiment}-a`, '--seed', '1']),
    processes.start(['train', ...base, '--name', `${experiment}-b`, '--seed', '2']),
    processes.start(['sweep', ...base, '--param', 'lr=loguniform(1e-3,1e-1)', '--trials', '20', '--parallel', '1', '--seed', '3', '--name', `${experiment}-sweep`]),
  ];
  const count = async () => {
    const runs = await runsOf(serve, experiment);
    const sum = (rows: RunRow[]) => rows.reduce((total, run) => total + run.epochs, 0);
    return { runs, runEpochs: sum(runs.filter((run) => run.sweep_id === null)), sweepEpochs: sum(runs.filter((run) => run.sweep_id !== null)) };
  };
  // Warm up: both runs and a trial have logged epochs (the processes have loaded TensorFlow.js and the data).
  for (let waited = 0; ; waited += 250) {
    const { runs } = await count();
    const logging = runs.filter((run) => run.status === 'running' && run.epochs >= 2);
    if (logging.filter((run) => run.sweep_id === null).length === 2 && logging.some((run) => run.sweep_id !== null)) break;
    if (waited > 180_000) throw new Error(`the runs of ${experiment} did not start logging within 3 minutes: ${JSON.stringify(runs)}`);
    await sleep(250);
  }
  const before = await count();
  const started = performance.now();
  const failures = await during();
  const seconds = (performance.now() - started) / 1000;
  const after = await count();
  log(`${experiment}: ${after.runEpochs - before.runEpochs} run epochs and ${after.sweepEpochs - before.sweepEpochs} sweep epochs in ${seconds.toFixed(1)} s`);
  for (const worker of workers) await processes.stop(worker);
  const ended = await runsOf(serve, experiment);
  for (const run of ended) {
    if (run.status !== 'stopped' && run.status !== 'finished' && run.status !== 'pruned') failures.push(`${experiment}: run ${run.run_id} (${run.name}) ended ${run.status}`);
  }
  return { seconds, runEpochs: after.runEpochs - before.runEpochs, sweepEpochs: after.sweepEpochs - before.sweepEpochs, failures };
}

/** 100 clients on the events socket for `seconds`: each must connect, stay connected without an error, and hear events. */
async function socketClients(serve: Serve, seconds: number): Promise<{ failures: string[]; messages: number; quietest: number }> {
  const url = `${serve.origin.replace(/^http/, 'ws')}/api/events`;
  const counts = new Array<number>(SOCKET_CLIENTS).fill(0);
  const failures: string[] = [];
  const clients = await Promise.all(
    counts.map(
      (_, index) =>
        new Promise<WebSocket>((resolve, reject) => {
          const client = new WebSocket(url, { headers: { Authorization: `Bearer ${serve.token}` } });
          client.once('open', () => resolve(client));
          client.once('error', reject);
          client.on('message', () => counts[index]!++);
        }),
    ),
  );
  let closing = false;
  clients.forEach((client, index) => {
    client.on('error', (error) => failures.push(`events client ${index}: ${error.message}`));
    client.on('close', (code) => {
      if (!closing) failures.push(`events client ${index} was dropped (close code ${code})`);
    });
  });
  await sleep(seconds * 1000);
  closing = true;
  await Promise.all(clients.map((client) => new Promise<void>((resolve) => (client.readyState === WebSocket.CLOSED ? resolve() : (client.once('close', () => resolve()), client.close())))));
  const quietest = Math.min(...counts);
  if (quietest === 0) failures.push(`${counts.filter((n) => n === 0).length} events clients heard no event in ${seconds} s while runs logged`);
  return { failures, messages: counts.reduce((a, b) => a + b, 0), quietest };
}

async function run(options: TortureOptions) {
  const seconds = options.quick ? 10 : 60;
  const processes = new Processes(options.workDir);
  const db = join(options.workDir, 'load.db');
  const failures: string[] = [];
  try {
    const serve = await startServe(processes, db);
    options.log(`baseline: two runs and a sweep, ${seconds} s without load`);
    const baseline = await trainingWindow(processes, serve, db, 'baseline', () => sleep(seconds * 1000).then(() => []), options.log);
    failures.push(...baseline.failures);

    options.log(`load: the same, with ${QUERY_CLIENTS} clients on runs/query and ${SOCKET_CLIENTS} on the events socket for ${seconds} s`);
    let cannon: CannonResult | undefined;
    let sockets: Awaited<ReturnType<typeof socketClients>> | undefined;
    const loaded = await trainingWindow(
      processes,
      serve,
      db,
      'loaded',
      async () => {
        const [queries, events] = await Promise.all([
          autocannon({
            url: `${serve.origin}/api/runs/query`,
            method: 'POST',
            headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ limit: 100, sort: { column: 'started', direction: 'desc' } }),
            connections: QUERY_CLIENTS,
            duration: seconds,
          }),
          socketClients(serve, seconds),
        ]);
        cannon = queries;
        sockets = events;
        const found: string[] = [...events.failures];
        if (queries.errors > 0) found.push(`runs/query: ${queries.errors} connection errors (${queries.timeouts} timeouts)`);
        if (queries.non2xx > 0) found.push(`runs/query: ${queries.non2xx} answers were not 200`);
        if (queries.requests.total === 0) found.push('runs/query: no request was answered');
        return found;
      },
      options.log,
    );
    failures.push(...loaded.failures);
    await processes.stop(serve.child);
    if (serve.child.exitCode !== 0) failures.push(`serve exited ${serve.child.exitCode} after the load`);

    const rate = (epochs: number, window: Window) => epochs / window.seconds;
    const baselineRate = rate(baseline.runEpochs, baseline) + rate(baseline.sweepEpochs, baseline);
    const loadedRate = rate(loaded.runEpochs, loaded) + rate(loaded.sweepEpochs, loaded);
    return outcome(1, failures, {
      seconds,
      'query p50 ms': cannon?.latency.p50 ?? 'none',
      'query p99 ms': cannon?.latency.p99 ?? 'none',
      'query max ms': cannon?.latency.max ?? 'none',
      'queries/s': cannon ? Math.round(cannon.requests.average) : 'none',
      queries: cannon?.requests.total ?? 0,
      'event messages': sockets?.messages ?? 0,
      'fewest per client': sockets?.quietest ?? 0,
      'epochs/s without load': Number(baselineRate.toFixed(2)),
      'epochs/s under load': Number(loadedRate.toFixed(2)),
      'throughput under load': `${Math.round((100 * loadedRate) / Math.max(baselineRate, Number.EPSILON))}%`,
    });
  } finally {
    await processes.stopAll();
  }
}

export const load: TortureCase = {
  name: 'load',
  description: `two CLI runs and a sweep log while ${QUERY_CLIENTS} clients read runs/query and ${SOCKET_CLIENTS} listen on the events socket: no error, p99 latency and training throughput against no load`,
  run,
};
