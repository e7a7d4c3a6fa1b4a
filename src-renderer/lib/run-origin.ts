import { isTerminal, type RunSource, type RunSummary } from '../../src-shared/entities/run';

/**
 * What a run page offers and says depends on who made the run. Runboard's own runs can be stopped, cloned,
 * fine-tuned and swept from, and have weights, a model and an error analysis. An external run (a script logging
 * through MLflow's API, or an import) has none of that: Runboard did not build its model, holds no weights of it and
 * cannot stop the script; its page says where it came from instead.
 */

/** The actions of a run page's header that apply to this run. */
export interface RunOffers {
  /** Stop the training (a run Runboard is training, not yet ended). */
  stop: boolean;
  /** A New run form with this run's options. */
  clone: boolean;
  /** Train on from this run's final weights. */
  fineTune: boolean;
  /** A sanity check's own next step: the same options on the whole training set. */
  scaleUp: boolean;
  /** A sweep with this run's options fixed. */
  sweep: boolean;
}

export function runOffers(run: Pick<RunSummary, 'kind' | 'status' | 'outcome'>): RunOffers {
  if (run.kind === 'external') return { stop: false, clone: false, fineTune: false, scaleUp: false, sweep: false };
  return {
    stop: !isTerminal(run.status),
    clone: true,
    // A finished run left weights to start from (runs recorded before checkpoints existed have no outcome).
    fineTune: run.outcome ? run.outcome.checkpoint.final : run.status === 'finished',
    scaleUp: run.kind === 'sanity' && run.status === 'finished',
    sweep: true,
  };
}

/** Whether the run has what Runboard's training records (weight histograms, a model summary, an error analysis). */
export function trainedHere(run: Pick<RunSummary, 'kind'>): boolean {
  return run.kind !== 'external';
}

const SOURCE_NAMES: Record<RunSource['type'], string> = {
  'mlflow-api': 'an MLflow client',
  'mlflow-file-store': 'an MLflow file store',
  'mlflow-sqlite': 'an MLflow database',
  tensorboard: 'TensorBoard event files',
};

/**
 * Where an external run came from, in a line: `logged by an MLflow client from train.py`, `imported from an MLflow
 * file store at /data/mlruns (run 0d16…)`. Null for a run Runboard trained.
 */
export function describeSource(source: RunSource | null): string | null {
  if (!source) return null;
  const what = SOURCE_NAMES[source.type];
  if (source.type === 'mlflow-api') return `logged by ${what}${source.location ? ` from ${source.location}` : ''}`;
  const at = source.location ? ` at ${source.location}` : '';
  // A TensorBoard run's id is its first event file, which the location already leads to.
  const id = source.original_id && source.type !== 'tensorboard' ? ` (run ${source.original_id})` : '';
  return `imported from ${what}${at}${id}`;
}
