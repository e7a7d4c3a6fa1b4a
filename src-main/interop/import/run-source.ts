import type { ImportedRun } from '../../store/run-store';

/** One run found in another tracker's records, read only when its turn comes (so progress can be shown). */
export interface RunToImport {
  /** What the progress line and a failure call it: a path or a run's name. */
  label: string;
  /**
   * Reads the whole run: the run to write, or why it is left out (deleted in the tracker it comes from).
   * @throws ImportFileError naming the file (and line or record) that cannot be read.
   */
  load(): Promise<ImportedRun | { skipped: string }>;
}

export interface ImportOptions {
  /** Every run goes into this experiment instead of its own (TensorBoard runs: the imported folder's name). */
  experiment?: string | undefined;
  /** When the import runs, recorded in each run's source. */
  now: number;
  /** better-sqlite3 binary for this runtime (Electron), to read an MLflow database. */
  sqliteBinding?: string | undefined;
}

/** MLflow's default experiment ("0", `Default`) is Runboard's `default`; any other keeps its name. */
export function experimentName(mlflowId: string, name: string, options: ImportOptions): string {
  if (options.experiment) return options.experiment;
  return mlflowId === '0' && name === 'Default' ? 'default' : name;
}

/** MLflow's run statuses by enum number and name, as Runboard's. */
export function statusOfMlflow(status: unknown): ImportedRun['status'] {
  const byName: Record<string, ImportedRun['status']> = { RUNNING: 'running', SCHEDULED: 'queued', FINISHED: 'finished', FAILED: 'failed', KILLED: 'stopped' };
  const names = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
  const name = typeof status === 'number' ? names[status - 1] : typeof status === 'string' ? status.toUpperCase() : undefined;
  return (name && byName[name]) || 'finished';
}
