import type { ExportFormat, ExportRequest, MethodOutput } from '../../src-shared/api/contract';
import type { ApiClient } from './api/api-client';
import { ApiCallError } from './api/api-call-error';
import type { Transport } from './api/transport';
import { scopeOf, type TableQuery } from './runs-query';

export const FORMAT_LABELS: Record<ExportFormat, string> = { csv: 'CSV', json: 'JSON', md: 'Markdown', latex: 'LaTeX', parquet: 'Parquet' };

/** What the table shows: its query (filter and sort), its columns (as export column names), its selection. */
export interface ExportScope {
  query: TableQuery;
  columns: readonly string[];
  selection: readonly number[];
}

type ExportFile = MethodOutput<'runs/export'>;

/** The `runs/export` request for a scope: the selection when there is one, else every run the query matches. */
export function exportRequest(format: ExportFormat, scope: ExportScope, columns = scope.columns): ExportRequest {
  const base = scope.selection.length > 0 ? { run_ids: [...scope.selection], include_archived: true } : scopeOf(scope.query);
  return {
    format,
    ...base,
    sort: { column: scope.query.sort, direction: scope.query.direction },
    ...(columns.length > 0 ? { columns: [...columns] } : {}),
  };
}

/** The columns the host refused as unknown (`unknown columns a, b; valid columns: ...`), or null for another error. */
function refusedColumns(error: unknown): string[] | null {
  if (!(error instanceof ApiCallError) || error.code !== 'BAD_INPUT') return null;
  const message = error.fields.find((f) => f.field === 'columns')?.message;
  const match = message ? /^unknown columns? (.+?); valid columns:/.exec(message) : null;
  return match ? (match[1] as string).split(', ') : null;
}

/**
 * Asks the host for the file. The host refuses a column that none of the exported runs has (a tag no selected run
 * carries): the export is then asked again without those columns, and they are named in the result.
 */
async function exportFile(client: ApiClient, format: ExportFormat, scope: ExportScope): Promise<{ file: ExportFile; dropped: string[] }> {
  try {
    return { file: await client.call('runs/export', exportRequest(format, scope)), dropped: [] };
  } catch (error) {
    const refused = refusedColumns(error);
    if (!refused) throw error;
    const kept = scope.columns.filter((c) => !refused.includes(c));
    return { file: await client.call('runs/export', exportRequest(format, scope, kept)), dropped: refused };
  }
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Exports what the table shows and saves the file. Resolves with a line for the status bar. */
export async function exportRuns(client: ApiClient, transport: Transport, format: ExportFormat, scope: ExportScope): Promise<string> {
  const { file, dropped } = await exportFile(client, format, scope);
  const content = file.encoding === 'base64' ? base64ToBytes(file.content) : file.content;
  const result = await transport.saveFile(file.filename, content, file.mime_type);
  if (!result.saved) return 'Export cancelled.';
  const where = result.path ? ` to ${result.path}` : '';
  const without = dropped.length > 0 ? ` (without ${dropped.join(', ')}: no exported run has them)` : '';
  return `Exported ${file.rows} run${file.rows === 1 ? '' : 's'} as ${FORMAT_LABELS[format]}${where}${without}.`;
}

/** The table as a Markdown table (the host's Markdown export of the same runs and columns), for the clipboard. */
export async function runsAsMarkdown(client: ApiClient, scope: ExportScope): Promise<{ text: string; rows: number }> {
  const { file } = await exportFile(client, 'md', scope);
  return { text: file.content, rows: file.rows };
}
