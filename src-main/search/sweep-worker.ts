import { hostname } from 'node:os';
import type { AnyEvent } from '../../src-shared/api/events';
import type { RunStatus } from '../../src-shared/entities/run';
import { ashaRungs } from '../../src-shared/entities/sweep';
import type { BackendChoice } from '../../src-shared/entities/train-config';
import type { ClaimedTrial, RunStore, StaleTrial } from '../store/run-store';
import { DONE_TRIAL_STATUSES } from '../store/sweep-store';
import type { RungJudge, TrainerHost } from '../training/host/trainer-host';
import { trialConfig } from './sweep-planner';
import { paramsForTrial } from './trial-params';

/** How often an idle worker looks for work when nobody tells it (SQLite cannot tell; PostgreSQL's NOTIFY may be missed). */
export const WORKER_POLL_MS = 2000;

/** What a worker did, for its host to print: one notice per trial taken and ended, and per trial handed on. */
export type WorkerNotice =
  | { kind: 'started'; sweepId: number; trial: number; runId: number; host: string; attempt: number }
  /** The trial is done: its run ended finished, pruned, failed or diverged. `handedOn`: it had been handed on meanwhile. */
  | { kind: 'ended'; sweepId: number; trial: number; runId: number; status: RunStatus; metric: string; value: number | string | null; error: string | null; handedOn: boolean }
  /** The trial went back to its sweep untried (this worker or the sweep was stopped). */
  | { kind: 'given-back'; sweepId: number; trial: number; runId: number; status: RunStatus }
  /** Its sweep was stopped: the trial's run is stopping. */
  | { kind: 'stopping'; sweepId: number; trial: number; runId: number }
  /** This worker was silent too long and the trial went to another worker: its run is stopping. */
  | { kind: 'lost'; sweepId: number; trial: number; runId: number }
  /** A silent worker's trial this worker handed on (or gave up on). */
  | { kind: 'released'; stale: StaleTrial }
  | { kind: 'sweep-finished'; sweepId: number }
  /** A trial could not start on this machine (a backend or dataset it lacks): given back, and this worker takes no more. */
  | { kind: 'start-failed'; sweepId: number; trial: number; error: string }
  /** The store did not answer; the worker tries again at its next look. */
  | { kind: 'store-error'; error: string };

/** How a worker ended: nothing was left to claim, it was stopped, or a trial could not start here. */
export type WorkerEnd = { status: 'done' } | { status: 'stopped' } | { status: 'failed'; error: string };

export interface SweepWorkerOptions {
  store: RunStore;
  trainer: TrainerHost;
  /** The trainer host's events: an epoch of one of this worker's runs sends a heartbeat, so a stop reaches it within an epoch. */
  subscribe(listener: (event: AnyEvent) => void): () => void;
  /** Only this sweep's trials, or any running worker sweep's (null). */
  sweepId: number | null;
  /** Trials at once, each a run in its own process. */
  parallel: number;
  /** Trains with this backend instead of the sweep's. */
  backend: BackendChoice | null;
  /** A claimed trial whose worker is silent this long is handed on (ms). Heartbeats go every quarter of it. */
  graceMs: number;
  pollMs?: number;
  notify(notice: WorkerNotice): void;
  /** The worker's name in the store ('host:pid'). */
  id?: string;
  now?: () => number;
}

interface TrialInHand {
  claim: ClaimedTrial;
  runId: number;
  /** Its sweep was stopped, or it was handed on: its run is stopping. */
  stopping: boolean;
}

/**
 * A sweep worker (`runboard worker`): claims trials of worker sweeps from the store, `parallel` at a time, and trains
 * each through the trainer host (a run in a child process, never on this event loop); sends heartbeats every quarter
 * of the grace period and after every epoch of its runs; hands on the trials of workers silent for longer than the
 * grace period before it claims; judges successive-halving rungs in the store (`reportRung`), with every other
 * machine's reports. It wakes when the store says another process wrote (PostgreSQL's NOTIFY, SQLite's data version)
 * and every `pollMs`. It ends when its sweeps have no trial left pending or held by any worker and its own trials have
 * ended, or when stopped (its trials end `interrupted` and go back to their sweeps).
 */
export class SweepWorker {
  readonly id: string;
  private readonly host = hostname();
  private readonly inHand = new Map<number, TrialInHand>();
  /** Claims whose run is being created. */
  private starting = 0;
  private stopping = false;
  private failure: string | null = null;
  private looking = false;
  private lookAgain = false;
  private beating = false;
  private beatAgain = false;
  private ended = false;
  /** Trial ends the store did not take (it did not answer): tried again at each look. */
  private readonly unrecorded: (() => Promise<void>)[] = [];
  private readonly sweepsWorkedOn = new Set<number>();
  private readonly cleanups: (() => void)[] = [];
  private finish!: (end: WorkerEnd) => void;
  private readonly done = new Promise<WorkerEnd>((resolve) => (this.finish = resolve));

  constructor(private readonly options: SweepWorkerOptions) {
    this.id = options.id ?? `${this.host}:${process.pid}`;
  }

  /** Starts working; resolves once the worker has ended (see the class). */
  run(): Promise<WorkerEnd> {
    const { store, graceMs } = this.options;
    const poll = setInterval(() => this.look(), this.options.pollMs ?? WORKER_POLL_MS);
    const beat = setInterval(() => this.beat(), Math.max(50, graceMs / 4));
    const unwatch = store.watchExternalChanges(() => this.look());
    const unsubscribe = this.options.subscribe((event) => {
      if (event.event === 'run/epoch-logged' && this.inHand.has(event.payload.run_id)) this.beat();
    });
    this.cleanups.push(() => clearInterval(poll), () => clearInterval(beat), unwatch, unsubscribe);
    this.look();
    return this.done;
  }

  /** Stops the worker (Ctrl+C): its trials' runs end `interrupted` and their trials go back to their sweeps. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const [runId] of this.inHand) this.interrupt(runId);
    this.settleIfIdle();
  }

  private interrupt(runId: number): void {
    this.options.trainer.stop(runId, { as: 'interrupted', reason: `Its worker ${this.id} was stopped: the trial went back to its sweep.` });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Hands on silent workers' trials, claims trials while there is room, and ends when nothing is left. One look at a time. */
  private look(): void {
    if (this.ended) return;
    if (this.looking) {
      this.lookAgain = true;
      return;
    }
    this.looking = true;
    void (async () => {
      do {
        this.lookAgain = false;
        await this.lookOnce();
      } while (this.lookAgain && !this.ended);
      this.looking = false;
    })();
  }

  private async lookOnce(): Promise<void> {
    const { store, sweepId, parallel, graceMs } = this.options;
    try {
      for (const record of this.unrecorded.splice(0)) await record();
      if (!this.stopping && this.failure === null) {
        for (const stale of await store.sweeps.claims.releaseStale(graceMs, this.now())) this.options.notify({ kind: 'released', stale });
        while (!this.stopping && this.failure === null && this.inHand.size + this.starting < parallel) {
          const claim = await store.sweeps.claims.claimTrial(this.id, sweepId, this.now());
          if (!claim) break;
          await this.startTrial(claim);
        }
      }
      if (this.inHand.size === 0 && this.starting === 0 && this.unrecorded.length === 0) {
        if (this.stopping || this.failure !== null || (await store.sweeps.claims.openTrials(sweepId)) === 0) this.end();
      }
    } catch (error) {
      this.options.notify({ kind: 'store-error', error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async startTrial(claim: ClaimedTrial): Promise<void> {
    const { store, trainer, backend } = this.options;
    this.starting++;
    this.sweepsWorkedOn.add(claim.sweepId);
    try {
      // A TPE trial's params are drawn now, from what every machine's trials reached so far.
      const params = Object.keys(claim.params).length > 0 ? claim.params : await paramsForTrial(store, claim.sweepId, claim.trial);
      const config = trialConfig(claim.fixed, params, claim.seed, claim.trial, claim.experiment);
      const rungs = this.rungJudge(claim);
      const run = await trainer.start(backend ? { ...config, backend } : config, { sweepId: claim.sweepId, trial: claim.trial, ...(rungs ? { rungs } : {}) });
      this.inHand.set(run.run_id, { claim, runId: run.run_id, stopping: false });
      this.options.notify({ kind: 'started', sweepId: claim.sweepId, trial: claim.trial, runId: run.run_id, host: this.host, attempt: claim.attempt });
      // Stopped while its run was being created.
      if (this.stopping) this.interrupt(run.run_id);
      void trainer.wait(run.run_id).then((status) => this.trialEnded(run.run_id, status));
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error);
      this.options.notify({ kind: 'start-failed', sweepId: claim.sweepId, trial: claim.trial, error: this.failure });
      await store.sweeps.claims.releaseTrial(this.id, claim.sweepId, claim.trial);
    } finally {
      this.starting--;
    }
  }

  /**
   * Successive halving: each report goes to the store, which judges it with the values every machine reported at that
   * rung before it. A trial that did not report the objective at its rung (its loss diverged mid-epoch) does not go on
   * and does not count against others, as `Rungs.report` has it for a sweep run in one process.
   */
  private rungJudge(claim: ClaimedTrial): RungJudge | undefined {
    if (!claim.asha) return undefined;
    const { store } = this.options;
    return {
      epochs: ashaRungs(claim.asha),
      judge: async (epoch, metrics) => {
        const value = metrics[claim.objective.metric];
        if (value === undefined) return 'prune';
        return (await store.sweeps.claims.reportRung(claim.sweepId, epoch, claim.trial, value)) ? 'continue' : 'prune';
      },
    };
  }

  /** A trial's run ended: the trial is done, or (stopped, interrupted) goes back to its sweep. */
  private async trialEnded(runId: number, status: RunStatus): Promise<void> {
    const held = this.inHand.get(runId);
    if (!held) return;
    // A heartbeat from now on does not take the trial's end for its loss.
    held.stopping = true;
    const { claim } = held;
    const record = async () => {
      const { store } = this.options;
      if (DONE_TRIAL_STATUSES.includes(status)) {
        const finished = await store.sweeps.claims.finishTrial(this.id, claim.sweepId, claim.trial, this.now());
        const run = await store.getRun(runId);
        const metric = claim.objective.metric;
        const value = run?.best[metric] ?? run?.metrics[metric] ?? null;
        this.options.notify({ kind: 'ended', sweepId: claim.sweepId, trial: claim.trial, runId, status, metric, value, error: run?.error ?? null, handedOn: !finished.held });
        if (finished.sweepFinished) this.options.notify({ kind: 'sweep-finished', sweepId: claim.sweepId });
      } else {
        await store.sweeps.claims.releaseTrial(this.id, claim.sweepId, claim.trial);
        this.options.notify({ kind: 'given-back', sweepId: claim.sweepId, trial: claim.trial, runId, status });
      }
    };
    try {
      await record();
    } catch (error) {
      // Kept (the trial stays ours, with heartbeats) and recorded at a later look.
      this.unrecorded.push(record);
      this.options.notify({ kind: 'store-error', error: error instanceof Error ? error.message : String(error) });
    }
    this.inHand.delete(runId);
    this.look();
  }

  /** Tells the store this worker is alive; stops the trials whose sweep was stopped, or that went to another worker. */
  private beat(): void {
    if (this.ended) return;
    if (this.beating) {
      this.beatAgain = true;
      return;
    }
    this.beating = true;
    void (async () => {
      do {
        this.beatAgain = false;
        // Only trials in hand before the heartbeat asked can be missing from its answer for being handed on.
        const before = [...this.inHand.values()];
        try {
          const held = await this.options.store.sweeps.claims.heartbeat(this.id, this.now());
          for (const trial of before) {
            if (trial.stopping || !this.inHand.has(trial.runId)) continue;
            const found = held.find((h) => h.sweepId === trial.claim.sweepId && h.trial === trial.claim.trial);
            if (found && !found.stopped) continue;
            trial.stopping = true;
            const { sweepId, trial: number } = trial.claim;
            if (found) {
              this.options.notify({ kind: 'stopping', sweepId, trial: number, runId: trial.runId });
              this.options.trainer.stop(trial.runId);
            } else {
              this.options.notify({ kind: 'lost', sweepId, trial: number, runId: trial.runId });
              this.options.trainer.stop(trial.runId, { as: 'interrupted', reason: `Its worker ${this.id} was not heard from for longer than the grace period: the trial went to another worker.` });
            }
          }
        } catch (error) {
          this.options.notify({ kind: 'store-error', error: error instanceof Error ? error.message : String(error) });
        }
      } while (this.beatAgain && !this.ended);
      this.beating = false;
    })();
  }

  private settleIfIdle(): void {
    if (this.inHand.size === 0 && this.starting === 0) this.look();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    for (const sweepId of this.sweepsWorkedOn) this.options.trainer.releaseWorkers(sweepId);
    this.finish(this.stopping ? { status: 'stopped' } : this.failure !== null ? { status: 'failed', error: this.failure } : { status: 'done' });
  }
}
