import type { MethodInput, MethodOutput } from '../../../src-shared/api/contract';
import type { DatasetInfo } from '../../../src-shared/entities/dataset';
import type { ApiClient } from '../api/api-client';
import { ApiCallError, errorMessage } from '../api/api-call-error';

export type SystemInfo = MethodOutput<'system/info'>;
export type ExperimentInfo = MethodOutput<'experiments/list'>[number];

/** After runs were created, deleted or written by another process, the experiments are read again this much later (once per burst). */
const EXPERIMENTS_DELAY_MS = 300;

/**
 * What rarely changes: the host's system info, the dataset catalogue, and the experiments with their run counts. The
 * experiments follow the runs: a run created, deleted or restored here, or any write by another process (a CLI run,
 * which sends no run events: `store/changed`), reads them again, debounced.
 */
export class Catalog {
  #client: ApiClient;
  #info = $state.raw<SystemInfo | null>(null);
  #datasets = $state.raw<DatasetInfo[]>([]);
  #experiments = $state.raw<ExperimentInfo[]>([]);
  #error = $state<string | null>(null);
  #unauthorized = $state(false);
  #experimentsTimer: ReturnType<typeof setTimeout> | null = null;
  /** Counts the reads of the experiments, so that only the latest answer is kept. */
  #experimentsRead = 0;
  #stops: (() => void)[];

  constructor(client: ApiClient) {
    this.#client = client;
    const stale = (): void => this.#experimentsChanged();
    this.#stops = [client.on('run/created', stale), client.on('run/updated', stale), client.on('store/changed', stale)];
  }

  get info(): SystemInfo | null {
    return this.#info;
  }
  get datasets(): DatasetInfo[] {
    return this.#datasets;
  }
  get experiments(): ExperimentInfo[] {
    return this.#experiments;
  }
  /** Why the catalogue could not be read, if it could not. */
  get error(): string | null {
    return this.#error;
  }

  /** True when the host refused us: the browser has no session cookie (the printed `?token=` URL was not opened). */
  get unauthorized(): boolean {
    return this.#unauthorized;
  }

  async load(): Promise<void> {
    const [info, datasets] = await Promise.allSettled([this.#client.call('system/info', {}), this.#client.call('datasets/list', {})]);
    if (info.status === 'fulfilled') this.#info = info.value;
    if (datasets.status === 'fulfilled') this.#datasets = datasets.value;
    const failed = [info, datasets].find((r) => r.status === 'rejected');
    this.#error = failed && failed.status === 'rejected' ? errorMessage(failed.reason) : null;
    this.#unauthorized = failed?.status === 'rejected' && failed.reason instanceof ApiCallError && failed.reason.code === 'UNAUTHORIZED';
    if (this.#unauthorized) return;
    await this.loadExperiments();
  }

  /** Reads the dataset catalogue again (after an import or a delete). */
  async loadDatasets(): Promise<void> {
    try {
      this.#datasets = await this.#client.call('datasets/list', {});
    } catch (error) {
      this.#error = errorMessage(error);
    }
  }

  /** Imports a CSV as a dataset; rejects with the host's error (its message names the line and column). */
  async importDataset(input: MethodInput<'datasets/import'>): Promise<DatasetInfo> {
    const info = await this.#client.call('datasets/import', input);
    await this.loadDatasets();
    if (!this.#datasets.some((d) => d.name === info.name)) this.#datasets = [...this.#datasets, info];
    return info;
  }

  async deleteDataset(name: string): Promise<void> {
    await this.#client.call('datasets/delete', { name });
    this.#datasets = this.#datasets.filter((d) => d.name !== name);
    await this.loadDatasets();
  }

  async loadExperiments(): Promise<void> {
    const read = ++this.#experimentsRead;
    try {
      const experiments = await this.#client.call('experiments/list', {});
      // An older read that lands after a newer one would bring back stale counts.
      if (read === this.#experimentsRead) this.#experiments = experiments;
    } catch (error) {
      this.#error = errorMessage(error);
    }
  }

  /** Reads the experiments again after a short delay, once for a burst of changes. */
  #experimentsChanged(): void {
    if (this.#experimentsTimer !== null) return;
    this.#experimentsTimer = setTimeout(() => {
      this.#experimentsTimer = null;
      void this.loadExperiments();
    }, EXPERIMENTS_DELAY_MS);
  }

  dispose(): void {
    for (const stop of this.#stops) stop();
    if (this.#experimentsTimer !== null) clearTimeout(this.#experimentsTimer);
  }
}
