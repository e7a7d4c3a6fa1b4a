import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { AppError } from '../../../src-shared/api/errors';
import type { ImportSummary } from '../../../src-shared/api/contract';
import type { RunSummary } from '../../../src-shared/entities/run';
import type { RunStore } from '../../store/run-store';
import { ImportFileError } from './import-error';
import { isMlflowFileStore, mlflowFileStoreRuns } from './mlflow-file-store';
import { mlflowSqliteRuns } from './mlflow-sqlite';
import type { ImportOptions, RunToImport } from './run-source';
import { tensorboardRuns } from './tensorboard';

export interface ImportProgress {
  done: number;
  total: number;
  /** The run just handled. */
  name: string;
}

export interface ImportRunsOptions {
  experiment?: string | undefined;
  onProgress?: (progress: ImportProgress) => void;
  /** Tells the UIs of each run added. */
  onRunCreated?: (run: RunSummary) => void;
  /** better-sqlite3 binary for this runtime (Electron), to read an MLflow database. */
  sqliteBinding?: string | undefined;
}

function isSqliteFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(16);
    readSync(fd, header, 0, 16, 0);
    return header.toString('latin1') === 'SQLite format 3\0';
  } finally {
    closeSync(fd);
  }
}

async function hasEventFiles(dir: string): Promise<boolean> {
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.some((e) => e.isFile() && /^events\.out\.tfevents\./.test(e.name));
}

/** What `path` holds, and its runs. @throws AppError(BAD_INPUT) naming the path when there is nothing to import. */
async function findRuns(path: string, options: ImportOptions): Promise<{ kind: ImportSummary['kind']; runs: RunToImport[] }> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new AppError('BAD_INPUT', `Nothing to import: ${absolute} does not exist.`);
  try {
    if (statSync(absolute).isFile()) {
      if (/^events\.out\.tfevents\./.test(basename(absolute))) return { kind: 'tensorboard', runs: await tensorboardRuns(absolute, options) };
      if (isSqliteFile(absolute) || /\.db$/i.test(absolute)) return { kind: 'mlflow-sqlite', runs: await mlflowSqliteRuns(absolute, options) };
      throw new AppError('BAD_INPUT', `Nothing to import from ${absolute}: it is neither an MLflow database (mlflow.db) nor a TensorBoard event file (events.out.tfevents.*).`);
    }
    if (await isMlflowFileStore(absolute)) return { kind: 'mlflow-file-store', runs: await mlflowFileStoreRuns(absolute, options) };
    if (await hasEventFiles(absolute)) return { kind: 'tensorboard', runs: await tensorboardRuns(absolute, options) };
  } catch (error) {
    if (error instanceof ImportFileError) throw new AppError('BAD_INPUT', `Cannot import ${error.message}.`);
    throw error;
  }
  throw new AppError(
    'BAD_INPUT',
    `Nothing to import in ${absolute}: no MLflow file store (experiment folders with a meta.yaml, as in mlruns/) and no TensorBoard event files (events.out.tfevents.*) under it.`,
  );
}

/**
 * Imports another tracker's runs from `path`: an MLflow file store (`mlruns/`), an MLflow SQLite database or a
 * TensorBoard log folder. Each run is written in one transaction, with its original times and its source; a run
 * imported before (the same MLflow run id, the same first event file) is skipped, so importing again adds nothing. A
 * run whose files cannot be read is reported with the file (and line or record) and the import goes on. A full disk
 * stops it: the runs written before stay whole, and importing again adds the rest.
 * @throws AppError(BAD_INPUT) when `path` holds nothing to import or its store cannot be read at all; AppError(DISK_FULL)
 *   when the database's disk fills, saying how many runs were imported before.
 */
export async function importRuns(store: RunStore, path: string, options: ImportRunsOptions = {}): Promise<ImportSummary> {
  const now = Date.now();
  const found = await findRuns(path, { experiment: options.experiment, now, sqliteBinding: options.sqliteBinding });
  const summary: ImportSummary = { kind: found.kind, path: resolve(path), runs: 0, points: 0, skipped: [], failed: [] };
  let done = 0;
  for (const candidate of found.runs) {
    try {
      const run = await candidate.load();
      if ('skipped' in run) {
        summary.skipped.push({ name: candidate.label, reason: run.skipped });
      } else {
        const written = await store.importRun(run);
        if (written.created) {
          summary.runs++;
          summary.points += run.metrics.length;
          const stored = await store.getRun(written.runId);
          if (stored && options.onRunCreated) {
            const { config: _config, ...row } = stored;
            options.onRunCreated(row);
          }
        } else {
          summary.skipped.push({ name: candidate.label, reason: `imported before (run ${written.runId})` });
        }
      }
    } catch (error) {
      // Every run after this one would fail the same way: stop, saying what is whole and how to go on.
      if (error instanceof AppError && error.code === 'DISK_FULL') {
        const cause = error.message.replace(/ Free some space there and try again\.$/, '');
        throw new AppError(
          'DISK_FULL',
          `${cause} The import stopped at ${candidate.label}: ${summary.runs} run${summary.runs === 1 ? ' was' : 's were'} imported whole before it; nothing of it or of the runs after it was written. ` +
            'Free some space there, then run the same import again: the runs imported already are skipped.',
        );
      }
      if (error instanceof ImportFileError) summary.failed.push({ path: error.path, message: error.reason });
      else if (error instanceof AppError) summary.failed.push({ path: candidate.label, message: error.message });
      else throw error;
    }
    done++;
    options.onProgress?.({ done, total: found.runs.length, name: candidate.label });
  }
  return summary;
}
