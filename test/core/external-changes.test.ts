/**
 * The app and `serve` open the core with `watchExternalChanges`: a write by another process (the CLI training a run
 * beside the UI) becomes a `store/changed` event, so the UI refreshes without a reload. The CLI opens it without.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCore } from '../../src-main/core';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import type { AnyEvent } from '../../src-shared/api/events';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();

/** Opens a core on a fresh database, lets another connection create a run, and returns the events seen meanwhile. */
async function eventsAfterAnotherWriter(watchExternalChanges: boolean, waitMs: number): Promise<AnyEvent[]> {
  const path = join(tempDir(), 'runs.db');
  const core = await openCore({ db: { path, explicit: true }, host: 'serve', watchExternalChanges });
  const events: AnyEvent[] = [];
  const unsubscribe = core.api.subscribe((event) => events.push(event));
  const other = SqliteStore.open({ path, explicit: true });
  try {
    await other.createRun({ experiment: 'default', name: 'from the CLI', config: {}, params: {}, seed: 1, backend: 'wasm' });
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && !events.some((e) => e.event === 'store/changed')) await new Promise((r) => setTimeout(r, 50));
    return events;
  } finally {
    other.close();
    unsubscribe();
    await core.dispose();
  }
}

describe('changes by another process', () => {
  it('become a store/changed event when the core watches for them', async () => {
    // The watcher polls once a second; the wait leaves room for a busy machine (it ends at the first event).
    expect((await eventsAfterAnotherWriter(true, 15_000)).map((e) => e.event)).toContain('store/changed');
  });

  it('are not watched for when the core is opened without watchExternalChanges (the CLI)', async () => {
    // Long enough for a watching core to have polled twice.
    expect((await eventsAfterAnotherWriter(false, 2500)).map((e) => e.event)).not.toContain('store/changed');
  });
});
