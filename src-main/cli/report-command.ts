import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AppError } from '../../src-shared/api/errors';
import { openCore } from '../core';
import { appVersion, resolveDbLocation } from '../paths';
import { buildReport, type ReportSelection } from '../report';
import { writeFileAtomically } from './export-command';
import { EXIT, type CliIo } from './io';
import { parseColumns } from './table-flags';

/** `runboard report`: one self-contained HTML file about some runs (a filter, ids) or a sweep. */
export interface ReportFlags {
  filter?: string;
  runs?: string;
  sweep?: string;
  out?: string;
  columns?: string;
  title?: string;
  note?: string;
  noteFile?: string;
  includeArchived?: boolean;
  db?: string;
}

/** `--runs 1,2,3` -> [1, 2, 3]. */
export function parseRunIds(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const bad = parts.filter((p) => !/^\d+$/.test(p) || Number(p) < 1 || !Number.isSafeInteger(Number(p)));
  if (parts.length === 0 || bad.length > 0) throw new AppError('BAD_INPUT', `--runs: write run ids separated by commas, e.g. 1,2,3${bad.length > 0 ? `, not "${bad.join('", "')}"` : ''}.`);
  return [...new Set(parts.map(Number))];
}

/** Which runs: exactly one of --filter, --runs and --sweep. */
function selectionOf(flags: ReportFlags): ReportSelection {
  const given = (['filter', 'runs', 'sweep'] as const).filter((flag) => flags[flag] !== undefined);
  if (given.length !== 1) {
    const said = given.length === 0 ? 'none was given' : `not ${given.map((g) => `--${g}`).join(' and ')} together`;
    throw new AppError('BAD_INPUT', `Say which runs to report with one of --filter EXPR, --runs 1,2,3 or --sweep ID (${said}).`);
  }
  const columns = parseColumns(flags.columns);
  const common = { columns, includeArchived: flags.includeArchived };
  if (flags.runs !== undefined) return { ...common, runIds: parseRunIds(flags.runs) };
  if (flags.sweep !== undefined) {
    const sweepId = Number(flags.sweep);
    if (!/^\d+$/.test(flags.sweep.trim()) || !Number.isSafeInteger(sweepId) || sweepId < 1) throw new AppError('BAD_INPUT', `--sweep: "${flags.sweep}" is not a sweep id.`);
    return { ...common, sweepId };
  }
  return { ...common, filter: flags.filter };
}

function readNote(flags: ReportFlags): string {
  if (flags.note !== undefined && flags.noteFile !== undefined) throw new AppError('BAD_INPUT', 'Give the note with --note TEXT or --note-file FILE, not both.');
  if (flags.noteFile === undefined) return flags.note ?? '';
  const path = resolve(flags.noteFile);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw new AppError('IO_ERROR', `--note-file: cannot read ${path}: ${why}.`);
  }
}

export async function reportCommand(flags: ReportFlags, io: CliIo): Promise<number> {
  const selection = selectionOf(flags);
  if (flags.out === undefined || flags.out.trim() === '') throw new AppError('BAD_INPUT', '--out: name the HTML file to write, e.g. --out report.html.');
  const out = resolve(flags.out);
  // Checked before anything is read, so that a mistyped folder costs nothing; the write checks again.
  if (!existsSync(dirname(out))) throw new AppError('IO_ERROR', `--out: cannot write ${out}: the folder ${dirname(out)} does not exist.`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new AppError('IO_ERROR', `--out: cannot write ${out}: it is a folder.`);
  const note = readNote(flags);
  const core = await openCore({ db: resolveDbLocation(flags.db, io.env), host: 'cli' });
  try {
    const report = await buildReport(core.store, selection, { title: flags.title, note, version: appVersion() });
    writeFileAtomically(out, report.html);
    io.stderr.write(`Wrote a report of ${report.runs} run${report.runs === 1 ? '' : 's'} to ${out} (${Math.ceil(Buffer.byteLength(report.html) / 1024)} KiB)\n`);
    return EXIT.ok;
  } finally {
    await core.dispose();
  }
}
