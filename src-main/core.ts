import { rmSync } from 'node:fs';
import type { ApiHost } from '../src-shared/api/host';
import { ApiService } from './api/api-service';
import { EventBus } from './api/event-bus';
import { createHandlers } from './api/handlers';
import { DatasetCatalogue } from './datasets/catalogue';
import { checkpointDirectory, userDatasetsDir, type DbLocation } from './paths';
import { SqliteStore } from './store/sqlite-store';
import { SweepRunner } from './search/sweep-runner';
import { TrainerHost } from './training/host/trainer-host';
import { NodeWorkerLauncher, type WorkerLauncher } from './training/host/worker-launcher';

/** How often a UI host checks whether another process wrote to the database. */
const EXTERNAL_CHANGE_POLL_MS = 1000;

/** How long a deleted run can be restored. */
export const PURGE_AFTER_MS = 7 * 24 * 3600 * 1000;

export interface CoreOptions {
  db: DbLocation;
  host: 'desktop' | 'serve' | 'cli';
  /** How training processes start: child_process (default) or Electron's utilityProcess. */
  launcher?: WorkerLauncher;
  /** better-sqlite3 binary for this runtime (Electron); the package's own build otherwise. */
  nativeBinding?: string;
  /** The dataset catalogue, when the caller already has one (the CLI checks a run before opening the database). */
  datasets?: DatasetCatalogue;
  /** Tell the UI when another process writes to the database (polls SQLite's data version); for the app and `serve`. */
  watchExternalChanges?: boolean;
  /** For tests: the worker script to fork. */
  workerEntry?: string;
  /** Where `datasets/fetch` downloads from instead of the official addresses (`RUNBOARD_DATASETS_MIRROR`). */
  datasetsMirror?: string | undefined;
}

/** Runboard's core, the same under the desktop app, `serve` and the CLI. */
export interface Core {
  api: ApiHost;
  store: SqliteStore;
  trainer: TrainerHost;
  sweeps: SweepRunner;
  datasets: DatasetCatalogue;
  dbPath: string;
  /** Stops running sweeps and runs (they end as `stopped`), waits for their last writes, and closes the database. */
  dispose(): Promise<void>;
}

/**
 * Opens the database (refusing files it must not touch) and wires the store, the trainer host and the API service.
 * @throws AppError when the database cannot be used; nothing has been written then.
 */
export async function openCore(options: CoreOptions): Promise<Core> {
  const store = SqliteStore.open(options.db, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  // Runs deleted more than a week ago go for good, with their saved weights.
  for (const runId of store.annotations.purge(Date.now() - PURGE_AFTER_MS)) rmSync(checkpointDirectory(store.path, runId), { recursive: true, force: true });
  const datasets = options.datasets ?? new DatasetCatalogue({ userDir: userDatasetsDir(store.path) });
  const events = new EventBus();
  const trainer = new TrainerHost({
    store,
    datasets,
    launcher: options.launcher ?? new NodeWorkerLauncher(),
    emit: (event) => events.emit(event),
    ...(options.workerEntry ? { workerEntry: options.workerEntry } : {}),
  });
  const sweeps = new SweepRunner({ store, trainer, datasets, emit: (event) => events.emit(event), subscribe: (listener) => events.subscribe(listener) });
  const service = new ApiService(createHandlers({ store, trainer, sweeps, datasets, host: options.host, datasetsMirror: options.datasetsMirror ?? process.env.RUNBOARD_DATASETS_MIRROR, emit: (event) => events.emit(event) }), events);
  let disposed = false;
  let lastVersion = store.dataVersion();
  const watcher = options.watchExternalChanges
    ? setInterval(() => {
        const version = store.dataVersion();
        if (version === lastVersion) return;
        lastVersion = version;
        events.emit({ event: 'store/changed', payload: { at: Date.now() } });
      }, EXTERNAL_CHANGE_POLL_MS)
    : null;
  watcher?.unref();
  return {
    api: service,
    store,
    trainer,
    sweeps,
    datasets,
    dbPath: store.path,
    async dispose() {
      if (disposed) return;
      disposed = true;
      if (watcher) clearInterval(watcher);
      await sweeps.dispose();
      await trainer.dispose();
      store.close();
    },
  };
}
