import { existsSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../../src-shared/api/errors';
import { displayLocation, isServerLocation, resolveDbLocation, type DbLocation } from '../paths';
import { openStore } from '../store';
import { copyStore, type CopySummary } from '../store/copy-store';
import type { RunStore } from '../store/run-store';
import { EXIT, type CliIo } from './io';
import { countProgressLine } from './progress-bar';

export interface DbCopyFlags {
  from: string;
  to: string;
  json?: boolean;
}

const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString('en')} ${count === 1 ? one : many}`;

/** The closing summary: what was copied, what was there already, runs left for later, saved weights. */
export function copySummaryText(summary: CopySummary, destinationFiles: string): string {
  const skipped = summary.skippedRuns + summary.skippedSweeps;
  const lines = [
    `Copied ${plural(summary.runs, 'run')} (${plural(summary.points, 'point')}), ${plural(summary.sweeps, 'sweep')} from ${summary.from} to ${summary.to}; skipped ${skipped} already copied.`,
  ];
  if (skipped > 0) {
    lines.push(`  ${plural(summary.skippedRuns, 'run')} and ${plural(summary.skippedSweeps, 'sweep')} were there already (copied before, or first logged there): a copy adds each once.`);
  }
  if (summary.unfinished.length > 0) {
    const which = summary.unfinished.map((run) => `${run.id} ${run.name} (${run.status})`).join(', ');
    lines.push(`  Not copied, still queued or running: ${which}. Copy again once ${summary.unfinished.length === 1 ? 'it ends' : 'they end'}.`);
  }
  if (summary.checkpoints.copied > 0) lines.push(`  Saved weights of ${plural(summary.checkpoints.copied, 'run')} copied to ${join(destinationFiles, 'checkpoints')}.`);
  for (const missed of summary.checkpoints.notCopied) lines.push(`  Saved weights of run ${missed.runId} not copied: ${missed.reason}.`);
  return `${lines.join('\n')}\n`;
}

/** A `--from`/`--to` location; a source file must exist (a copy never creates the store it reads). */
function locationOf(flag: '--from' | '--to', text: string): DbLocation {
  if (text.trim() === '') throw new AppError('BAD_INPUT', `${flag} needs a database file or a postgres:// URL.`);
  const location = resolveDbLocation(text, {});
  if (flag === '--from' && !isServerLocation(location)) {
    if (!existsSync(location.path)) throw new AppError('BAD_INPUT', `--from ${location.path}: no such database file.`);
    if (statSync(location.path).isDirectory()) throw new AppError('BAD_INPUT', `--from ${location.path} is a folder, not a database file.`);
  }
  return location;
}

/** The same file or the same URL, told before anything is opened (`copyStore` compares the stores' identities too). */
function sameLocation(a: DbLocation, b: DbLocation): boolean {
  if (isServerLocation(a) || isServerLocation(b)) return isServerLocation(a) && isServerLocation(b) && a.url === b.url;
  if (!existsSync(b.path)) return false;
  return realpathSync(a.path) === realpathSync(b.path);
}

/** Opens one side, saying which one a failure is about. */
async function openSide(flag: '--from' | '--to', location: DbLocation): Promise<RunStore> {
  try {
    return await openStore(location);
  } catch (error) {
    if (error instanceof AppError) throw new AppError(error.code, `${flag}: ${error.message}`);
    throw error;
  }
}

/** Failures of the work (a server lost, a disk, another copy writing) exit 1; what the user asked for wrongly exits 2. */
const FAILURE_CODES: readonly string[] = ['INTERNAL', 'DB_UNREACHABLE', 'IO_ERROR', 'DISK_FULL', 'CONFLICT'];

/**
 * `runboard db copy --from LOCATION --to LOCATION`: copies every run, sweep, tag, note and saved-weights folder of one
 * store into another (files and postgres:// URLs, either way), with a progress bar on a terminal and a summary at the
 * end. Exit 0 when done, 1 when the copy failed (whole runs written so far stay; run it again to go on), 2 for bad
 * input (a missing source, the same store twice, a database of a newer Runboard).
 */
export async function dbCopyCommand(flags: DbCopyFlags, io: CliIo): Promise<number> {
  const live = io.stderr.isTTY === true && !flags.json;
  const stores: RunStore[] = [];
  try {
    const from = locationOf('--from', flags.from);
    const to = locationOf('--to', flags.to);
    if (sameLocation(from, to)) throw new AppError('BAD_INPUT', `--from and --to are the same store (${displayLocation(from)}): there is nothing to copy.`);
    const source = await openSide('--from', from);
    stores.push(source);
    const destination = await openSide('--to', to);
    stores.push(destination);
    const summary = await copyStore(source, destination, live ? { onProgress: (progress) => io.stderr.write(`\r${countProgressLine(progress, 'runs', io.stderr.columns || 80)}\x1b[K`) } : {});
    if (live) io.stderr.write('\r\x1b[K');
    io.stdout.write(flags.json ? `${JSON.stringify({ ...summary, files: destination.filesDir })}\n` : copySummaryText(summary, destination.filesDir));
    return EXIT.ok;
  } catch (error) {
    if (live) io.stderr.write('\r\x1b[K');
    if (!(error instanceof AppError)) throw error;
    io.stderr.write(`runboard: ${error.message}${FAILURE_CODES.includes(error.code) && stores.length === 2 ? ' Whole runs copied so far stay; run the copy again to go on.' : ''}\n`);
    return FAILURE_CODES.includes(error.code) ? EXIT.failed : EXIT.usage;
  } finally {
    for (const store of stores.reverse()) await store.close();
  }
}

/** `runboard db ...`: moving runs between stores. */
export function registerDbCommand(program: Command, io: CliIo, result: { code: number }): void {
  const db = program.command('db').description('work on whole stores: copy one into another');
  db.command('copy')
    .description('copy every run (metrics, params, tags, notes, trash), sweep and saved-weights folder of one store into another; copying again adds nothing')
    .requiredOption('--from <path|url>', 'the store to read: a database file, or postgres://user@host:port/db')
    .requiredOption('--to <path|url>', 'the store to write into: a database file (made when missing), or postgres://user@host:port/db')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: DbCopyFlags) => {
      result.code = await dbCopyCommand(flags, io);
    });
}
