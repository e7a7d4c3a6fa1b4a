import { availableParallelism } from 'node:os';
import { AppError } from '../../src-shared/api/errors';
import { BACKENDS, type BackendChoice } from '../../src-shared/entities/train-config';
import { openCore } from '../core';
import { isServerLocation, resolveDbLocation, withoutPassword, type DbLocation } from '../paths';
import { SweepWorker, type WorkerNotice } from '../search/sweep-worker';
import { formatValue } from './format';
import { EXIT, type CliIo } from './io';

export interface WorkerFlags {
  db?: string;
  sweep?: string;
  parallel?: string;
  backend?: string;
  grace?: string;
}

/** How long a worker may be silent before its trials are handed on, by default (seconds). */
export const DEFAULT_GRACE_SECONDS = 60;

/** The worker's settings from its flags. @throws AppError(BAD_INPUT) naming the flag. */
export function parseWorkerFlags(flags: WorkerFlags): { sweepId: number | null; parallel: number; backend: BackendChoice | null; graceMs: number } {
  const whole = (flag: string, text: string | undefined, min: number, max: number): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    const range = max === Number.MAX_SAFE_INTEGER ? `from ${min}` : `from ${min} to ${max}`;
    if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) throw new AppError('BAD_INPUT', `${flag}: must be a whole number ${range}, not "${text}".`, [{ field: flag, message: `a whole number ${range}` }]);
    return value;
  };
  const sweepId = whole('--sweep', flags.sweep, 1, Number.MAX_SAFE_INTEGER) ?? null;
  const parallel = whole('--parallel', flags.parallel, 1, 256) ?? availableParallelism();
  if (flags.backend !== undefined && !(BACKENDS as readonly string[]).includes(flags.backend)) {
    throw new AppError('BAD_INPUT', `--backend: must be one of ${BACKENDS.join(', ')}, not "${flags.backend}".`, [{ field: '--backend', message: `one of ${BACKENDS.join(', ')}` }]);
  }
  let graceMs = DEFAULT_GRACE_SECONDS * 1000;
  if (flags.grace !== undefined) {
    const seconds = Number(flags.grace);
    if (flags.grace.trim() === '' || !Number.isFinite(seconds) || seconds < 0.5 || seconds > 86_400) {
      throw new AppError('BAD_INPUT', `--grace: must be a number of seconds from 0.5 to 86400, not "${flags.grace}".`, [{ field: '--grace', message: 'seconds from 0.5 to 86400' }]);
    }
    graceMs = seconds * 1000;
  }
  return { sweepId, parallel, backend: (flags.backend as BackendChoice | undefined) ?? null, graceMs };
}

/** A shell word: quoted when it holds anything a shell would read otherwise. */
function shellWord(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that runs a worker for a sweep on this store, for another machine to copy: the database as given,
 * without a password (each worker gives its own, through PGPASSWORD or ~/.pgpass). `note` says so when one was left out.
 */
export function workerCommandLine(location: DbLocation, sweepId: number): { command: string; note: string | null } {
  const db = isServerLocation(location) ? withoutPassword(location.url) : { url: location.path, removed: false };
  return {
    command: `runboard worker --db ${shellWord(db.url)} --sweep ${sweepId}`,
    note: db.removed ? 'The password is left out: give it to each worker as PGPASSWORD or in ~/.pgpass.' : null,
  };
}

const trialName = (sweepId: number, trial: number) => `trial ${trial} of sweep ${sweepId}`;

/** A worker's notice as the line it prints (stdout), or as a warning (stderr). */
export function noticeLine(notice: WorkerNotice): { text: string; warning: boolean } {
  const line = (text: string) => ({ text, warning: false });
  switch (notice.kind) {
    case 'started':
      return line(`${trialName(notice.sweepId, notice.trial)}: run ${notice.runId} started on ${notice.host}${notice.attempt > 1 ? ` (attempt ${notice.attempt}: handed on from a silent worker)` : ''}`);
    case 'ended': {
      const result = notice.status === 'failed' || notice.status === 'diverged' ? `${notice.status}${notice.error ? `: ${notice.error}` : ''}` : `${notice.status}, ${notice.metric} ${formatValue(notice.value ?? undefined)}`;
      const late = notice.handedOn ? ' (the trial had already gone to another worker: this worker was silent for longer than the grace period)' : '';
      return line(`${trialName(notice.sweepId, notice.trial)}: run ${notice.runId} ${result}${late}`);
    }
    case 'given-back':
      return line(`${trialName(notice.sweepId, notice.trial)}: run ${notice.runId} ${notice.status}; the trial went back to the sweep`);
    case 'stopping':
      return line(`${trialName(notice.sweepId, notice.trial)}: run ${notice.runId} stopping: the sweep was stopped`);
    case 'lost':
      return line(`${trialName(notice.sweepId, notice.trial)}: run ${notice.runId} stopping: this worker was silent for longer than the grace period, and the trial went to another worker`);
    case 'released': {
      const { stale } = notice;
      const what =
        stale.now === 'pending'
          ? `${stale.runId === null ? 'no run yet' : `run ${stale.runId} interrupted`}; the trial is handed on`
          : stale.runId === null
            ? 'the trial is given up (its workers stopped answering twice)'
            : `run ${stale.runId} ended as it was (or failed: its workers stopped answering twice); the trial is done`;
      return line(`${trialName(stale.sweepId, stale.trial)}: its worker ${stale.worker} was not heard from for the grace period: ${what}`);
    }
    case 'sweep-finished':
      return line(`sweep ${notice.sweepId} finished: every trial ran`);
    case 'start-failed':
      return { text: `runboard worker: ${trialName(notice.sweepId, notice.trial)} cannot start on this machine: ${notice.error} It went back to the sweep; this worker takes no more trials.`, warning: true };
    case 'store-error':
      return { text: `runboard worker: the database did not answer (${notice.error}); trying again.`, warning: true };
  }
}

/**
 * `runboard worker`: claims and trains the trials of sweeps made with `runboard sweep --no-local`, on this machine,
 * `--parallel` at a time, logging into the same database as every other worker. Prints one line per trial taken and
 * ended. Exit 0 once its sweep (or every worker sweep) has no trial left to claim and its own trials have ended; 130
 * after Ctrl+C (its trials end `interrupted` and go back to their sweeps); 1 when a trial cannot start here.
 */
export async function workerCommand(flags: WorkerFlags, io: CliIo): Promise<number> {
  const settings = parseWorkerFlags(flags);
  const location = resolveDbLocation(flags.db, io.env);
  const core = await openCore({ db: location, host: 'cli' });
  let signals = 0;
  let worker: SweepWorker | null = null;
  const onSignal = () => {
    signals++;
    if (signals > 1) process.exit(EXIT.interrupted);
    io.stderr.write('\nStopping: the running trials go back to their sweeps (Ctrl+C again to quit at once)...\n');
    worker?.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (settings.sweepId !== null) {
      const sweep = await core.store.sweeps.get(settings.sweepId);
      if (!sweep) throw new AppError('NOT_FOUND', `Sweep ${settings.sweepId} does not exist in ${core.dbPath}.`);
      if (!sweep.workers) throw new AppError('BAD_INPUT', `--sweep: sweep ${settings.sweepId} is run by the process that started it, not by workers: only a sweep made with \`runboard sweep --no-local\` takes workers.`);
      if (sweep.status !== 'running') io.stderr.write(`Sweep ${settings.sweepId} is ${sweep.status}: there is nothing to run${sweep.status === 'stopped' ? ` (resume it with: runboard sweep resume ${settings.sweepId})` : ''}.\n`);
    }
    worker = new SweepWorker({
      store: core.store,
      trainer: core.trainer,
      subscribe: (listener) => core.events.subscribe(listener),
      ...settings,
      notify: (notice) => {
        const { text, warning } = noticeLine(notice);
        (warning ? io.stderr : io.stdout).write(`${text}\n`);
      },
    });
    const { sweepId, parallel, backend, graceMs } = settings;
    io.stdout.write(
      `Worker ${worker.id} on ${core.dbPath}: ${sweepId === null ? 'every sweep made with --no-local' : `sweep ${sweepId}`}, ${parallel} trial${parallel === 1 ? '' : 's'} at once, backend ${backend ?? "the sweep's"}, grace ${graceMs / 1000} s\n`,
    );
    if (signals > 0) worker.stop();
    const end = await worker.run();
    if (end.status === 'done') io.stdout.write(`No trial left to claim${sweepId === null ? '' : ` in sweep ${sweepId}`}: this worker is done.\n`);
    if (end.status === 'failed') io.stderr.write(`runboard worker: stopped taking trials: ${end.error}\n`);
    return end.status === 'done' ? EXIT.ok : end.status === 'stopped' ? EXIT.interrupted : EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await core.dispose();
  }
}
