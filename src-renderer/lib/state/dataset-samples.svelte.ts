import type { MethodOutput } from '../../../src-shared/api/contract';
import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';

export type DatasetSamples = MethodOutput<'datasets/samples'>;

/** How long the dataset must stay the same before its samples are read (a view typed letter by letter). */
const SETTLE_MS = 250;

/**
 * A few training samples of the dataset the New run form names (`datasets/samples`), for the augmentation preview.
 * `show` reads them once the name settles; `redraw` reads others, and the preview draws new augmentations.
 */
export class DatasetSampleSet {
  readonly count: number;
  #client: ApiClient;
  #dataset = $state<string | null>(null);
  #seed = $state(0);
  #samples = $state.raw<DatasetSamples | null>(null);
  #error = $state<string | null>(null);
  #loading = $state(false);
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Counts the reads, so that only the latest answer is kept. */
  #read = 0;

  constructor(client: ApiClient, count = 8) {
    this.#client = client;
    this.count = count;
  }

  /** The samples of the dataset last shown, or null before they arrive. */
  get samples(): DatasetSamples | null {
    return this.#samples;
  }
  get error(): string | null {
    return this.#error;
  }
  get loading(): boolean {
    return this.#loading;
  }
  /** Which draw this is: the samples' seed, and the augmentations' seed. */
  get seed(): number {
    return this.#seed;
  }

  /** Shows the samples of `dataset` (null: none), read after it stayed the same for a moment. */
  show(dataset: string | null): void {
    if (dataset === this.#dataset) return;
    this.#dataset = dataset;
    this.#samples = null;
    this.#error = null;
    this.#schedule(SETTLE_MS);
  }

  /** Other samples, and other augmentations of them. */
  redraw(): void {
    this.#seed += 1;
    this.#schedule(0);
  }

  dispose(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#read++;
  }

  #schedule(delay: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const dataset = this.#dataset;
    if (dataset === null) {
      this.#read++;
      this.#loading = false;
      return;
    }
    this.#loading = true;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#load(dataset, this.#seed);
    }, delay);
  }

  async #load(dataset: string, seed: number): Promise<void> {
    const read = ++this.#read;
    try {
      const samples = await this.#client.call('datasets/samples', { dataset, count: this.count, seed });
      if (read !== this.#read) return;
      this.#samples = samples;
      this.#error = null;
    } catch (error) {
      if (read !== this.#read) return;
      this.#error = errorMessage(error);
    } finally {
      if (read === this.#read) this.#loading = false;
    }
  }
}
