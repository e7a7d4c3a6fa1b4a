import type { SweepSummary } from '../../../src-shared/entities/sweep';
import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';
import { bySweepIdDesc, SweepsRead } from '../sweep-updates';

/** After another process wrote to the database, the sweeps are read again this much later (once per burst). */
const RELOAD_DELAY_MS = 300;

/**
 * Every sweep, newest first, kept live by `sweep/updated` (sent when a sweep starts, a trial starts or ends, and the
 * sweep's status changes) and by `store/changed` (another process, the CLI, wrote to the database: read them again).
 * Rows are immutable objects in a `$state.raw` array, replaced whole.
 */
export class SweepsStore {
  #client: ApiClient;
  #sweeps = $state.raw<SweepSummary[]>([]);
  #loaded = $state(false);
  #error = $state<string | null>(null);
  /** The latest `sweeps/list` read while it is in flight. */
  #read: SweepsRead | null = null;
  #reloadTimer: ReturnType<typeof setTimeout> | null = null;
  #stops: (() => void)[];

  constructor(client: ApiClient) {
    this.#client = client;
    this.#stops = [
      client.on('sweep/updated', ({ sweep }) => this.#upsert(sweep)),
      client.on('store/changed', () => {
        if (this.#reloadTimer !== null) return;
        this.#reloadTimer = setTimeout(() => {
          this.#reloadTimer = null;
          void this.load();
        }, RELOAD_DELAY_MS);
      }),
    ];
  }

  get sweeps(): SweepSummary[] {
    return this.#sweeps;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get error(): string | null {
    return this.#error;
  }

  get(sweepId: number): SweepSummary | undefined {
    return this.#sweeps.find((s) => s.sweep_id === sweepId);
  }

  /** Reads every sweep again (at start, and after the live connection was down). */
  async load(): Promise<void> {
    const read = new SweepsRead();
    this.#read = read;
    try {
      const loaded = await this.#client.call('sweeps/list', {});
      if (this.#read !== read) return;
      this.#sweeps = read.merge(loaded, this.#sweeps);
      this.#error = null;
      this.#loaded = true;
    } catch (error) {
      if (this.#read === read) this.#error = errorMessage(error);
    } finally {
      if (this.#read === read) this.#read = null;
    }
  }

  #upsert(sweep: SweepSummary): void {
    this.#read?.touch(sweep.sweep_id);
    const others = this.#sweeps.filter((s) => s.sweep_id !== sweep.sweep_id);
    this.#sweeps = [sweep, ...others].sort(bySweepIdDesc);
  }

  dispose(): void {
    for (const stop of this.#stops) stop();
    if (this.#reloadTimer !== null) clearTimeout(this.#reloadTimer);
  }
}
