import { AppError } from '../../src-shared/api/errors';
import type { AnyEvent } from '../../src-shared/api/events';
import { sweepRequestSchema, type SweepDetail, type SweepSummary } from '../../src-shared/entities/sweep';
import { parseOrThrow } from '../../src-shared/api/validation';
import { openCore } from '../core';
import { resolveDbLocation, type DbLocation } from '../paths';
import { formatDuration, formatValue, textTable } from './format';
import { EXIT, type CliIo } from './io';
import { number, trainingInputFromFlags, withFlagNames, type TrainFlags } from './train-command';
import { workerCommandLine } from './worker-command';

export interface SweepFlags extends TrainFlags {
  strategy?: string;
  param?: string[];
  trials?: string;
  objective?: string;
  parallel?: string;
  minEpochs?: string;
  reductionFactor?: string;
  pruner?: string;
  warmStart?: string;
  yes?: boolean;
  /** false with `--no-local`: the sweep is created for workers and nothing runs here. */
  local?: boolean;
}

/** One line of sweep progress: trials done, running, pruned, failed, best so far, time left. */
export function sweepProgressLine(sweep: SweepSummary, startedAt: number, now = Date.now(), doneAtStart = 0): string {
  const c = sweep.counts;
  const done = c.finished + c.pruned + c.failed;
  const remaining = sweep.trials_planned - done;
  // Only trials done since this command started tell how fast this machine goes (a resume starts part-way).
  const doneHere = done - doneAtStart;
  const perTrial = doneHere > 0 ? (now - startedAt) / doneHere : null;
  const eta = perTrial === null ? null : (perTrial * remaining) / Math.max(1, Math.min(sweep.parallel, remaining || 1));
  const best = sweep.best_value === null ? '-' : `${formatValue(sweep.best_value)} (run ${sweep.best_run_id})`;
  return `trials ${done}/${sweep.trials_planned} done, ${c.running} running, ${c.pruned} pruned, ${c.failed} failed | best ${sweep.objective.metric} ${best} | ETA ${formatDuration(remaining === 0 ? 0 : eta)}`;
}

function sweepJson(detail: SweepDetail) {
  return {
    sweep_id: detail.sweep_id,
    name: detail.name,
    status: detail.status,
    error: detail.error,
    strategy: detail.strategy,
    objective: `${detail.objective.metric}:${detail.objective.direction}`,
    best_run_id: detail.best_run_id,
    best_value: detail.best_value,
    workers: detail.workers,
    trials: detail.trials.map((t) => ({ trial: t.trial, run_id: t.run_id, status: t.status, params: t.params, value: t.value, epochs: t.epochs, host: t.host })),
  };
}

/** The lines that tell a user of a sweep on workers how to run it: the exact worker command, for any machine. */
function workerInstructions(location: DbLocation, sweepId: number): string {
  const { command, note } = workerCommandLine(location, sweepId);
  return `It runs on workers: start one or more on any machine that reaches the database with\n  ${command}\n${note ? `${note}\n` : ''}`;
}

/**
 * `runboard sweep stop ID`: stops a running sweep wherever it runs. One on workers: they stop its trials at their next
 * epoch or heartbeat, and the trials go back to the sweep (`runboard sweep resume ID` opens it to workers again). One
 * run by its own process (`runboard sweep`, the app or `serve`, on any machine): that process reads the request at
 * its trials' next epoch and stops the sweep as its own Stop does.
 */
async function stopSweep(sweepId: number, flags: SweepFlags, io: CliIo): Promise<number> {
  const core = await openCore({ db: resolveDbLocation(flags.db, io.env), host: 'cli' });
  try {
    const sweep = await core.store.sweeps.get(sweepId);
    if (!sweep) throw new AppError('NOT_FOUND', `Sweep ${sweepId} does not exist.`);
    if (!(await core.sweeps.stopAnywhere(sweepId))) {
      io.stdout.write(`Sweep ${sweepId} is not running (${sweep.status}): nothing to stop.\n`);
    } else if (sweep.workers) {
      io.stdout.write(`Sweep ${sweepId} stopped: its workers stop its running trials at their next epoch, and those trials go back to the sweep. Resume it with: runboard sweep resume ${sweepId}\n`);
    } else {
      io.stdout.write(`Sweep ${sweepId} is stopping: the process running it stops its trials at their next epoch. Resume it with: runboard sweep resume ${sweepId}\n`);
    }
    return EXIT.ok;
  } finally {
    await core.dispose();
  }
}

/**
 * `runboard sweep ...` starts a sweep; `runboard sweep resume ID` resumes one; `runboard sweep stop ID` stops one that
 * runs on workers. Shows progress on a terminal, prints one JSON object with `--json`. Ctrl+C stops the running
 * trials; the sweep can be resumed. Exit 0 when it finished. With `--no-local` the sweep is created (planned and
 * checked as always) for `runboard worker` processes and nothing runs here: it prints the worker command, exit 0.
 */
export async function sweepCommand(action: string | undefined, sweepIdText: string | undefined, flags: SweepFlags, io: CliIo): Promise<number> {
  if (action !== undefined && action !== 'resume' && action !== 'stop') throw new AppError('BAD_INPUT', `Unknown sweep action "${action}": use \`runboard sweep resume ID\`, \`runboard sweep stop ID\`, or flags to start a sweep.`);
  const actionId = action === undefined ? null : Number(sweepIdText);
  if (action !== undefined && (!Number.isInteger(actionId) || (actionId ?? 0) < 1)) throw new AppError('BAD_INPUT', `sweep ${action} needs a sweep id, e.g. \`runboard sweep ${action} 3\`.`);
  if (action === 'stop') return stopSweep(actionId as number, flags, io);
  const resumeId = actionId;
  const request =
    resumeId === null
      ? withFlagNames(() => {
          const { seed: _trainingSeed, name, experiment, ...fixed } = trainingInputFromFlags({ ...flags, seed: undefined });
          if (fixed.dataset === undefined) throw new AppError('BAD_INPUT', '--dataset: a sweep needs a dataset', [{ field: 'dataset', message: 'required' }]);
          const raw = {
            name,
            experiment,
            strategy: flags.strategy,
            params: flags.param ?? [],
            trials: number(flags.trials),
            fixed,
            objective: flags.objective,
            parallel: number(flags.parallel),
            seed: number(flags.seed),
            min_epochs: number(flags.minEpochs),
            reduction_factor: number(flags.reductionFactor),
            pruner: flags.pruner,
            warm_start: flags.warmStart,
            yes: flags.yes === true,
          };
          return parseOrThrow(sweepRequestSchema, Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)), 'sweep options');
        })
      : null;

  const location = resolveDbLocation(flags.db, io.env);
  const core = await openCore({ db: location, host: 'cli' });
  const live = io.stderr.isTTY === true;
  const startedAt = Date.now();
  let sweepId: number | null = null;
  let doneAtStart = 0;
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals > 1) process.exit(EXIT.interrupted);
    io.stderr.write('\nStopping the running trials (Ctrl+C again to quit at once)...\n');
    if (sweepId !== null) core.sweeps.stop(sweepId);
  };
  const onEvent = (event: AnyEvent) => {
    if (event.event !== 'sweep/updated' || event.payload.sweep.sweep_id !== sweepId || flags.json) return;
    const line = sweepProgressLine(event.payload.sweep, startedAt, Date.now(), doneAtStart);
    if (live) io.stderr.write(`\r${line}\x1b[K`);
  };
  const unsubscribe = core.api.subscribe(onEvent);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const onWorkers = resumeId === null && flags.local === false;
    const started = await withFlagNames(() =>
      resumeId !== null ? core.sweeps.resume(resumeId) : onWorkers ? core.sweeps.createForWorkers(request as NonNullable<typeof request>) : core.sweeps.start(request as NonNullable<typeof request>),
    );
    if (started.workers) {
      if (flags.json) io.stdout.write(JSON.stringify({ ...sweepJson(started), worker_command: workerCommandLine(location, started.sweep_id).command }) + '\n');
      else {
        io.stdout.write(
          `Sweep ${started.sweep_id} (${started.name}): ${started.strategy} search, ${started.trials_planned} trials, objective ${started.objective.metric}:${started.objective.direction}, seed ${started.seed}; database ${core.dbPath}\n`,
        );
        io.stdout.write(workerInstructions(location, started.sweep_id));
      }
      return EXIT.ok;
    }
    sweepId = started.sweep_id;
    doneAtStart = started.counts.finished + started.counts.pruned + started.counts.failed;
    if (!flags.json) {
      io.stdout.write(
        `Sweep ${started.sweep_id} (${started.name}): ${started.strategy} search, ${started.trials_planned} trials, ${started.parallel} at once, objective ${started.objective.metric}:${started.objective.direction}, seed ${started.seed}; database ${core.dbPath}\n`,
      );
    }
    const status = await core.sweeps.wait(started.sweep_id);
    if (live) io.stderr.write('\r\x1b[K');
    const detail = (await core.store.sweeps.get(started.sweep_id)) as SweepDetail;
    if (flags.json) {
      io.stdout.write(JSON.stringify(sweepJson(detail)) + '\n');
    } else {
      io.stdout.write(`${sweepProgressLine(detail, startedAt, Date.now(), doneAtStart)}\n`);
      io.stdout.write(`Sweep ${detail.sweep_id} ${detail.status}.${detail.error ? ` ${detail.error}` : ''}`);
      if (detail.status !== 'finished') io.stdout.write(` Resume it with: runboard sweep resume ${detail.sweep_id}`);
      io.stdout.write('\n');
    }
    // Stopped by Ctrl+C here, or by a stop from another process (`runboard sweep stop`, the app, serve, another machine).
    return status === 'finished' ? EXIT.ok : signals > 0 || status === 'stopped' ? EXIT.interrupted : EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    unsubscribe();
    await core.dispose();
  }
}

/** `runboard sweeps`: the sweeps table, or a JSON array with `--json`. */
export async function sweepsCommand(flags: { db?: string; json?: boolean }, io: CliIo): Promise<number> {
  const core = await openCore({ db: resolveDbLocation(flags.db, io.env), host: 'cli' });
  try {
    const sweeps = await core.store.sweeps.list();
    if (flags.json) {
      io.stdout.write(JSON.stringify(sweeps) + '\n');
    } else if (sweeps.length === 0) {
      io.stdout.write('No sweeps yet. Start one with: runboard sweep --dataset digits --param "lr=loguniform(1e-4,1e-2)" --trials 10\n');
    } else {
      io.stdout.write(
        textTable(
          ['id', 'name', 'strategy', 'status', 'trials', 'done', 'pruned', 'failed', 'objective', 'best', 'best run'],
          sweeps.map((s) => [
            String(s.sweep_id),
            s.name,
            s.strategy,
            s.status,
            String(s.trials_planned),
            String(s.counts.finished + s.counts.pruned + s.counts.failed),
            String(s.counts.pruned),
            String(s.counts.failed),
            `${s.objective.metric}:${s.objective.direction}`,
            formatValue(s.best_value ?? undefined),
            s.best_run_id === null ? '-' : String(s.best_run_id),
          ]),
        ),
      );
    }
    return EXIT.ok;
  } finally {
    await core.dispose();
  }
}
