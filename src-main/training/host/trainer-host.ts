import { AppError } from '../../../src-shared/api/errors';
import type { AnyEvent } from '../../../src-shared/api/events';
import { isTerminal, toMetricValue, type RunOutcome, type RunProgress, type RunStatus, type RunSummary } from '../../../src-shared/entities/run';
import { flattenParams, type ResolvedTrainConfig, type TrainConfig } from '../../../src-shared/entities/train-config';
import type { DatasetCatalogue } from '../../datasets/catalogue';
import { isDiskFull } from '../../disk-full';
import { checkpointDirectory, workerEntry } from '../../paths';
import type { RunStore } from '../../store/run-store';
import { planRun } from './preflight';
import { randomSeed } from '../../../src-shared/prng';
import { DeviceProbes } from './device-probes';
import type { WorkerLauncher } from './worker-launcher';
import { WorkerPool, type PooledWorker } from './worker-pool';
import { RunWrites, type UnreachableLimits } from './run-writes';
import type { EpochMessage, HostToWorker, RungDecision, TrainJob, WorkerToHost } from '../worker-protocol';

type EndStatus = Exclude<RunStatus, 'queued' | 'running'>;

/** How long a run's end waits for space on a full disk before the host gives up writing it (see `writeEnd`). */
export const DISK_FULL_END_WAIT_MS = 10_000;

/** A run's end that the database could not take (its disk is full): what it was, and why it is not recorded. */
export interface UnrecordedEnd {
  status: EndStatus;
  error: string | null;
  /** The disk-full error that kept it out of the database. */
  notRecorded: string;
}
type StopAs = 'stopped' | 'pruned' | 'interrupted';

/** The outcome of a run whose worker could not report one (it crashed, or was stopped before it began). */
function failedOutcome(status: EndStatus): RunOutcome {
  return {
    stop_reason: status === 'stopped' || status === 'pruned' ? status : status === 'interrupted' ? 'stopped' : status === 'diverged' ? 'diverged' : 'failed',
    best_epoch: null,
    restored_best: false,
    frozen_layers: [],
    output_layer_replaced: false,
    checkpoint: { final: false, best: false },
    train_size: null,
    val_size: null,
    test_size: null,
  };
}

interface ActiveRun {
  runId: number;
  worker: PooledWorker;
  /** The pool key the worker goes back to after a clean end (a sweep's trials), or null: it exits. */
  poolKey: string | null;
  /** The worker said it can train another run. */
  reusable: boolean;
  /** Store writes for this run, in message order; they wait for a database that is unreachable for a while. */
  writes: RunWrites;
  ended: boolean;
  stopRequested: boolean;
  /**
   * How a requested stop is recorded: `stopped`, `pruned` when a sweep's successive halving ended the trial, or
   * `interrupted` when a sweep worker gave its trial back (`stopReason` says why).
   */
  stopAs: StopAs;
  stopReason: string | null;
  /** Judges the trial at its rung epochs (a successive-halving sweep), or null. */
  rungs: RungJudge | null;
  progress: RunProgress | null;
  done: Promise<RunStatus>;
  resolveDone(status: RunStatus): void;
  killTimer?: NodeJS.Timeout;
}

/**
 * A successive-halving sweep's judge for one trial: the epochs at which the trial waits for a decision, and the
 * decision itself, asked once per rung epoch after that epoch is committed, with the metrics the worker reported
 * (numbers; NaN or infinite when a loss diverged; the epoch of a loss that diverged mid-epoch lacks the validation
 * metrics). It may answer later (a sweep on workers asks the store, where every machine's reports are judged in
 * turn); the trial waits meanwhile, and a judge that fails ends the run `failed` with the reason.
 */
export interface RungJudge {
  epochs: readonly number[];
  judge(epoch: number, metrics: Readonly<Record<string, number>>): RungDecision | Promise<RungDecision>;
}

/** How a run asked to stop is recorded: `stopped` (the default), or `interrupted` with the reason (a sweep worker gave its trial back). */
export type StopOptions = { as?: 'stopped' } | { as: 'interrupted'; reason: string };

/** The sweep a run is a trial of, as its runner starts it. */
export interface TrialOptions {
  sweepId: number;
  trial: number;
  /** Successive halving: the trial waits at these rungs for this judge (passed here, so no decision can be missed). */
  rungs?: RungJudge;
}

export interface TrainerHostOptions {
  store: RunStore;
  datasets: DatasetCatalogue;
  launcher: WorkerLauncher;
  emit: (event: AnyEvent) => void;
  /** The built worker script; defaults to out/main/training-worker.js. */
  workerEntry?: string;
  /** How long a stopped worker may take to finish its batch before it is killed. */
  stopGraceMs?: number;
  /**
   * How long a run's end waits for space when its disk is full (default `DISK_FULL_END_WAIT_MS`; `Infinity` for a host
   * that stays up, so the end is written once space returns).
   */
  diskFullEndWaitMs?: number;
  /** How long, and for how many epochs, a run waits for an unreachable database (`RunWrites`); for tests. */
  unreachable?: UnreachableLimits;
}

/**
 * Starts and supervises training processes, one run at a time per process, and is the only writer of their results:
 * params when the run is created (before any epoch), each epoch's metrics in one transaction when it ends,
 * and the final status. Pushes every change as an event. A sweep's trials reuse warm processes (`WorkerPool`)
 * until `releaseWorkers` is called for the sweep; a run outside a sweep has a process of its own.
 */
export class TrainerHost {
  private readonly active = new Map<number, ActiveRun>();
  private readonly unrecorded = new Map<number, UnrecordedEnd>();
  private readonly pool: WorkerPool;
  private disposed = false;
  /** Which backend and device a run would get (the New run form), probed in throwaway training processes. */
  readonly devices: DeviceProbes;

  constructor(private readonly options: TrainerHostOptions) {
    this.pool = new WorkerPool(options.launcher);
    this.devices = new DeviceProbes(options.launcher);
  }

  /**
   * Checks everything that can be checked before a run exists (dataset, split, backend), then creates the run
   * with all its params and starts its process.
   * @throws AppError(BAD_INPUT | BACKEND_UNAVAILABLE) before anything is written.
   */
  async start(input: TrainConfig, sweep: TrialOptions | null = null): Promise<RunSummary> {
    if (this.disposed) throw new AppError('CONFLICT', 'Runboard is shutting down; the run was not started.');
    const { datasets, store } = this.options;
    const plan = await planRun(input, datasets, store);
    const config: ResolvedTrainConfig = { ...plan.config, seed: plan.config.seed ?? randomSeed() };
    const { name, experiment, ...hyperparameters } = config;
    const run = await store.createRun({
      experiment,
      name,
      dataset: config.dataset,
      config: hyperparameters,
      // The layer list is recorded as built (a preset or the MLP shorthand expanded, the flatten it needed added).
      params: { ...flattenParams(config, plan.initialWeights), layers: plan.model.text, ...(plan.modelName ? { model: plan.modelName } : {}) },
      seed: config.seed,
      backend: config.backend,
      parentRunId: plan.parentRunId,
      kind: plan.kind,
      sweep: sweep ? { sweepId: sweep.sweepId, trial: sweep.trial } : null,
    });
    this.options.emit({ event: 'run/created', payload: { run } });
    const rungs = sweep?.rungs ?? null;
    this.launch(run.run_id, sweep ? `sweep:${sweep.sweepId}:${config.backend}` : null, rungs, {
      config,
      dataset: datasets.source(config.dataset),
      checkpointDir: checkpointDirectory(store.filesDir, run.run_id),
      initialWeights: plan.initialWeights,
      frozenLayers: plan.frozenLayers,
      ...(plan.splitSeed !== null ? { splitSeed: plan.splitSeed } : {}),
      ...(rungs ? { rungEpochs: [...rungs.epochs] } : {}),
    });
    return run;
  }

  /**
   * Asks a run this host trains to stop after its current batch (or where it waits at a rung); kills its process if
   * it does not end within the grace period (a run another process trains is stopped through the store:
   * `RunStore.requestStop`, which this host reads after each epoch of its runs). The run ends `stopped` (or as `options` say), unless successive halving pruned it first
   * (then `pruned`): the first reason to stop is the one recorded.
   */
  stop(runId: number, options: StopOptions = {}): boolean {
    const active = this.active.get(runId);
    if (!active || active.ended) return false;
    this.requestStop(active, options.as ?? 'stopped', { type: 'stop', runId }, options.as === 'interrupted' ? options.reason : null);
    return true;
  }

  /** Ends the warm processes kept for a sweep's trials (the sweep has nothing left to start). */
  releaseWorkers(sweepId: number): void {
    this.pool.drain(`sweep:${sweepId}:`);
  }

  /** Resolves with the run's final status once it has ended and everything is written. */
  async wait(runId: number): Promise<RunStatus> {
    const active = this.active.get(runId);
    if (active) return active.done;
    const run = await this.options.store.getRun(runId);
    if (!run) throw new AppError('NOT_FOUND', `Run ${runId} does not exist.`);
    return run.status;
  }

  /**
   * How a run ended when the database could not record it (its disk was full), kept for the rest of this process so
   * the CLI can still say it; null once it is recorded, and for every other run.
   */
  unrecordedEnd(runId: number): UnrecordedEnd | null {
    return this.unrecorded.get(runId) ?? null;
  }

  /** The epochs of a run waiting for an unreachable database, oldest first (none when it is reachable). */
  unwrittenEpochs(runId: number): readonly number[] {
    return this.active.get(runId)?.writes.unwrittenEpochs ?? [];
  }

  /** Live progress of running runs (not stored: it is superseded by each committed epoch). */
  progressOf(runId: number): RunProgress | null {
    return this.active.get(runId)?.progress ?? null;
  }

  get runningCount(): number {
    return this.active.size;
  }

  /** Stops every run (they end as `stopped`), waits for their last writes, and refuses new runs. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const pending = [...this.active.values()];
    this.pool.dispose();
    for (const active of pending) this.stop(active.runId);
    await Promise.all(pending.map((active) => active.done));
  }

  private launch(runId: number, poolKey: string | null, rungs: RungJudge | null, job: TrainJob): void {
    const worker = this.pool.acquire(poolKey, this.options.workerEntry ?? workerEntry());
    let resolveDone!: (status: RunStatus) => void;
    const done = new Promise<RunStatus>((resolve) => (resolveDone = resolve));
    const active: ActiveRun = {
      runId,
      worker,
      poolKey,
      reusable: false,
      writes: new RunWrites(
        {
          gaveUp: (reason) => this.giveUp(active, reason),
          failed: (error, epoch) => this.writeFailed(active, error, epoch),
          closing: () => this.disposed,
        },
        this.options.unreachable,
      ),
      ended: false,
      stopRequested: false,
      stopAs: 'stopped',
      stopReason: null,
      rungs,
      progress: null,
      done,
      resolveDone,
    };
    this.active.set(runId, active);
    worker.own({
      onMessage: (message) => this.onMessage(active, message),
      onExit: (exit) => {
        if (!active.ended) {
          const status: EndStatus = active.stopRequested && !exit.error ? 'stopped' : 'failed';
          const error = exit.error
            ? `The training process could not be started: ${exit.error}`
            : `The training process ${exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`} before the run ended (out of memory?).`;
          this.end(active, status, status === 'stopped' ? null : error, Date.now());
        }
      },
    });
    worker.handle.send({ type: 'start', runId, job, reuse: poolKey !== null });
  }

  private onMessage(active: ActiveRun, message: WorkerToHost): void {
    const { store, emit } = this.options;
    const runId = active.runId;
    switch (message.type) {
      case 'started':
        this.enqueue(active, null, async () => {
          await store.markRunning(runId, { backend: message.backend, device: message.device, time: message.time });
          await this.emitUpdated(runId);
          await this.obeyStopRequest(active);
        });
        break;
      case 'epoch':
        this.enqueue(active, message.epoch, async () => {
          await store.logEpoch(runId, { step: message.epoch, time: message.time, metrics: message.metrics });
          const metrics = Object.fromEntries(Object.entries(message.metrics).map(([k, v]) => [k, toMetricValue(v)]));
          emit({ event: 'run/epoch-logged', payload: { run_id: runId, epoch: message.epoch, time: message.time, metrics } });
          await this.obeyStopRequest(active);
          // Answered once the epoch is committed, so a pruned trial's last epoch is its rung's, and it is stored.
          if (message.awaitsDecision) await this.answerRung(active, message);
        });
        break;
      case 'progress': {
        const progress: RunProgress = {
          epoch: message.epoch,
          epochs: message.epochs,
          batch: message.batch,
          batches: message.batches,
          loss: toMetricValue(message.loss),
          eta_ms: message.etaMs,
        };
        active.progress = progress;
        emit({ event: 'run/progressed', payload: { run_id: runId, progress } });
        break;
      }
      case 'metrics':
        this.enqueue(active, message.step, async () => {
          await store.logBatch(runId, Object.entries(message.metrics).map(([key, value]) => ({ key, step: message.step, value, time: message.time })));
          const metrics = Object.fromEntries(Object.entries(message.metrics).map(([k, v]) => [k, toMetricValue(v)]));
          emit({ event: 'run/epoch-logged', payload: { run_id: runId, epoch: message.step, time: message.time, metrics } });
        });
        break;
      case 'artifact':
        this.enqueue(active, null, () => store.putArtifact(runId, message.name, message.data));
        break;
      case 'ended':
        active.reusable = message.reusable;
        this.end(active, message.status, message.error, message.time, message.outcome);
        break;
      case 'probed':
        break;
    }
  }

  /**
   * A Stop asked through the store (`RunStore.requestStop`, from any process or machine) stops the run as `stop` does.
   * Read when the run starts and after each committed epoch; a read that fails is tried again at the next epoch.
   */
  private async obeyStopRequest(active: ActiveRun): Promise<void> {
    if (active.ended || active.stopRequested) return;
    const requested = await this.options.store.stopRequested(active.runId).catch(() => false);
    if (requested && !active.ended && !active.stopRequested) this.requestStop(active, 'stopped', { type: 'stop', runId: active.runId }, null);
  }

  /** Answers a worker that waits at a rung epoch: the trial goes on, or ends there as pruned. */
  private async answerRung(active: ActiveRun, message: EpochMessage): Promise<void> {
    // A stop requested meanwhile has already let the worker go: the run ends as that stop says, unjudged.
    if (active.ended || active.stopRequested) return;
    const decision = (await active.rungs?.judge(message.epoch, message.metrics)) ?? 'continue';
    // Or a stop that came while the judge was deciding.
    if (active.ended || active.stopRequested) return;
    const answer = { type: 'decision', runId: active.runId, epoch: message.epoch, decision } as const;
    if (decision === 'prune') this.requestStop(active, 'pruned', answer);
    else active.worker.handle.send(answer);
  }

  /** Marks a run as stopping (the first reason is the one recorded), tells its worker, and arms the kill timer. */
  private requestStop(active: ActiveRun, as: StopAs, message: HostToWorker, reason: string | null = null): void {
    if (!active.stopRequested) {
      active.stopAs = as;
      active.stopReason = reason;
    }
    active.stopRequested = true;
    active.worker.handle.send(message);
    active.killTimer ??= setTimeout(() => active.worker.handle.kill(), this.options.stopGraceMs ?? 10_000);
  }

  private end(active: ActiveRun, reported: EndStatus, error: string | null, time: number, reportedOutcome: RunOutcome | null = null): void {
    if (active.ended) return;
    // A stop the worker obeyed is recorded as it was asked for.
    const status: EndStatus = reported === 'stopped' ? active.stopAs : reported;
    const pruned = status === 'pruned';
    const outcome = pruned && reportedOutcome ? { ...reportedOutcome, stop_reason: 'pruned' as const } : reportedOutcome;
    if (status === 'interrupted') error = active.stopReason;
    active.ended = true;
    active.progress = null;
    if (active.killTimer) clearTimeout(active.killTimer);
    this.enqueue(active, null, async () => {
      if (await this.writeEnd(active.runId, { status, time, error, outcome: outcome ?? failedOutcome(status) })) await this.emitUpdated(active.runId);
    });
    void active.writes.settled.finally(() => {
      this.active.delete(active.runId);
      const { worker } = active;
      if (active.poolKey !== null && active.reusable && !this.disposed) this.pool.release(active.poolKey, worker);
      else {
        worker.disown();
        // A worker that offered itself for another run waits for one: end it. Any other exits by itself after its
        // last message; make sure it does.
        if (active.reusable) worker.handle.kill();
        else if (worker.alive) setTimeout(() => worker.handle.kill(), 5000).unref();
      }
      active.resolveDone(status);
    });
  }

  /**
   * Writes a run's end. On a full disk it is tried again (waits growing to 5 s) for up to `diskFullEndWaitMs`, for the
   * user (or the process that filled the disk) to free some space. When
   * it still cannot be written (or the host is closing), the end is kept in memory (`unrecordedEnd`), said on one
   * line, and the run reads `interrupted` in the database when Runboard next opens it. Returns whether it was written.
   */
  private async writeEnd(runId: number, end: Parameters<RunStore['endRun']>[1]): Promise<boolean> {
    const limit = this.options.diskFullEndWaitMs ?? DISK_FULL_END_WAIT_MS;
    const started = Date.now();
    for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        await this.options.store.endRun(runId, end);
        this.unrecorded.delete(runId);
        return true;
      } catch (error) {
        if (!isDiskFull(error)) throw error;
        const why = error instanceof AppError ? error.message : (error as Error).message;
        if (!this.unrecorded.has(runId)) {
          console.error(`runboard: run ${runId} ended ${end.status}; the database cannot record that yet, as its disk is full. Waiting for space${Number.isFinite(limit) ? ` (up to ${Math.round(limit / 1000)} s)` : ''}...`);
        }
        this.unrecorded.set(runId, { status: end.status, error: end.error ?? null, notRecorded: why });
        if (this.disposed || Date.now() - started + wait > limit) {
          console.error(`runboard: run ${runId}: the disk is still full, so the database could not record how it ended; it will read "interrupted" when Runboard next opens the database.`);
          return false;
        }
        await new Promise((resolveWait) => setTimeout(resolveWait, wait));
      }
    }
  }

  /** Chains a store write after the run's previous ones (`epoch`: the epoch it writes, or null for another write). */
  private enqueue(active: ActiveRun, epoch: number | null, write: () => Promise<void>): void {
    active.writes.add(write, epoch ?? undefined);
  }

  /**
   * A write failed for another reason than an unreachable database (a full disk, a refused value): the run stops
   * instead of losing order, and ends `failed` with the reason, naming the epoch that was not written. Said once, on
   * one line: the writes queued behind it fail the same way and add nothing a user needs.
   */
  private writeFailed(active: ActiveRun, error: unknown, epoch?: number): void {
    if (active.ended) return;
    const reason = error instanceof AppError ? error.message : `Writing the run failed: ${(error as Error).message}`;
    const message = epoch === undefined ? reason : `Epoch ${epoch} could not be written. ${reason}`;
    // A bug (not an AppError) keeps its stack for whoever reads the host's log; a full disk does not need one.
    if (error instanceof AppError) console.error(`runboard: run ${active.runId}: ${message}`);
    else console.error(`runboard: writing run ${active.runId} failed:`, error);
    active.worker.handle.send({ type: 'stop', runId: active.runId });
    this.end(active, 'failed', message, Date.now());
  }

  /**
   * The database stayed unreachable too long (or too many epochs waited for it): the run ends `failed` with the
   * reason, written once the database is back, and its process is ended at once, since nothing more it logs can be kept.
   */
  private giveUp(active: ActiveRun, reason: string): void {
    console.error(`runboard: run ${active.runId}: ${reason}`);
    if (active.ended) return;
    this.end(active, 'failed', reason, Date.now());
    active.worker.handle.kill();
  }

  private async emitUpdated(runId: number): Promise<void> {
    const run = await this.options.store.getRun(runId);
    if (!run) return;
    const { config: _config, ...summary } = run;
    if (!isTerminal(summary.status)) summary.progress = this.progressOf(runId);
    this.options.emit({ event: 'run/updated', payload: { run: summary } });
  }
}
