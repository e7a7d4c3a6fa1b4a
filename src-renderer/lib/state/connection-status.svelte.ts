import type { ConnectionState, Transport } from '../api/transport';

/** Whether live events flow, for the "reconnecting" indicator. */
export class ConnectionStatus {
  #state = $state<ConnectionState>('connecting');
  #stop: () => void;

  constructor(transport: Transport) {
    this.#state = transport.connection;
    this.#stop = transport.onConnectionChange((next) => {
      this.#state = next;
    });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get reconnecting(): boolean {
    return this.#state === 'reconnecting';
  }

  dispose(): void {
    this.#stop();
  }
}
