import type { Database } from 'better-sqlite3';
import { AppError } from '../../src-shared/api/errors';
import type { RunAnnotationStore } from './run-store';

/** Tags, notes, archiving and deletion of runs, on the store's connection and writer. */
export class RunAnnotations implements RunAnnotationStore {
  private readonly s;

  constructor(
    db: Database,
    private readonly write: <T>(body: () => T) => T,
  ) {
    this.s = {
      exists: db.prepare('SELECT 1 FROM runs WHERE id = ? AND deleted_at IS NULL').pluck(),
      setTag: db.prepare('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value'),
      deleteTag: db.prepare('DELETE FROM tags WHERE run_id = ? AND key = ?'),
      setNotes: db.prepare('UPDATE runs SET notes = ? WHERE id = ?'),
      setArchived: db.prepare('UPDATE runs SET archived = ? WHERE id = ? AND deleted_at IS NULL'),
      markDeleted: db.prepare("UPDATE runs SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL AND status NOT IN ('queued','running')"),
      restore: db.prepare('UPDATE runs SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL'),
      deletedBefore: db.prepare('SELECT id FROM runs WHERE deleted_at IS NOT NULL AND deleted_at <= ?').pluck(),
      purge: db.prepare('DELETE FROM runs WHERE id = ?'),
      unlinkTrials: db.prepare('UPDATE sweep_trials SET run_id = NULL WHERE run_id = ?'),
      unlinkChildren: db.prepare('UPDATE runs SET parent_run_id = NULL WHERE parent_run_id = ?'),
    };
  }

  private requireRun(runId: number): void {
    if (!this.s.exists.get(runId)) throw new AppError('NOT_FOUND', `Run ${runId} does not exist.`);
  }

  /** Sets tags (a null value removes that tag); all or nothing. */
  async setTags(runId: number, tags: Record<string, string | null>): Promise<void> {
    this.write(() => {
      this.requireRun(runId);
      for (const [key, value] of Object.entries(tags)) {
        if (value === null) this.s.deleteTag.run(runId, key);
        else this.s.setTag.run(runId, key, value);
      }
    });
  }

  async setNotes(runId: number, notes: string | null): Promise<void> {
    this.write(() => {
      this.requireRun(runId);
      this.s.setNotes.run(notes === '' ? null : notes, runId);
    });
  }

  /** Archives or unarchives runs; returns how many changed. */
  async setArchived(runIds: readonly number[], archived: boolean): Promise<number> {
    return this.write(() => runIds.reduce((n, id) => n + this.s.setArchived.run(archived ? 1 : 0, id).changes, 0));
  }

  /** Moves finished runs to the trash (a running run cannot be deleted); `restore` undoes it. Returns the ids deleted. */
  async delete(runIds: readonly number[], time = Date.now()): Promise<number[]> {
    return this.write(() => runIds.filter((id) => this.s.markDeleted.run(time, id).changes > 0));
  }

  async restore(runIds: readonly number[]): Promise<number> {
    return this.write(() => runIds.reduce((n, id) => n + this.s.restore.run(id).changes, 0));
  }

  /** Removes runs deleted at or before `time` for good (their params, metrics, tags and artifacts too). Returns their ids. */
  async purge(time: number): Promise<number[]> {
    return this.write(() => {
      const ids = this.s.deletedBefore.all(time) as number[];
      for (const id of ids) {
        this.s.unlinkTrials.run(id);
        this.s.unlinkChildren.run(id);
        this.s.purge.run(id);
      }
      return ids;
    });
  }
}
