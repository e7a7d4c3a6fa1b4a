import { AppError } from '../../src-shared/api/errors';
import type { Method, MethodOutput, MethodParsedInput } from '../../src-shared/api/contract';
import type { Evaluation, WeightHistograms } from '../../src-shared/entities/evaluation';
import { isTerminal } from '../../src-shared/entities/run';
import type { DatasetCatalogue } from '../datasets/catalogue';
import { exportRuns } from '../export';
import { appVersion } from '../paths';
import type { SweepRunner } from '../search/sweep-runner';
import type { SqliteStore } from '../store/sqlite-store';
import { backendStatuses } from '../training/backend-status';
import type { TrainerHost } from '../training/trainer-host';

export type Handlers = { [M in Method]: (input: MethodParsedInput<M>) => Promise<MethodOutput<M>> };

export interface HandlerDeps {
  store: SqliteStore;
  trainer: TrainerHost;
  sweeps: SweepRunner;
  datasets: DatasetCatalogue;
  host: 'desktop' | 'serve' | 'cli';
}

/** The contract's handlers over the store and the trainer host. Input is already validated. */
export function createHandlers({ store, trainer, sweeps, datasets, host }: HandlerDeps): Handlers {
  const requireSweep = (sweepId: number) => {
    const sweep = store.sweeps.get(sweepId);
    if (!sweep) throw new AppError('NOT_FOUND', `Sweep ${sweepId} does not exist.`);
    return sweep;
  };
  const requireRun = async (runId: number) => {
    const run = await store.getRun(runId);
    if (!run) throw new AppError('NOT_FOUND', `Run ${runId} does not exist.`);
    return run;
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
    'datasets/list': async () => datasets.list(),
    'datasets/import': async (input) => datasets.import(input),
    'datasets/delete': async (input) => ({ deleted: datasets.delete(input.name) }),
    'experiments/list': async () => store.listExperiments(),
    'runs/list': async (input) => (await store.listRuns({ experiment: input.experiment })).map(withProgress),
    'runs/get': async (input) => withProgress(await requireRun(input.run_id)),
    'runs/metrics': async (input) => store.getMetrics(input.run_ids, input.keys, input.max_points),
    'runs/start': async (input) => ({ run_id: (await trainer.start(input)).run_id }),
    'runs/stop': async (input) => {
      await requireRun(input.run_id);
      return { stopping: trainer.stop(input.run_id) };
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
    'sweeps/list': async () => store.sweeps.list(),
    'sweeps/get': async (input) => requireSweep(input.sweep_id),
    'sweeps/start': async (input) => ({ sweep_id: (await sweeps.start(input)).sweep_id }),
    'sweeps/stop': async (input) => {
      requireSweep(input.sweep_id);
      return { stopping: sweeps.stop(input.sweep_id) };
    },
    'sweeps/resume': async (input) => ({ sweep_id: (await sweeps.resume(input.sweep_id)).sweep_id }),
    'runs/export': async (input) => exportRuns(store, input.format, { experiment: input.experiment, runIds: input.run_ids }),
  };
}
