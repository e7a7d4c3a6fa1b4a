import type { ExportFormat } from '../../src-shared/api/contract';
import type { ApiClient } from './api/api-client';
import type { Transport } from './api/transport';

/**
 * Exports runs through the host (`runs/export`) and saves the file: the given runs when any,
 * else every run of the experiment (or all runs when there is no filter). Resolves with a line for the status bar.
 */
export async function exportRuns(
  client: ApiClient,
  transport: Transport,
  format: ExportFormat,
  runIds: readonly number[],
  experiment: string | null,
): Promise<string> {
  const request = runIds.length > 0 ? { format, run_ids: [...runIds] } : experiment !== null ? { format, experiment } : { format };
  const file = await client.call('runs/export', request);
  const result = await transport.saveFile(file.filename, file.content, file.mime_type);
  if (!result.saved) return 'Export cancelled.';
  const where = result.path ? ` to ${result.path}` : '';
  return `Exported ${file.rows} run${file.rows === 1 ? '' : 's'} as ${format.toUpperCase()}${where}.`;
}
