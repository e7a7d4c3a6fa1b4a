import type { ReportRequest } from '../../src-shared/api/contract';
import type { ApiClient } from './api/api-client';
import type { Transport } from './api/transport';

/** What a report is of: some runs (Compare's), or a sweep's trials. */
export type ReportScope = { runIds: readonly number[] } | { sweepId: number };

/** The `runs/report` request for a scope, a title and a note (blank ones left out: the host writes its own title). */
export function reportRequest(scope: ReportScope, title: string, note: string): ReportRequest {
  return {
    ...('sweepId' in scope ? { sweep_id: scope.sweepId } : { run_ids: [...scope.runIds] }),
    ...(title.trim() !== '' ? { title: title.trim() } : {}),
    ...(note.trim() !== '' ? { note } : {}),
  };
}

/**
 * Asks the host for the report and saves it as exports are saved (a Save dialog in the desktop app, a download in the
 * browser). Resolves with a line for the status bar.
 */
export async function writeReport(client: ApiClient, transport: Transport, scope: ReportScope, title: string, note: string): Promise<string> {
  const report = await client.call('runs/report', reportRequest(scope, title, note));
  const result = await transport.saveFile(report.filename, report.content, report.mime_type);
  if (!result.saved) return 'Report cancelled.';
  const where = result.path ? ` to ${result.path}` : '';
  return `Saved a report of ${report.runs} run${report.runs === 1 ? '' : 's'}${where}.`;
}
