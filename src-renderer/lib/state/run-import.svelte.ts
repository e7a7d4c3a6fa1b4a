import type { ImportSummary } from '../../../src-shared/api/contract';
import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';

/** An import of another tracker's runs from a path on the host: its progress while it runs, then its summary. */
export class RunImport {
  #client: ApiClient;
  #running = $state(false);
  #progress = $state<{ done: number; total: number; name: string } | null>(null);
  #summary = $state<ImportSummary | null>(null);
  #error = $state<string | null>(null);
  #path = '';

  constructor(client: ApiClient) {
    this.#client = client;
  }

  get running(): boolean {
    return this.#running;
  }
  get progress(): { done: number; total: number; name: string } | null {
    return this.#progress;
  }
  get summary(): ImportSummary | null {
    return this.#summary;
  }
  get error(): string | null {
    return this.#error;
  }

  /** Listens to the host's progress events while this page is open; returns the function that stops listening. */
  listen(): () => void {
    return this.#client.on('import/progressed', (progress) => {
      if (this.#running && progress.path === this.#path) this.#progress = { done: progress.done, total: progress.total, name: progress.name };
    });
  }

  async start(path: string, experiment: string): Promise<void> {
    this.#path = path.trim();
    this.#running = true;
    this.#progress = null;
    this.#summary = null;
    this.#error = null;
    try {
      this.#summary = await this.#client.call('runs/import', { path: this.#path, ...(experiment.trim() ? { experiment: experiment.trim() } : {}) });
    } catch (error) {
      this.#error = errorMessage(error);
    } finally {
      this.#running = false;
    }
  }
}
