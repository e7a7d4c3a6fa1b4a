import type { AnyEvent } from '../../src-shared/api/events';

/** Fans events out to subscribers (UI transports, the CLI's progress bar). A failing listener does not stop the others. */
export class EventBus {
  private readonly listeners = new Set<(event: AnyEvent) => void>();

  constructor(private readonly log: (message: string, error: unknown) => void = (m, e) => console.error(m, e)) {}

  subscribe(listener: (event: AnyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: AnyEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log('runboard: an event listener failed:', error);
      }
    }
  }
}
