import { AppError } from '../../src-shared/api/errors';
import { hasBest, type RunSummary } from '../../src-shared/entities/run';
import { openCore } from '../core';
import { displayCell, tableRow } from '../export';
import { BASE_COLUMNS, EXTRA_COLUMNS } from '../export/run-table';
import { resolveDbLocation } from '../paths';
import type { RunStore } from '../store/run-store';
import { runsAsText, textTable } from './format';
import { EXIT, type CliIo } from './io';
import { parseColumns, parseLimit, parseSort, requireExperiment } from './table-flags';

/** `runboard runs`: the runs table, as the app's table selects it (experiment, filter, sort, columns, how many). */
export interface RunsFlags {
  experiment?: string;
  filter?: string;
  sort?: string;
  columns?: string;
  limit?: string;
  includeArchived?: boolean;
  db?: string;
  json?: boolean;
}

/** Every column the runs in the database can fill, as `--columns` names them (the export's names). */
async function knownColumns(store: RunStore): Promise<string[]> {
  const { params, metrics, tags } = await store.columns();
  return [
    ...BASE_COLUMNS,
    ...EXTRA_COLUMNS,
    ...params.map((p) => `params.${p}`),
    ...metrics.map((m) => `metrics.${m}`),
    ...metrics.filter(hasBest).map((m) => `best.${m}`),
    ...tags.map((t) => `tags.${t}`),
  ];
}

/**
 * `runboard runs`: newest first by default; `--filter` in the filter language, `--sort COLUMN[:asc|desc]`,
 * `--columns` (the export's column names, shown as the app's table formats them), `--limit N`. With `--json`, an
 * array of runs (params, final and best metrics, epochs), or of the chosen columns. Archived runs only with
 * `--include-archived`.
 * @throws AppError(BAD_INPUT) for a bad filter, sort, column or limit; AppError(NOT_FOUND) for an unknown experiment.
 */
export async function runsCommand(flags: RunsFlags, io: CliIo): Promise<number> {
  const sort = parseSort(flags.sort);
  const columns = parseColumns(flags.columns);
  const limit = parseLimit(flags.limit);
  const core = await openCore({ db: resolveDbLocation(flags.db, io.env), host: 'cli' });
  try {
    if (flags.experiment !== undefined) await requireExperiment(core.store, flags.experiment);
    if (columns) {
      const valid = await knownColumns(core.store);
      const unknown = columns.filter((c) => !valid.includes(c));
      if (unknown.length > 0) throw new AppError('BAD_INPUT', `--columns: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid columns: ${valid.join(', ')}.`);
    }
    const { runs, total } = await core.store.queryRuns({
      filter: flags.filter,
      sort,
      offset: 0,
      limit: limit ?? Number.MAX_SAFE_INTEGER,
      experiment: flags.experiment,
      includeArchived: flags.includeArchived,
    });
    if (flags.json) {
      io.stdout.write(JSON.stringify(columns ? runs.map((run) => chosenColumns(run, columns)) : runs) + '\n');
      return EXIT.ok;
    }
    if (runs.length === 0) {
      const archived = flags.includeArchived ? 0 : (await core.store.queryRuns({ filter: flags.filter, offset: 0, limit: 1, experiment: flags.experiment, includeArchived: true })).total;
      const narrowed = Boolean(flags.filter) || flags.experiment !== undefined;
      io.stdout.write(narrowed || archived > 0 ? noMatch(flags, archived) : 'No runs yet. Start one with: runboard train --dataset digits\n');
      return EXIT.ok;
    }
    io.stdout.write(columns ? textTable(columns, runs.map((run) => tableRow(run, columns).map((cell, i) => displayCell(columns[i] as string, cell) || '-'))) : runsAsText(runs));
    if (runs.length < total) io.stdout.write(`${runs.length} of ${total} runs shown (--limit ${limit}).\n`);
    return EXIT.ok;
  } finally {
    await core.dispose();
  }
}

function chosenColumns(run: RunSummary, columns: readonly string[]): Record<string, unknown> {
  const cells = tableRow(run, columns);
  return Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? null]));
}

/** Why the list is empty: `No run in the experiment a matches params.lr > 1 (2 archived ones do: --include-archived).` */
function noMatch(flags: RunsFlags, archived: number): string {
  const scope = flags.experiment !== undefined ? ` in the experiment ${flags.experiment}` : '';
  const what = flags.filter ? ` matches ${flags.filter}` : ' is shown';
  const hint = archived > 0 ? ` (${archived} archived run${archived === 1 ? '' : 's'} would: --include-archived shows them)` : '';
  return `No run${scope}${what}${hint}.\n`;
}
