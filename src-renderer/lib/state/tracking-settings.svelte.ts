import type { TrackingServerStatus } from '../../../src-shared/api/contract';
import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';

/** The Settings page's view of the MLflow tracking API: whether it serves, where, and the lines a script needs. */
export class TrackingSettings {
  #client: ApiClient;
  #status = $state<TrackingServerStatus | null>(null);
  #busy = $state(false);
  #error = $state<string | null>(null);

  constructor(client: ApiClient) {
    this.#client = client;
  }

  get status(): TrackingServerStatus | null {
    return this.#status;
  }
  get busy(): boolean {
    return this.#busy;
  }
  /** Why the last read or switch failed. */
  get error(): string | null {
    return this.#error;
  }

  async load(): Promise<void> {
    try {
      this.#status = await this.#client.call('tracking/status', {});
      this.#error = null;
    } catch (error) {
      this.#error = errorMessage(error);
    }
  }

  async setEnabled(enabled: boolean): Promise<void> {
    this.#busy = true;
    try {
      this.#status = await this.#client.call('tracking/enable', { enabled });
      this.#error = null;
    } catch (error) {
      this.#error = errorMessage(error);
    } finally {
      this.#busy = false;
    }
  }
}
