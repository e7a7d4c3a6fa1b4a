import type { ApiClient } from '../api/api-client';
import type { KnownNames } from '../filter-check';

/** Waits after a burst of changes before reading the names again. */
const RELOAD_DELAY_MS = 1000;

/**
 * The param, metric and tag names runs have logged (`runs/columns`): what the filter box completes and checks, what
 * the column chooser and the group-by offer. Read again when the database changes (debounced).
 */
export class KnownColumns {
  #client: ApiClient;
  #names = $state.raw<KnownNames | null>(null);
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stops: (() => void)[];

  constructor(client: ApiClient) {
    this.#client = client;
    const later = (): void => this.reloadSoon();
    this.#stops = [client.on('store/changed', later), client.on('run/created', later)];
  }

  /** Null until the first read. */
  get names(): KnownNames | null {
    return this.#names;
  }
  get params(): readonly string[] {
    return this.#names?.params ?? [];
  }
  get metrics(): readonly string[] {
    return this.#names?.metrics ?? [];
  }
  get tags(): readonly string[] {
    return this.#names?.tags ?? [];
  }

  async load(): Promise<void> {
    try {
      this.#names = await this.#client.call('runs/columns', {});
    } catch {
      // Completion and checks are a help: without the names, the host still checks every filter.
    }
  }

  reloadSoon(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.load();
    }, RELOAD_DELAY_MS);
  }

  dispose(): void {
    for (const stop of this.#stops) stop();
    if (this.#timer !== null) clearTimeout(this.#timer);
  }
}
