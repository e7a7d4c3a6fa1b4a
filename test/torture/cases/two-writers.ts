/**
 * `two-writers`: one SQLite file, three processes writing it at once, as a user's machine has them: `serve` runs a
 * sweep (its trials in parallel), the CLI trains runs one after another, and a second `serve` on the same file reads
 * the runs table and writes tags and notes through its HTTP API the whole time. No `SQLITE_BUSY` ("database is
 * locked") may reach a user: every API answer is 200, every run finishes, no stack trace or lock error is printed;
 * and nothing is lost: every epoch of every run is in the file at the end, with every tag and note last written.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { outcome, type TortureCase, type TortureOptions } from '../case';
import { cliEnv, runCli, shown, stackTraceIn, startServe, type CliResult, type Serve } from './runboard-cli';

const LOCK_WORDS = /SQLITE_BUSY|SQLITE_LOCKED|database is locked|database table is locked/i;

interface Plan {
  sweepTrials: number;
  sweepEpochs: number;
  cliRuns: number;
  cliEpochs: number;
}

interface Counts {
  apiCalls: number;
  annotations: number;
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Reads the file directly at the end: each run's status and the steps each of its metrics has. */
function readBack(db: string): { runs: { id: number; status: string; notes: string | null; sweep_id: number | null; error: string | null }[]; steps: Map<number, number[]>; tags: Map<number, Record<string, string>> } {
  const connection = new BetterSqlite3(db, { readonly: true });
  try {
    const runs = connection.prepare('SELECT id, status, notes, sweep_id, error FROM runs ORDER BY id').all() as { id: number; status: string; notes: string | null; sweep_id: number | null; error: string | null }[];
    const steps = new Map<number, number[]>();
    for (const row of connection.prepare("SELECT run_id, step FROM metrics WHERE key = 'train_loss' ORDER BY run_id, step").all() as { run_id: number; step: number }[]) {
      steps.set(row.run_id, [...(steps.get(row.run_id) ?? []), row.step]);
    }
    const tags = new Map<number, Record<string, string>>();
    for (const row of connection.prepare('SELECT run_id, key, value FROM tags').all() as { run_id: number; key: string; value: string }[]) {
      tags.set(row.run_id, { ...(tags.get(row.run_id) ?? {}), [row.key]: row.value });
    }
    return { runs, steps, tags };
  } finally {
    connection.close();
  }
}

async function iteration(n: number, dir: string, plan: Plan, options: TortureOptions, counts: Counts): Promise<string[]> {
  const failures: string[] = [];
  const fail = (problem: string) => failures.push(`iteration ${n}: ${problem}`);
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'runboard.db');
  const env = cliEnv(dir);
  // The file exists before the servers race to create it: the CLI makes it, as a user's first command does.
  const made = await runCli(['runs', '--db', db, '--json'], { env, timeoutMs: 60_000 });
  if (made.code !== 0) return [`iteration ${n}: the database could not be made: ${shown(made)}`];

  const servers: Serve[] = [];
  const expectedNotes = new Map<number, string>();
  const expectedTags = new Map<number, Record<string, string>>();
  try {
    servers.push(await startServe(db, env), await startServe(db, env));
    const [sweeper, annotator] = servers as [Serve, Serve];
    const call = async (serve: Serve, method: string, input: unknown): Promise<unknown> => {
      counts.apiCalls++;
      const answer = await serve.call(method, input);
      if (answer.status !== 200 || !answer.body.ok) {
        fail(`${method} answered ${answer.status}: ${answer.body.error?.code ?? ''} ${answer.body.error?.message ?? ''}`);
        return null;
      }
      return answer.body.value;
    };

    const sweep = (await call(sweeper, 'sweeps/start', {
      name: `two-writers-${n}`,
      strategy: 'random',
      params: ['lr=loguniform(1e-3,1e-1)'],
      trials: plan.sweepTrials,
      parallel: 2,
      seed: n,
      fixed: { dataset: 'iris', hidden: [16], epochs: plan.sweepEpochs, backend: 'wasm' },
    })) as { sweep_id: number } | null;
    if (!sweep) return failures;

    // The CLI trains runs one after another meanwhile.
    const cliResults: CliResult[] = [];
    const cli = (async () => {
      for (let run = 0; run < plan.cliRuns; run++) {
        cliResults.push(await runCli(['train', '--dataset', 'iris', '--hidden', '16', '--epochs', String(plan.cliEpochs), '--backend', 'wasm', '--db', db, '--json'], { env, timeoutMs: 300_000 }));
      }
    })();

    // The second serve reads the table and writes tags and notes until the sweep and the CLI are done.
    let done = false;
    const annotate = (async () => {
      let round = 0;
      while (!done) {
        round++;
        const page = (await call(annotator, 'runs/query', { limit: 50 })) as { runs: { run_id: number }[] } | null;
        for (const run of page?.runs.slice(0, 4) ?? []) {
          const notes = `round ${round} of iteration ${n}`;
          const tags = { round: String(round), writer: 'second-serve' };
          if ((await call(annotator, 'runs/annotate', { run_id: run.run_id, notes, tags })) !== null) {
            expectedNotes.set(run.run_id, notes);
            expectedTags.set(run.run_id, tags);
            counts.annotations++;
          }
          await call(annotator, 'runs/metrics', { run_ids: [run.run_id], keys: ['train_loss'], max_points: 100 });
        }
        await sleep(50);
      }
    })();

    const deadline = Date.now() + 600_000;
    let sweepStatus = 'running';
    while (Date.now() < deadline) {
      const detail = (await call(sweeper, 'sweeps/get', { sweep_id: sweep.sweep_id })) as { status: string } | null;
      sweepStatus = detail?.status ?? sweepStatus;
      if (sweepStatus !== 'running') break;
      await sleep(500);
    }
    await cli;
    done = true;
    await annotate;
    if (sweepStatus !== 'finished') fail(`the sweep ended ${sweepStatus}, not finished`);

    for (const [index, result] of cliResults.entries()) {
      const trace = stackTraceIn(result.stdout + result.stderr);
      if (trace) fail(`CLI run ${index + 1}: a stack trace reached the user (${trace})`);
      if (LOCK_WORDS.test(result.stdout + result.stderr)) fail(`CLI run ${index + 1}: a lock error reached the user: ${shown(result)}`);
      if (result.code !== 0) fail(`CLI run ${index + 1} did not finish: ${shown(result)}`);
    }
  } catch (error) {
    fail(`the iteration broke off: ${(error as Error).message}`);
  } finally {
    for (const [index, serve] of servers.entries()) {
      const { code, signal } = await serve.stop();
      const name = index === 0 ? 'the sweep\'s serve' : 'the second serve';
      if (code !== 0) fail(`${name} exited ${code ?? signal} on SIGTERM`);
      const trace = stackTraceIn(serve.stderr);
      if (trace) fail(`${name} printed a stack trace (${trace})`);
      if (LOCK_WORDS.test(serve.stderr)) fail(`${name} printed a lock error: ${serve.stderr.replace(/\s+/g, ' ').slice(0, 400)}`);
    }
  }

  // Nothing lost: every run finished with every epoch; every tag and note last written is there.
  const { runs, steps, tags } = readBack(db);
  const trained = runs.filter((run) => run.sweep_id !== null).length;
  if (trained !== plan.sweepTrials) fail(`the sweep has ${trained} runs, not ${plan.sweepTrials}`);
  const byCli = runs.filter((run) => run.sweep_id === null).length;
  if (byCli !== plan.cliRuns) fail(`the CLI made ${byCli} runs, not ${plan.cliRuns}`);
  for (const run of runs) {
    if (run.status !== 'finished') fail(`run ${run.id} ended ${run.status}${run.error ? ` (${run.error})` : ''}`);
    const epochs = run.sweep_id === null ? plan.cliEpochs : plan.sweepEpochs;
    const have = steps.get(run.id) ?? [];
    if (have.length !== epochs || have.some((step, i) => step !== i + 1)) fail(`run ${run.id} has epochs ${have.join(',') || 'none'} of train_loss, not 1..${epochs}`);
    const notes = expectedNotes.get(run.id);
    if (notes !== undefined && run.notes !== notes) fail(`run ${run.id}'s notes read ${JSON.stringify(run.notes)}, not the last written ${JSON.stringify(notes)}`);
    const tagsWritten = expectedTags.get(run.id);
    const tagsRead = tags.get(run.id) ?? {};
    if (tagsWritten && Object.entries(tagsWritten).some(([key, value]) => tagsRead[key] !== value)) fail(`run ${run.id}'s tags read ${JSON.stringify(tags.get(run.id))}, not ${JSON.stringify(tagsWritten)}`);
  }
  options.log(`iteration ${n}: ${runs.length} runs, ${counts.annotations} annotations so far, ${failures.length} failures`);
  return failures;
}

export const twoWriters: TortureCase = {
  name: 'two-writers',
  description: 'serve runs a sweep while the CLI trains and a second serve writes tags and notes, all on one SQLite file: no SQLITE_BUSY reaches a user, every epoch, tag and note is there at the end',
  async run(options) {
    const iterations = options.iterations ?? (options.quick ? 1 : 3);
    const plan: Plan = options.quick ? { sweepTrials: 4, sweepEpochs: 15, cliRuns: 2, cliEpochs: 20 } : { sweepTrials: 6, sweepEpochs: 30, cliRuns: 3, cliEpochs: 40 };
    const counts: Counts = { apiCalls: 0, annotations: 0 };
    const failures: string[] = [];
    for (let n = 1; n <= iterations; n++) failures.push(...(await iteration(n, join(options.workDir, `i${n}`), plan, options, counts)));
    return outcome(iterations, failures, { 'API calls': counts.apiCalls, 'tags and notes written': counts.annotations, runs: iterations * (plan.sweepTrials + plan.cliRuns) });
  },
};
