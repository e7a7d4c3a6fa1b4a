import type { SweepDetail } from '../../../src-shared/entities/sweep';
import type { ApiClient } from '../api/api-client';
import { ApiCallError, errorMessage } from '../api/api-call-error';
import type { Transport } from '../api/transport';

/** Least time between two reads of a sweep while its trials log epochs (or another process writes). */
const REFRESH_MS = 750;

/**
 * One sweep with its trials, watched live. `sweep/updated` (a trial started or ended, the status changed) and the
 * epochs its trials log (each may change a trial's objective) trigger a new `sweeps/get`, at most one per
 * REFRESH_MS and never two at once; so does `store/changed` (another process, the CLI, may be running it); a
 * reconnection reads it again.
 */
export class SweepWatch {
  readonly sweepId: number;
  #client: ApiClient;
  #detail = $state.raw<SweepDetail | null>(null);
  #error = $state<string | null>(null);
  #notFound = $state(false);
  #acting = $state<'stop' | 'resume' | null>(null);
  #actionError = $state<string | null>(null);
  #inFlight = false;
  #dirty = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = 0;
  #lastRead = 0;
  #disposed = false;
  #stops: (() => void)[];

  constructor(client: ApiClient, transport: Pick<Transport, 'onConnectionChange'>, sweepId: number) {
    this.#client = client;
    this.sweepId = sweepId;
    this.#stops = [
      client.on('sweep/updated', ({ sweep }) => {
        if (sweep.sweep_id !== sweepId) return;
        // The summary is newer than what we hold: show it at once; the trials follow with the next read.
        if (this.#detail) this.#detail = { ...this.#detail, ...sweep };
        this.#schedule(Date.now());
      }),
      client.on('run/epoch-logged', ({ run_id }) => {
        if (this.#detail?.trials.some((t) => t.run_id === run_id)) this.#schedule(this.#throttled());
      }),
      client.on('store/changed', () => this.#schedule(this.#throttled())),
      transport.onConnectionChange((state) => {
        if (state === 'open') this.#schedule(Date.now());
      }),
    ];
    void this.#read();
  }

  get detail(): SweepDetail | null {
    return this.#detail;
  }
  get error(): string | null {
    return this.#error;
  }
  get notFound(): boolean {
    return this.#notFound;
  }
  /** What is being asked of the host (stop or resume), while it is. */
  get acting(): 'stop' | 'resume' | null {
    return this.#acting;
  }
  get actionError(): string | null {
    return this.#actionError;
  }

  async stop(): Promise<void> {
    await this.#act('stop', () => this.#client.call('sweeps/stop', { sweep_id: this.sweepId }));
  }

  async resume(): Promise<void> {
    await this.#act('resume', () => this.#client.call('sweeps/resume', { sweep_id: this.sweepId }));
  }

  async #act(what: 'stop' | 'resume', call: () => Promise<unknown>): Promise<void> {
    this.#acting = what;
    this.#actionError = null;
    try {
      await call();
      this.#schedule(Date.now());
    } catch (error) {
      this.#actionError = errorMessage(error);
    } finally {
      this.#acting = null;
    }
  }

  /** Reads the sweep at `at` (ms since the epoch), or sooner if a read is already planned before then. */
  #schedule(at: number): void {
    if (this.#disposed) return;
    if (this.#inFlight) {
      this.#dirty = true;
      return;
    }
    if (this.#timer !== null) {
      if (this.#timerAt <= at) return;
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#read();
    }, Math.max(0, at - Date.now()));
  }

  /** Soon, but not sooner than REFRESH_MS after the last read. */
  #throttled(): number {
    return Math.max(Date.now(), this.#lastRead + REFRESH_MS);
  }

  async #read(): Promise<void> {
    this.#inFlight = true;
    this.#dirty = false;
    this.#lastRead = Date.now();
    try {
      this.#detail = await this.#client.call('sweeps/get', { sweep_id: this.sweepId });
      this.#error = null;
    } catch (error) {
      this.#notFound = error instanceof ApiCallError && error.code === 'NOT_FOUND';
      this.#error = this.#notFound ? `There is no sweep #${this.sweepId}.` : errorMessage(error);
    } finally {
      this.#inFlight = false;
      if (this.#dirty) this.#schedule(this.#throttled());
    }
  }

  dispose(): void {
    this.#disposed = true;
    for (const stop of this.#stops) stop();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
