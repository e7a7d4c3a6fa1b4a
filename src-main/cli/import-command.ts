import type { ImportSummary } from '../../src-shared/api/contract';
import { openCore } from '../core';
import { importRuns, type ImportProgress } from '../interop/import';
import { resolveDbLocation } from '../paths';
import { EXIT, type CliIo } from './io';
import { countProgressLine } from './progress-bar';

export interface ImportFlags {
  experiment?: string;
  db?: string;
  json?: boolean;
}

const KINDS: Record<ImportSummary['kind'], string> = {
  'mlflow-file-store': 'an MLflow file store',
  'mlflow-sqlite': 'an MLflow database',
  tensorboard: 'TensorBoard event files',
};

/** The closing summary: runs and points added, runs left out, files that could not be read. */
export function summaryText(summary: ImportSummary): string {
  const lines = [
    `Imported ${summary.runs} run${summary.runs === 1 ? '' : 's'} (${summary.points.toLocaleString('en')} points) from ${KINDS[summary.kind]} at ${summary.path}; ` +
      `${summary.skipped.length} skipped, ${summary.failed.length} failed.`,
  ];
  const before = summary.skipped.filter((s) => s.reason.startsWith('imported before')).length;
  if (before > 0) lines.push(`  ${before} run${before === 1 ? ' was' : 's were'} imported before: an import adds a run once.`);
  for (const skipped of summary.skipped.filter((s) => !s.reason.startsWith('imported before'))) lines.push(`  skipped ${skipped.name}: ${skipped.reason}`);
  for (const failed of summary.failed) lines.push(`  failed ${failed.path}: ${failed.message}; nothing of its run was written`);
  return `${lines.join('\n')}\n`;
}

/**
 * `runboard import PATH [--experiment NAME]`: runs from an MLflow file store, an MLflow database or a TensorBoard log
 * folder, with a progress bar on a terminal and a summary at the end. Exit 0 when every run was imported or skipped,
 * 1 when a file could not be read, 2 when the path holds nothing to import.
 */
export async function importCommand(path: string, flags: ImportFlags, io: CliIo): Promise<number> {
  const core = await openCore({ db: resolveDbLocation(flags.db, io.env), host: 'cli' });
  const live = io.stderr.isTTY === true && !flags.json;
  try {
    const summary = await importRuns(core.store, path, {
      experiment: flags.experiment,
      ...(live ? { onProgress: (progress: ImportProgress) => io.stderr.write(`\r${countProgressLine(progress, 'runs', io.stderr.columns || 80)}\x1b[K`) } : {}),
    });
    if (live) io.stderr.write('\r\x1b[K');
    io.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : summaryText(summary));
    return summary.failed.length > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    if (live) io.stderr.write('\r\x1b[K');
    await core.dispose();
  }
}
