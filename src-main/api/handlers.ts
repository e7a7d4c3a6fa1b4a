import { AppError } from '../../src-shared/api/errors';
import type { Method, MethodOutput, MethodParsedInput, TrackingServerStatus } from '../../src-shared/api/contract';
import type { Evaluation, WeightHistograms } from '../../src-shared/entities/evaluation';
import type { AnyEvent } from '../../src-shared/api/events';
import { isTerminal } from '../../src-shared/entities/run';
import { groupRuns } from '../../src-shared/group-runs';
import type { DatasetCatalogue } from '../datasets/catalogue';
import type { ConvFilters, ModelSummary } from '../../src-shared/entities/model-summary';
import { exportRuns } from '../export';
import { importRuns } from '../interop/import';
import { appVersion } from '../paths';
import { buildReport } from '../report';
import type { SweepRunner } from '../search/sweep-runner';
import type { RunStore } from '../store/run-store';
import { backendStatuses } from '../training/host/backend-status';
import type { TrainerHost } from '../training/host/trainer-host';

export type Handlers = { [M in Method]: (input: MethodParsedInput<M>) => Promise<MethodOutput<M>> };

/** Switches the tracking API that other trackers' clients log through (see `tracking/status`). */
export interface TrackingServerControl {
  status(): Promise<TrackingServerStatus>;
  setEnabled(enabled: boolean): Promise<TrackingServerStatus>;
  /** Stops serving (the host is closing). */
  dispose?(): Promise<void>;
}

const NO_TRACKING_SERVER: TrackingServerStatus = { available: false, switchable: false, enabled: false, url: null, lines: [], error: null };

export interface HandlerDeps {
  store: RunStore;
  trainer: TrainerHost;
  sweeps: SweepRunner;
  datasets: DatasetCatalogue;
  host: 'desktop' | 'serve' | 'cli';
  /** Where dataset downloads come from instead of the official addresses. */
  datasetsMirror?: string | undefined;
  /** The tracking API's switch, where this host has one. */
  trackingServer?: TrackingServerControl | undefined;
  /** better-sqlite3 binary for this runtime (Electron), for imports that read another SQLite database. */
  sqliteBinding?: string | undefined;
  emit(event: AnyEvent): void;
}

/** The contract's handlers over the store and the trainer host. Input is already validated. */
export function createHandlers({ store, trainer, sweeps, datasets, host, datasetsMirror, trackingServer, sqliteBinding, emit }: HandlerDeps): Handlers {
  const requireSweep = async (sweepId: number) => {
    const sweep = await store.sweeps.get(sweepId);
    if (!sweep) throw new AppError('NOT_FOUND', `Sweep ${sweepId} does not exist.`);
    return sweep;
  };
  const requireRun = async (runId: number) => {
    const run = await store.getRun(runId);
    if (!run) throw new AppError('NOT_FOUND', `Run ${runId} does not exist.`);
    return run;
  };
  /** Tells every UI that a run changed (tags, notes, archived, deleted). */
  const emitUpdated = async (runId: number) => {
    const run = await store.getRun(runId);
    if (!run) return;
    const { config: _config, ...summary } = run;
    emit({ event: 'run/updated', payload: { run: summary } });
  };
  const withProgress = <T extends { run_id: number; status: string; progress: unknown }>(run: T): T =>
    isTerminal(run.status as never) ? run : { ...run, progress: trainer.progressOf(run.run_id) };

  return {
    'system/info': async () => ({
      version: appVersion(),
      db_path: store.path,
      schema_version: store.schemaVersion,
      backends: backendStatuses(),
      host,
    }),
    'system/device': async (input) => {
      const probed = await trainer.devices.deviceFor(input.backend);
      return { backend: input.backend, chosen: probed.chosen, device: probed.device, error: probed.error, passed_over: probed.skipped };
    },
    'datasets/list': async () => datasets.list(),
    'datasets/import': async (input) => datasets.import(input),
    'datasets/import-images': async (input) => datasets.importImages(input),
    'datasets/fetch': async (input) =>
      datasets.fetch(input.dataset, {
        mirror: datasetsMirror,
        onProgress: ({ bytes, total }) => emit({ event: 'dataset/fetch-progressed', payload: { dataset: input.dataset, bytes, total } }),
      }),
    'datasets/samples': async (input) => datasets.samples(input.dataset, input.count, input.seed ?? 0),
    'datasets/delete': async (input) => ({ deleted: datasets.delete(input.name) }),
    'experiments/list': async () => store.listExperiments(),
    'runs/list': async (input) => (await store.listRuns({ experiment: input.experiment })).map(withProgress),
    'runs/get': async (input) => withProgress(await requireRun(input.run_id)),
    'runs/query': async (input) => {
      const page = await store.queryRuns({
        filter: input.filter,
        sort: input.sort,
        offset: input.offset,
        limit: input.limit,
        experiment: input.experiment,
        includeArchived: input.include_archived,
      });
      return { runs: page.runs.map(withProgress), total: page.total };
    },
    'runs/columns': async () => store.columns(),
    'runs/group': async (input) => {
      const { runs } = await store.queryRuns({ filter: input.filter, offset: 0, limit: Number.MAX_SAFE_INTEGER, experiment: input.experiment, includeArchived: input.include_archived });
      return groupRuns(runs, input.by, input.metric);
    },
    'runs/annotate': async (input) => {
      if (input.tags) await store.annotations.setTags(input.run_id, input.tags);
      if (input.notes !== undefined) await store.annotations.setNotes(input.run_id, input.notes);
      await emitUpdated(input.run_id);
      return { run_id: input.run_id };
    },
    'runs/archive': async (input) => {
      const changed = await store.annotations.setArchived(input.run_ids, input.archived);
      for (const id of input.run_ids) await emitUpdated(id);
      return { changed };
    },
    'runs/delete': async (input) => {
      const deleted = await store.annotations.delete(input.run_ids);
      for (const id of deleted) await emitUpdated(id);
      return { deleted };
    },
    'runs/restore': async (input) => {
      const restored = await store.annotations.restore(input.run_ids);
      for (const id of input.run_ids) await emitUpdated(id);
      return { restored };
    },
    'runs/metrics': async (input) => store.getMetrics(input.run_ids, input.keys, input.max_points, input.after_step),
    'runs/start': async (input) => ({ run_id: (await trainer.start(input)).run_id }),
    'runs/stop': async (input) => {
      await requireRun(input.run_id);
      // A run this process trains stops at once; one another process trains (on any machine), at its next epoch.
      return { stopping: trainer.stop(input.run_id) || (await store.requestStop(input.run_id)) };
    },
    'runs/evaluation': async (input) => {
      await requireRun(input.run_id);
      const [val, test] = await Promise.all([store.getArtifact(input.run_id, 'evaluation-val'), store.getArtifact(input.run_id, 'evaluation-test')]);
      return { val: val as Evaluation | null, test: test as Evaluation | null };
    },
    'runs/histograms': async (input) => {
      await requireRun(input.run_id);
      return (await store.getArtifact(input.run_id, 'histograms')) as WeightHistograms | null;
    },
    'runs/model': async (input) => {
      await requireRun(input.run_id);
      const [summary, filters] = await Promise.all([store.getArtifact(input.run_id, 'model'), store.getArtifact(input.run_id, 'filters')]);
      return { summary: summary as ModelSummary | null, filters: filters as ConvFilters | null };
    },
    'sweeps/list': async () => store.sweeps.list(),
    'sweeps/get': async (input) => requireSweep(input.sweep_id),
    'sweeps/start': async (input) => ({ sweep_id: (await sweeps.start(input)).sweep_id }),
    'sweeps/stop': async (input) => {
      await requireSweep(input.sweep_id);
      return { stopping: await sweeps.stopAnywhere(input.sweep_id) };
    },
    'sweeps/resume': async (input) => ({ sweep_id: (await sweeps.resume(input.sweep_id)).sweep_id }),
    'runs/import': async (input) =>
      importRuns(store, input.path, {
        experiment: input.experiment,
        sqliteBinding,
        onProgress: (progress) => emit({ event: 'import/progressed', payload: { path: input.path, ...progress } }),
        onRunCreated: (run) => emit({ event: 'run/created', payload: { run } }),
      }),
    'tracking/status': async () => (trackingServer ? trackingServer.status() : NO_TRACKING_SERVER),
    'tracking/enable': async (input) => {
      if (!trackingServer) throw new AppError('BAD_INPUT', 'This Runboard cannot serve the tracking API: run `runboard serve` or the desktop app.');
      return trackingServer.setEnabled(input.enabled);
    },
    'runs/export': async (input) =>
      exportRuns(store, input.format, {
        experiment: input.experiment,
        runIds: input.run_ids,
        sweepId: input.sweep_id,
        filter: input.filter,
        sort: input.sort,
        columns: input.columns,
        includeArchived: input.include_archived,
      }),
    'runs/report': async (input) => {
      const report = await buildReport(
        store,
        { runIds: input.run_ids, sweepId: input.sweep_id, filter: input.filter, columns: input.columns, includeArchived: input.include_archived },
        { title: input.title, note: input.note, version: appVersion() },
      );
      return { filename: report.filename, mime_type: 'text/html', content: report.html, runs: report.runs };
    },
  };
}
