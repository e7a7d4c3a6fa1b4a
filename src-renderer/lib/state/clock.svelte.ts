import { createSubscriber } from 'svelte/reactivity';

/** The current time, re-read once a second by whatever displays it (running durations); idle when nothing does. */
export class Clock {
  #subscribe = createSubscriber((update) => {
    const timer = setInterval(update, 1000);
    return () => clearInterval(timer);
  });

  /** Milliseconds since the Unix epoch. */
  get now(): number {
    this.#subscribe();
    return Date.now();
  }
}
