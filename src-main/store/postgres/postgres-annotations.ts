import type { PoolClient } from 'pg';
import { AppError } from '../../../src-shared/api/errors';
import type { RunAnnotationStore } from '../run-store';
import { column, query } from './session';

/** Tags, notes, archiving and deletion of runs on PostgreSQL; each method is one transaction. */
export class PostgresAnnotations implements RunAnnotationStore {
  constructor(private readonly write: <T>(body: (client: PoolClient) => Promise<T>) => Promise<T>) {}

  private async requireRun(client: PoolClient, runId: number): Promise<void> {
    const rows = await query(client, 'SELECT 1 FROM runs WHERE id = ? AND deleted_at IS NULL FOR UPDATE', [runId]);
    if (rows.length === 0) throw new AppError('NOT_FOUND', `Run ${runId} does not exist.`);
  }

  async setTags(runId: number, tags: Record<string, string | null>): Promise<void> {
    await this.write(async (client) => {
      await this.requireRun(client, runId);
      const entries = Object.entries(tags);
      const removed = entries.filter(([, v]) => v === null).map(([k]) => k);
      const set = entries.filter((entry): entry is [string, string] => entry[1] !== null);
      if (removed.length > 0) await query(client, 'DELETE FROM tags WHERE run_id = ? AND key = ANY(?::text[])', [runId, removed]);
      if (set.length > 0) {
        await query(client, 'INSERT INTO tags (run_id, key, value) SELECT ?, * FROM unnest(?::text[], ?::text[]) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value', [
          runId,
          set.map(([k]) => k),
          set.map(([, v]) => v),
        ]);
      }
    });
  }

  async setNotes(runId: number, notes: string | null): Promise<void> {
    await this.write(async (client) => {
      await this.requireRun(client, runId);
      await query(client, 'UPDATE runs SET notes = ? WHERE id = ?', [notes === '' ? null : notes, runId]);
    });
  }

  async setArchived(runIds: readonly number[], archived: boolean): Promise<number> {
    return this.write(async (client) => (await column(client, 'UPDATE runs SET archived = ? WHERE id = ANY(?::bigint[]) AND deleted_at IS NULL RETURNING id', [archived ? 1 : 0, runIds])).length);
  }

  async delete(runIds: readonly number[], time = Date.now()): Promise<number[]> {
    return this.write(async (client) => {
      const deleted = new Set(await column<number>(client, "UPDATE runs SET deleted_at = ? WHERE id = ANY(?::bigint[]) AND deleted_at IS NULL AND status NOT IN ('queued','running') RETURNING id", [time, runIds]));
      return runIds.filter((id) => deleted.has(id));
    });
  }

  async restore(runIds: readonly number[]): Promise<number> {
    return this.write(async (client) => (await column(client, 'UPDATE runs SET deleted_at = NULL WHERE id = ANY(?::bigint[]) AND deleted_at IS NOT NULL RETURNING id', [runIds])).length);
  }

  async purge(time: number): Promise<number[]> {
    return this.write(async (client) => {
      const ids = await column<number>(client, 'SELECT id FROM runs WHERE deleted_at IS NOT NULL AND deleted_at <= ? ORDER BY id FOR UPDATE', [time]);
      if (ids.length === 0) return [];
      await query(client, 'UPDATE sweep_trials SET run_id = NULL WHERE run_id = ANY(?::bigint[])', [ids]);
      await query(client, 'UPDATE runs SET parent_run_id = NULL WHERE parent_run_id = ANY(?::bigint[])', [ids]);
      await query(client, 'DELETE FROM runs WHERE id = ANY(?::bigint[])', [ids]);
      return ids;
    });
  }
}
