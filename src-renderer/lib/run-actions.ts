import type { AppContext } from './app-context';

type Deps = Pick<AppContext, 'client' | 'pager' | 'toasts' | 'selection'>;

const plural = (n: number): string => `${n} run${n === 1 ? '' : 's'}`;

/**
 * Moves runs to the trash and offers to undo it ("Deleted 3 runs · Undo", which restores them). Running runs are
 * kept by the host, and said so.
 */
export async function deleteRuns(deps: Deps, runIds: readonly number[]): Promise<void> {
  const { deleted } = await deps.client.call('runs/delete', { run_ids: [...runIds] });
  for (const id of deleted) deps.selection.toggle(id, false);
  deps.pager.refresh(0);
  const kept = runIds.length - deleted.length;
  const text = `Deleted ${plural(deleted.length)}${kept > 0 ? ` (${plural(kept)} still running, kept)` : ''}`;
  if (deleted.length === 0) {
    deps.toasts.show(text, { error: true });
    return;
  }
  deps.toasts.show(text, {
    action: {
      label: 'Undo',
      run: async () => {
        const { restored } = await deps.client.call('runs/restore', { run_ids: deleted });
        deps.pager.refresh(0);
        deps.toasts.show(`Restored ${plural(restored)}`);
      },
    },
  });
}

/** Archives runs (hidden from the table unless "show archived"), or brings them back; with an Undo. */
export async function archiveRuns(deps: Deps, runIds: readonly number[], archived: boolean): Promise<void> {
  const ids = [...runIds];
  await deps.client.call('runs/archive', { run_ids: ids, archived });
  if (archived) for (const id of ids) deps.selection.toggle(id, false);
  deps.pager.refresh(0);
  deps.toasts.show(`${archived ? 'Archived' : 'Unarchived'} ${plural(ids.length)}`, {
    action: {
      label: 'Undo',
      run: async () => {
        await deps.client.call('runs/archive', { run_ids: ids, archived: !archived });
        deps.pager.refresh(0);
      },
    },
  });
}
