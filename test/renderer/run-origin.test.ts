import { describe, expect, it } from 'vitest';
import type { RunSource, RunSummary } from '../../src-shared/entities/run';
import { describeSource, runOffers, trainedHere } from '../../src-renderer/lib/run-origin';

type Run = Pick<RunSummary, 'kind' | 'status' | 'outcome'>;
const run = (kind: Run['kind'], status: Run['status']): Run => ({ kind, status, outcome: null });
const source = (type: RunSource['type'], location: string | null, originalId: string | null): RunSource => ({ type, location, original_id: originalId, user: null, imported_at: null });

describe('what a run page offers, by who made the run', () => {
  it('a run Runboard trains can be stopped while it runs, cloned, swept from, and fine-tuned once finished', () => {
    expect(runOffers(run('train', 'running'))).toEqual({ stop: true, clone: true, fineTune: false, scaleUp: false, sweep: true });
    expect(runOffers(run('train', 'finished'))).toEqual({ stop: false, clone: true, fineTune: true, scaleUp: false, sweep: true });
    expect(runOffers(run('sanity', 'finished'))).toMatchObject({ scaleUp: true });
  });

  it("a script's or an imported run offers none of them: Runboard cannot stop the script and holds no weights or options of its", () => {
    const none = { stop: false, clone: false, fineTune: false, scaleUp: false, sweep: false };
    expect(runOffers(run('external', 'running'))).toEqual(none);
    expect(runOffers(run('external', 'finished'))).toEqual(none);
    expect(trainedHere(run('external', 'finished'))).toBe(false);
    expect(trainedHere(run('train', 'finished'))).toBe(true);
  });

  it('says where an external run came from: the script that logged it, or what it was imported from', () => {
    expect(describeSource(source('mlflow-api', 'train.py', null))).toBe('logged by an MLflow client from train.py');
    expect(describeSource(source('mlflow-api', null, null))).toBe('logged by an MLflow client');
    expect(describeSource(source('mlflow-file-store', '/data/mlruns', '0d16f1'))).toBe('imported from an MLflow file store at /data/mlruns (run 0d16f1)');
    expect(describeSource(source('mlflow-sqlite', '/data/mlflow.db', 'ab12'))).toBe('imported from an MLflow database at /data/mlflow.db (run ab12)');
    expect(describeSource(source('tensorboard', '/logs/sgd', '/logs/sgd/events.out.tfevents.1'))).toBe('imported from TensorBoard event files at /logs/sgd');
    expect(describeSource(null)).toBeNull();
  });
});
