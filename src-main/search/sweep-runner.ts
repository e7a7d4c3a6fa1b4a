import { availableParallelism } from 'node:os';
import { AppError } from '../../src-shared/api/errors';
import type { AnyEvent } from '../../src-shared/api/events';
import { fromMetricValue, type RunStatus } from '../../src-shared/entities/run';
import { ashaRungs, type SweepDetail, type SweepRequest, type SweepStatus } from '../../src-shared/entities/sweep';
import type { DatasetCatalogue } from '../datasets/catalogue';
import type { RunStore } from '../store/run-store';
import { DONE_TRIAL_STATUSES, summaryOf } from '../store/sweep-store';
import type { RungJudge, TrainerHost } from '../training/host/trainer-host';
import { Rungs } from './asha';
import type { ParamValue } from '../../src-shared/search/space';
import { describeSpace, planSweep, trialConfig } from './sweep-planner';
import { paramsForTrial } from './trial-params';
import { collectWarmStart } from './warm-start';

interface ActiveSweep {
  sweepId: number;
  detail: SweepDetail;
  /** Trial numbers still to start, in order. */
  queue: number[];
  /** Running trials: run id -> trial number. */
  running: Map<number, number>;
  /** Trials whose run is being created (not yet in `running`): the sweep cannot settle while any is. */
  starting: number;
  rungs: Rungs | null;
  stopping: boolean;
  /** A read of the store's stop request (`SweepStore.stopRequested`) is under way. */
  readingStopRequest: boolean;
  failure: string | null;
  done: Promise<SweepStatus>;
  finish(status: SweepStatus): void;
}

export interface SweepRunnerOptions {
  store: RunStore;
  trainer: TrainerHost;
  datasets: DatasetCatalogue;
  emit(event: AnyEvent): void;
  subscribe(listener: (event: AnyEvent) => void): () => void;
  cores?: number;
}

/**
 * Runs sweeps in the host process: keeps up to `parallel` trials running (each a run in its own process, started
 * through the trainer host), prunes successive-halving trials at their rungs, and records the sweep's status. A trial
 * that fails ends as `failed` and the sweep carries on. A stopped or interrupted sweep resumes with the trials that did
 * not finish; finished, pruned and failed ones are kept.
 *
 * Successive halving: each trial is started with the sweep's judge (`RungJudge`); at a rung epoch its worker waits
 * while the trainer host commits the epoch and asks the judge, which applies Optuna's rule to what the sweep's trials
 * reported there so far (`asha.ts`). One round trip per rung, so a pruned trial has exactly its rung's epochs.
 */
export class SweepRunner {
  private readonly active = new Map<number, ActiveSweep>();
  /**
   * Sweeps settled here whose final status is still being written: `wait` resolves with their status once it is, and
   * `dispose` waits for those writes (a resumed sweep whose trials had all ended settles before `resume` returns).
   */
  private readonly settling = new Map<number, Promise<SweepStatus>>();
  private readonly unsubscribe: () => void;
  private disposed = false;

  constructor(private readonly options: SweepRunnerOptions) {
    this.unsubscribe = options.subscribe((event) => this.onEvent(event));
  }

  /** Checks and plans the whole sweep (nothing is written when that fails), creates it, and starts its trials. */
  async start(request: SweepRequest): Promise<SweepDetail> {
    this.assertOpen();
    return this.launch(await this.create(request, false));
  }

  /**
   * Checks, plans and creates a sweep that `runboard worker` processes run, here or on other machines
   * (`runboard sweep --no-local`): nothing runs in this process.
   */
  async createForWorkers(request: SweepRequest): Promise<SweepDetail> {
    this.assertOpen();
    return (await this.options.store.sweeps.get(await this.create(request, true))) as SweepDetail;
  }

  private async create(request: SweepRequest, workers: boolean): Promise<number> {
    const plan = planSweep(request, this.options.datasets, this.options.cores ?? availableParallelism());
    const warmStart = request.warm_start === undefined ? null : await collectWarmStart(this.options.store, request.warm_start, plan.space, plan.objective);
    return this.options.store.sweeps.create({
      name: plan.name,
      experiment: plan.experiment,
      strategy: plan.strategy,
      space: describeSpace(plan.space),
      fixed: plan.fixed,
      objective: plan.objective,
      trials: plan.trials,
      seed: plan.seed,
      parallel: plan.parallel,
      asha: plan.asha,
      workers,
      warmStart,
    });
  }

  /**
   * Resumes a sweep that is not running: its unfinished trials run again, here, or on its workers for a sweep that
   * runs on workers (it is open to them again; nothing runs here).
   */
  async resume(sweepId: number): Promise<SweepDetail> {
    this.assertOpen();
    const detail = await this.options.store.sweeps.get(sweepId);
    if (!detail) throw new AppError('NOT_FOUND', `Sweep ${sweepId} does not exist.`);
    if (detail.status === 'finished') throw new AppError('CONFLICT', `Sweep ${sweepId} has finished: every trial ran.`);
    if (detail.workers) {
      if (detail.status !== 'running') await this.options.store.sweeps.claim(sweepId);
      return (await this.options.store.sweeps.get(sweepId)) as SweepDetail;
    }
    // Claiming is atomic: of two resumes at once, one wins and the other is refused.
    if (this.active.has(sweepId) || !(await this.options.store.sweeps.claim(sweepId))) throw new AppError('CONFLICT', `Sweep ${sweepId} is running; it can be resumed once it has stopped.`);
    return this.launch(sweepId);
  }

  /** Stops a running sweep: its running trials end as stopped, the sweep as stopped (it can be resumed). */
  stop(sweepId: number): boolean {
    const sweep = this.active.get(sweepId);
    if (!sweep || sweep.stopping) return false;
    sweep.stopping = true;
    sweep.queue.length = 0;
    for (const runId of sweep.running.keys()) this.options.trainer.stop(runId);
    this.settleIfIdle(sweep);
    return true;
  }

  /**
   * Stops a sweep wherever it runs: here (as `stop`); in another process, on any machine, that runs it (asked through
   * the store: that process stops it at its trials' next epoch, as `stop` does); or on its workers, which stop its
   * trials when they next hear from the store (at their next epoch, or heartbeat), and its trials go back to it. It
   * can be resumed. False when it is not running.
   */
  async stopAnywhere(sweepId: number): Promise<boolean> {
    if (this.active.has(sweepId)) return this.stop(sweepId);
    const { sweeps } = this.options.store;
    const detail = await sweeps.get(sweepId);
    if (!detail) return false;
    return detail.workers ? sweeps.claims.stopOnWorkers(sweepId, Date.now()) : sweeps.requestStop(sweepId);
  }

  /** Resolves with the sweep's final status once every trial has ended. */
  async wait(sweepId: number): Promise<SweepStatus> {
    const sweep = this.active.get(sweepId);
    if (sweep) return sweep.done;
    const settling = this.settling.get(sweepId);
    if (settling) return settling;
    const detail = await this.options.store.sweeps.get(sweepId);
    if (!detail) throw new AppError('NOT_FOUND', `Sweep ${sweepId} does not exist.`);
    return detail.status;
  }

  isRunning(sweepId: number): boolean {
    return this.active.has(sweepId);
  }

  /** Stops every sweep (they can be resumed) and waits for their trials to end. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const sweeps = [...this.active.values()];
    for (const sweep of sweeps) this.stop(sweep.sweepId);
    await Promise.all([...sweeps.map((s) => s.done), ...this.settling.values()]);
    this.unsubscribe();
  }

  private assertOpen(): void {
    if (this.disposed) throw new AppError('CONFLICT', 'Runboard is shutting down; the sweep was not started.');
  }

  private async launch(sweepId: number): Promise<SweepDetail> {
    const detail = (await this.options.store.sweeps.get(sweepId)) as SweepDetail;
    let finish!: (status: SweepStatus) => void;
    const done = new Promise<SweepStatus>((resolve) => (finish = resolve));
    const sweep: ActiveSweep = {
      sweepId,
      detail,
      queue: detail.trials.filter((t) => !DONE_TRIAL_STATUSES.includes(t.status as RunStatus)).map((t) => t.trial),
      running: new Map(),
      starting: 0,
      rungs: detail.asha ? new Rungs(ashaRungs(detail.asha), detail.objective.direction, detail.asha.reduction_factor) : null,
      stopping: false,
      readingStopRequest: false,
      failure: null,
      done,
      finish,
    };
    this.active.set(sweepId, sweep);
    this.emitUpdated(sweepId);
    void this.begin(sweep);
    return detail;
  }

  /** Starts the trials, once a resumed successive-halving sweep has recalled its rungs (so every trial is judged alike). */
  private async begin(sweep: ActiveSweep): Promise<void> {
    try {
      if (sweep.rungs) await this.replayRungs(sweep, sweep.rungs);
    } catch (error) {
      sweep.failure = `the values its earlier trials reported at the rungs could not be read (${error instanceof Error ? error.message : String(error)})`;
      sweep.stopping = true;
      sweep.queue.length = 0;
    }
    await this.fill(sweep);
  }

  /**
   * A resumed successive-halving sweep remembers what its earlier trials reported at each rung: those that are done
   * (finished, pruned, failed). Trials that run again report anew.
   */
  private async replayRungs(sweep: ActiveSweep, rungs: Rungs): Promise<void> {
    const runIds = sweep.detail.trials.filter((t) => t.run_id !== null && DONE_TRIAL_STATUSES.includes(t.status as RunStatus)).map((t) => t.run_id as number);
    if (runIds.length === 0) return;
    const series = await this.options.store.getMetrics(runIds, [sweep.detail.objective.metric], null);
    for (const s of series) for (const p of s.points) if (rungs.isRung(p.step)) rungs.remember(p.step, fromMetricValue(p.value));
  }

  /** The judge a successive-halving trial waits for at each rung: Optuna's rule on the sweep's objective. */
  private rungJudge(sweep: ActiveSweep): RungJudge | undefined {
    const rungs = sweep.rungs;
    if (!rungs) return undefined;
    const metric = sweep.detail.objective.metric;
    return {
      epochs: rungs.epochs,
      judge: (epoch, metrics) => (rungs.report(epoch, metrics[metric]) ? 'continue' : 'prune'),
    };
  }

  /** Starts trials until `parallel` are running or none is left. */
  private async fill(sweep: ActiveSweep): Promise<void> {
    while (!sweep.stopping && sweep.running.size + sweep.starting < sweep.detail.parallel && sweep.queue.length > 0) {
      const trialNumber = sweep.queue.shift() as number;
      const trial = sweep.detail.trials[trialNumber - 1];
      if (!trial) continue;
      let runId: number;
      sweep.starting++;
      try {
        // A TPE trial's params are drawn now, from what the trials before it reached.
        const params = Object.keys(trial.params).length > 0 ? (trial.params as Record<string, ParamValue>) : await paramsForTrial(this.options.store, sweep.sweepId, trialNumber);
        const config = trialConfig(sweep.detail.fixed, params, sweep.detail.seed, trialNumber, sweep.detail.experiment);
        const rungs = this.rungJudge(sweep);
        runId = (await this.options.trainer.start(config, { sweepId: sweep.sweepId, trial: trialNumber, ...(rungs ? { rungs } : {}) })).run_id;
      } catch (error) {
        sweep.starting--;
        sweep.failure = error instanceof Error ? error.message : String(error);
        sweep.stopping = true;
        sweep.queue.length = 0;
        for (const id of sweep.running.keys()) this.options.trainer.stop(id);
        break;
      }
      sweep.starting--;
      sweep.running.set(runId, trialNumber);
      // A stop that came while this run was being created reaches it now.
      if (sweep.stopping) this.options.trainer.stop(runId);
      this.emitUpdated(sweep.sweepId);
      void this.options.trainer.wait(runId).then(async () => {
        sweep.running.delete(runId);
        this.emitUpdated(sweep.sweepId);
        // A stop asked from elsewhere while the trial ran (it had no epoch left to notice it) starts no other trial.
        if (sweep.queue.length > 0) await this.obeyStopRequest(sweep);
        if (sweep.queue.length > 0 && !sweep.stopping) void this.fill(sweep);
        else this.settleIfIdle(sweep);
      });
    }
    this.settleIfIdle(sweep);
  }

  /** Settles the sweep once nothing runs or starts and nothing is left to start (or it is stopping). */
  private settleIfIdle(sweep: ActiveSweep): void {
    if (sweep.running.size === 0 && sweep.starting === 0 && (sweep.queue.length === 0 || sweep.stopping)) this.settle(sweep);
  }

  private settle(sweep: ActiveSweep): void {
    if (!this.active.has(sweep.sweepId)) return;
    this.active.delete(sweep.sweepId);
    this.settling.set(sweep.sweepId, sweep.done);
    void sweep.done.then(() => {
      if (this.settling.get(sweep.sweepId) === sweep.done) this.settling.delete(sweep.sweepId);
    });
    this.options.trainer.releaseWorkers(sweep.sweepId);
    const status: SweepStatus = sweep.failure ? 'failed' : sweep.stopping ? 'stopped' : 'finished';
    // The sweep is done once its status is written: `wait` resolves after, whatever the write's outcome.
    void this.options.store.sweeps
      .setStatus(sweep.sweepId, status, Date.now(), sweep.failure ? `A trial could not start: ${sweep.failure}` : null)
      .catch((error: unknown) => console.error(`runboard: could not record sweep ${sweep.sweepId} as ${status}:`, error))
      .then(() => this.emitUpdated(sweep.sweepId))
      .finally(() => sweep.finish(status));
  }

  /** A trial's run starting (queued -> running) changes the sweep's counts; at each epoch of a trial, a stop asked through the store is read. */
  private onEvent(event: AnyEvent): void {
    if (event.event === 'run/epoch-logged') {
      for (const sweep of this.active.values()) if (sweep.running.has(event.payload.run_id)) void this.obeyStopRequest(sweep);
      return;
    }
    if (event.event !== 'run/updated') return;
    for (const sweep of this.active.values()) if (sweep.running.has(event.payload.run.run_id)) this.emitUpdated(sweep.sweepId);
  }

  /**
   * A stop asked through the store (`SweepStore.requestStop`: `runboard sweep stop`, or the app or `serve` of another
   * process or machine) stops the sweep as `stop` does. One read at a time; a read that fails is tried again at the
   * next epoch.
   */
  private async obeyStopRequest(sweep: ActiveSweep): Promise<void> {
    if (sweep.stopping || sweep.readingStopRequest) return;
    sweep.readingStopRequest = true;
    try {
      if (await this.options.store.sweeps.stopRequested(sweep.sweepId)) this.stop(sweep.sweepId);
    } catch {
      // Read again at the next epoch.
    } finally {
      sweep.readingStopRequest = false;
    }
  }

  /** Tells the UIs about the sweep's counts; a failed read is logged, never thrown into the scheduler. */
  private emitUpdated(sweepId: number): Promise<void> {
    return this.options.store.sweeps.get(sweepId).then(
      (detail) => {
        if (!detail) return;
        this.options.emit({ event: 'sweep/updated', payload: { sweep: summaryOf(detail) } });
      },
      (error: unknown) => console.error(`runboard: could not read sweep ${sweepId}:`, error),
    );
  }
}

export { describeSpace };
export type { SweepRequest };
