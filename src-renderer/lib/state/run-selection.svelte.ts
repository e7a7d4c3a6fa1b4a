import { SvelteSet } from 'svelte/reactivity';

/** The runs ticked in the table, for Compare and export. */
export class RunSelection {
  #ids = new SvelteSet<number>();

  get size(): number {
    return this.#ids.size;
  }
  /** Selected ids in ascending order. */
  get ids(): number[] {
    return [...this.#ids].sort((a, b) => a - b);
  }

  has(runId: number): boolean {
    return this.#ids.has(runId);
  }

  toggle(runId: number, selected = !this.#ids.has(runId)): void {
    if (selected) this.#ids.add(runId);
    else this.#ids.delete(runId);
  }

  /** Selects or clears all the given runs at once (the header checkbox). */
  setAll(runIds: readonly number[], selected: boolean): void {
    for (const id of runIds) this.toggle(id, selected);
  }

  clear(): void {
    this.#ids.clear();
  }
}
