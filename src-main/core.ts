import { rmSync } from 'node:fs';
import { AppError } from '../src-shared/api/errors';
import type { ApiHost } from '../src-shared/api/host';
import { ApiService } from './api/api-service';
import { EventBus } from './api/event-bus';
import { createHandlers, type TrackingServerControl } from './api/handlers';
import { DatasetCatalogue } from './datasets/catalogue';
import { checkpointDirectory, userDatasetsDir, type DbLocation } from './paths';
import { openStore } from './store';
import type { RunDetail, RunStore } from './store/run-store';
import type { RunSummary } from '../src-shared/entities/run';
import { SweepRunner } from './search/sweep-runner';
import { TrainerHost } from './training/host/trainer-host';
import { NodeWorkerLauncher, type WorkerLauncher } from './training/host/worker-launcher';

/** How long a deleted run can be restored. */
export const PURGE_AFTER_MS = 7 * 24 * 3600 * 1000;

/**
 * How long a script logging a run (through the MLflow API) may stay silent before its run is marked `interrupted`,
 * as W&B marks a run crashed: 30 minutes by default, longer than a slow epoch of a course script between two
 * `log_metric` calls. `RUNBOARD_SILENT_RUN_MINUTES` or `serve --silent-run-minutes` changes it. A run marked so runs
 * again when its script calls in later.
 */
export const DEFAULT_SILENT_RUN_MS = 30 * 60_000;

/** The silence timeout from `RUNBOARD_SILENT_RUN_MINUTES` (minutes, from 1), or the default. @throws AppError(BAD_INPUT) */
export function silentRunTimeoutMs(minutes: string | undefined): number {
  if (minutes === undefined || minutes.trim() === '') return DEFAULT_SILENT_RUN_MS;
  const value = Number(minutes);
  if (!Number.isFinite(value) || value < 1) {
    throw new AppError('BAD_INPUT', `The silent-run timeout must be a number of minutes from 1 (RUNBOARD_SILENT_RUN_MINUTES or --silent-run-minutes), not "${minutes}".`);
  }
  return value * 60_000;
}

export interface CoreOptions {
  db: DbLocation;
  host: 'desktop' | 'serve' | 'cli';
  /** How training processes start: child_process (default) or Electron's utilityProcess. */
  launcher?: WorkerLauncher;
  /** better-sqlite3 binary for this runtime (Electron); the package's own build otherwise. */
  nativeBinding?: string;
  /** The dataset catalogue, when the caller already has one (the CLI checks a run before opening the database). */
  datasets?: DatasetCatalogue;
  /** Tell the UI when another process writes to the store (`RunStore.watchExternalChanges`); for the app and `serve`. */
  watchExternalChanges?: boolean;
  /** For tests: the worker script to fork. */
  workerEntry?: string;
  /** Where `datasets/fetch` downloads from instead of the official addresses (`RUNBOARD_DATASETS_MIRROR`). */
  datasetsMirror?: string | undefined;
  /** How long an external run may stay silent before it is `interrupted` (default `DEFAULT_SILENT_RUN_MS`). */
  silentRunMs?: number;
  /** The switch of the tracking API other trackers' clients log through, made once the store is open. */
  trackingServer?: (core: Pick<Core, 'store' | 'events'>) => TrackingServerControl;
}

function withoutConfig(run: RunDetail): RunSummary {
  const { config: _config, ...summary } = run;
  return summary;
}

/** Runboard's core, the same under the desktop app, `serve` and the CLI. */
export interface Core {
  api: ApiHost;
  store: RunStore;
  trainer: TrainerHost;
  sweeps: SweepRunner;
  datasets: DatasetCatalogue;
  /** The store's location as it may be shown (a PostgreSQL URL without its password). */
  dbPath: string;
  /** The bus every UI hears: what the MLflow routes log reaches the charts through it. */
  events: EventBus;
  /** How long an external run may stay silent before it is `interrupted`. */
  silentRunMs: number;
  /** Marks external runs silent for longer than `silentRunMs` as `interrupted` and tells the UIs; returns their ids. */
  interruptSilentRuns(): Promise<number[]>;
  /** Stops running sweeps and runs (they end as `stopped`), waits for their last writes, and closes the database. */
  dispose(): Promise<void>;
}

/**
 * Opens the database (refusing files it must not touch) and wires the store, the trainer host and the API service.
 * @throws AppError when the database cannot be used; nothing has been written then.
 */
export async function openCore(options: CoreOptions): Promise<Core> {
  const store = await openStore(options.db, { nativeBinding: options.nativeBinding });
  // Runs deleted more than a week ago go for good, with their saved weights.
  for (const runId of await store.annotations.purge(Date.now() - PURGE_AFTER_MS)) rmSync(checkpointDirectory(store.filesDir, runId), { recursive: true, force: true });
  const datasets = options.datasets ?? new DatasetCatalogue({ userDir: userDatasetsDir(store.filesDir) });
  const events = new EventBus();
  const trainer = new TrainerHost({
    store,
    datasets,
    launcher: options.launcher ?? new NodeWorkerLauncher(),
    emit: (event) => events.emit(event),
    ...(options.workerEntry ? { workerEntry: options.workerEntry } : {}),
    // The app and serve stay up: a run's end waits for space on a full disk until it can be written (or they close).
    ...(options.host === 'cli' ? {} : { diskFullEndWaitMs: Infinity }),
  });
  const sweeps = new SweepRunner({ store, trainer, datasets, emit: (event) => events.emit(event), subscribe: (listener) => events.subscribe(listener) });
  const trackingServer = options.trackingServer?.({ store, events });
  const service = new ApiService(
    createHandlers({
      store,
      trainer,
      sweeps,
      datasets,
      host: options.host,
      datasetsMirror: options.datasetsMirror ?? process.env.RUNBOARD_DATASETS_MIRROR,
      trackingServer,
      sqliteBinding: options.nativeBinding,
      emit: (event) => events.emit(event),
    }),
    events,
  );
  let disposed = false;
  const stopWatching = options.watchExternalChanges ? store.watchExternalChanges(() => events.emit({ event: 'store/changed', payload: { at: Date.now() } })) : null;
  const silentRunMs = options.silentRunMs ?? DEFAULT_SILENT_RUN_MS;
  const interruptSilentRuns = async (): Promise<number[]> => {
    const ids = await store.interruptSilentRuns(Date.now() - silentRunMs);
    for (const runId of ids) {
      const run = await store.getRun(runId);
      if (run) events.emit({ event: 'run/updated', payload: { run: withoutConfig(run) } });
    }
    return ids;
  };
  await interruptSilentRuns();
  // Hosts that stay up look again while they run, often enough that a run is never shown running much past its time.
  const silenceWatch = options.watchExternalChanges ? setInterval(() => void (disposed ? Promise.resolve([]) : interruptSilentRuns()).catch((error: unknown) => console.error('runboard: checking silent runs failed:', error)), Math.min(60_000, silentRunMs / 4)) : null;
  silenceWatch?.unref();
  return {
    api: service,
    store,
    trainer,
    sweeps,
    datasets,
    dbPath: store.path,
    events,
    silentRunMs,
    interruptSilentRuns,
    async dispose() {
      if (disposed) return;
      disposed = true;
      stopWatching?.();
      if (silenceWatch) clearInterval(silenceWatch);
      await trackingServer?.dispose?.();
      await sweeps.dispose();
      await trainer.dispose();
      await store.close();
    },
  };
}
