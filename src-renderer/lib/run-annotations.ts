import type { RunSummary } from '../../src-shared/entities/run';
import type { ApiClient } from './api/api-client';
import { errorMessage } from './api/api-call-error';
import { parseTags, tagChanges } from './tags-text';

/**
 * Saves a run's tags from their one-line text (`stage=final, paper`): only what changed is sent (`runs/annotate`, a
 * removed tag as null). Resolves with a message to show when it could not, or null once saved. The row shows the
 * result when the host's `run/updated` event arrives.
 */
export async function saveTags(client: ApiClient, run: RunSummary, text: string): Promise<string | null> {
  const parsed = parseTags(text);
  if ('error' in parsed) return parsed.error;
  const changes = tagChanges(run.tags, parsed.tags);
  if (Object.keys(changes).length === 0) return null;
  try {
    await client.call('runs/annotate', { run_id: run.run_id, tags: changes });
    return null;
  } catch (error) {
    return errorMessage(error);
  }
}

/** Saves a run's notes (empty text clears them); resolves with a message when it could not, null once saved. */
export async function saveNotes(client: ApiClient, run: RunSummary, text: string): Promise<string | null> {
  try {
    await client.call('runs/annotate', { run_id: run.run_id, notes: text.trim() === '' ? null : text });
    return null;
  } catch (error) {
    return errorMessage(error);
  }
}
