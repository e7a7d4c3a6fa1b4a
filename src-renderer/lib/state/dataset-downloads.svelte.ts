import type { DatasetInfo } from '../../../src-shared/entities/dataset';
import type { ApiClient } from '../api/api-client';
import { errorMessage } from '../api/api-call-error';
import type { Catalog } from './catalog.svelte';

/** The datasets the host can download (`datasets/fetch`). */
export const DOWNLOADABLE = [
  { name: 'mnist', title: 'MNIST', about: 'handwritten digits, 28×28, 70,000 images (CC BY-SA 3.0)' },
  { name: 'fashion-mnist', title: 'Fashion-MNIST', about: 'clothes, 28×28, 70,000 images (MIT licence)' },
] as const;
export type Downloadable = (typeof DOWNLOADABLE)[number]['name'];

/** One download: waiting to be asked, receiving bytes (then checked and imported), done, or refused. */
export type DownloadState =
  | { status: 'idle' }
  | { status: 'downloading'; bytes: number; total: number }
  | { status: 'done'; info: DatasetInfo }
  | { status: 'failed'; error: string };

/**
 * Downloads of MNIST and Fashion-MNIST by the host, which checks every file's SHA-256 and imports them. Progress comes
 * as `dataset/fetch-progressed` events; when every byte is in, the host checks and imports before it answers. One for
 * the app (in its context), so that a download keeps its progress and result when the page that started it is left.
 */
export class DatasetDownloads {
  #client: ApiClient;
  #catalog: Catalog;
  #states = $state<Record<Downloadable, DownloadState>>({ mnist: { status: 'idle' }, 'fashion-mnist': { status: 'idle' } });
  #stopListening: () => void;

  constructor(client: ApiClient, catalog: Catalog) {
    this.#client = client;
    this.#catalog = catalog;
    this.#stopListening = client.on('dataset/fetch-progressed', ({ dataset, bytes, total }) => {
      if (!isDownloadable(dataset)) return;
      const state = this.#states[dataset];
      // Only a download this page asked for; another window's shows there.
      if (state.status === 'downloading') this.#states[dataset] = { status: 'downloading', bytes: Math.max(bytes, state.bytes), total };
    });
  }

  state(name: Downloadable): DownloadState {
    return this.#states[name];
  }

  /** Downloads and imports a dataset; the state says how it goes and how it ended. */
  async download(name: Downloadable): Promise<void> {
    if (this.#states[name].status === 'downloading') return;
    this.#states[name] = { status: 'downloading', bytes: 0, total: 0 };
    try {
      const info = await this.#client.call('datasets/fetch', { dataset: name });
      await this.#catalog.loadDatasets();
      this.#states[name] = { status: 'done', info };
    } catch (error) {
      this.#states[name] = { status: 'failed', error: errorMessage(error) };
    }
  }

  dispose(): void {
    this.#stopListening();
  }
}

function isDownloadable(name: string): name is Downloadable {
  return DOWNLOADABLE.some((d) => d.name === name);
}
