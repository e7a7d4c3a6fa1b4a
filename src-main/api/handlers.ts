import { AppError } from '../../src-shared/api/errors';
import type { Method, MethodOutput, MethodParsedInput } from '../../src-shared/api/contract';
import { isTerminal } from '../../src-shared/entities/run';
import type { DatasetCatalogue } from '../datasets/catalogue';
import { exportRuns } from '../export';
import { appVersion } from '../paths';
import type { RunStore } from '../store/run-store';
import { backendStatuses } from '../training/backend-status';
import type { TrainerHost } from '../training/trainer-host';

export type Handlers = { [M in Method]: (input: MethodParsedInput<M>) => Promise<MethodOutput<M>> };

export interface HandlerDeps {
  store: RunStore;
  trainer: TrainerHost;
  datasets: DatasetCatalogue;
  host: 'desktop' | 'serve' | 'cli';
}

/** The contract's handlers over the store and the trainer host. Input is already validated. */
export function createHandlers({ store, trainer, datasets, host }: HandlerDeps): Handlers {
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
    'experiments/list': async () => store.listExperiments(),
    'runs/list': async (input) => (await store.listRuns({ experiment: input.experiment })).map(withProgress),
    'runs/get': async (input) => {
      const run = await store.getRun(input.run_id);
      if (!run) throw new AppError('NOT_FOUND', `Run ${input.run_id} does not exist.`);
      return withProgress(run);
    },
    'runs/metrics': async (input) => store.getMetrics(input.run_ids, input.keys, input.max_points),
    'runs/start': async (input) => ({ run_id: (await trainer.start(input)).run_id }),
    'runs/stop': async (input) => {
      if (!(await store.getRun(input.run_id))) throw new AppError('NOT_FOUND', `Run ${input.run_id} does not exist.`);
      return { stopping: trainer.stop(input.run_id) };
    },
    'runs/export': async (input) => exportRuns(store, input.format, { experiment: input.experiment, runIds: input.run_ids }),
  };
}
