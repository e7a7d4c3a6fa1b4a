import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EXPORT_FORMATS, type ExportFormat } from '../../src-shared/api/contract';
import { AppError } from '../../src-shared/api/errors';
import { openCore } from '../core';
import { diskFullCode, diskFullError } from '../disk-full';
import { exportRuns } from '../export';
import { resolveDbLocation } from '../paths';
import { EXIT, type CliIo } from './io';
import { parseSort, requireExperiment } from './table-flags';

/**
 * Writes `content` to `path` whole or not at all: a temporary file in the same folder, then a rename.
 * @throws AppError(IO_ERROR, or DISK_FULL naming the folder) saying why, with no file left behind.
 */
export function writeFileAtomically(path: string, content: string | Uint8Array): void {
  const target = resolve(path);
  const folder = dirname(target);
  if (!existsSync(folder)) throw new AppError('IO_ERROR', `Cannot write ${target}: the folder ${folder} does not exist.`);
  if (existsSync(target) && statSync(target).isDirectory()) throw new AppError('IO_ERROR', `Cannot write ${target}: it is a folder.`);
  const temporary = join(folder, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    const full = diskFullCode(error);
    if (full !== null) throw diskFullError(target, target, full, 'Nothing was left behind.');
    throw new AppError('IO_ERROR', `Cannot write ${target}: ${(error as NodeJS.ErrnoException).code ?? ''} ${(error as Error).message}`.trim());
  }
}

/** `runboard export`: the runs table as CSV, JSON, Markdown, LaTeX or Parquet, to a file or stdout. */
export interface ExportFlags {
  format?: string;
  out?: string;
  experiment?: string;
  sweep?: string;
  filter?: string;
  columns?: string;
  sort?: string;
  includeArchived?: boolean;
  db?: string;
}

export async function exportCommand(flags: ExportFlags, io: CliIo): Promise<number> {
  const format = (flags.format ?? 'csv') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) {
    throw new AppError('BAD_INPUT', `--format: unknown format "${flags.format}"; valid formats: ${EXPORT_FORMATS.join(', ')}.`, [{ field: '--format', message: 'unknown format' }]);
  }
  const sweepId = flags.sweep === undefined ? undefined : Number(flags.sweep);
  if (sweepId !== undefined && (!Number.isInteger(sweepId) || sweepId < 1)) throw new AppError('BAD_INPUT', `--sweep: "${flags.sweep}" is not a sweep id.`);
  const core = await openCore({ db: resolveDbLocation(flags.db, io.env), host: 'cli' });
  try {
    if (sweepId !== undefined && !(await core.store.sweeps.get(sweepId))) throw new AppError('NOT_FOUND', `--sweep: sweep ${sweepId} does not exist (runboard sweeps lists them).`);
    if (flags.experiment !== undefined) await requireExperiment(core.store, flags.experiment);
    const table = await exportRuns(core.store, format, {
      experiment: flags.experiment,
      sweepId,
      filter: flags.filter,
      sort: parseSort(flags.sort),
      columns: flags.columns?.split(',').map((c) => c.trim()).filter((c) => c !== ''),
      includeArchived: flags.includeArchived,
    });
    const bytes = table.encoding === 'base64' ? Buffer.from(table.content, 'base64') : table.content;
    if (flags.out) {
      writeFileAtomically(flags.out, bytes);
      io.stderr.write(`Exported ${table.rows} run(s) to ${resolve(flags.out)}\n`);
    } else {
      io.stdout.write(bytes);
    }
    return EXIT.ok;
  } finally {
    await core.dispose();
  }
}
