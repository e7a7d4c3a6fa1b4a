/**
 * "Runs can be deleted (restorable for seven days)" (README): the purge happens when a host opens the database
 * (`openCore`), so the test goes through that call, with runs deleted just inside and just outside the seven days.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCore } from '../../src-main/core';
import { checkpointDirectory } from '../../src-main/paths';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

describe('deleted runs', () => {
  it('stay restorable for seven days: opening the database purges only runs deleted longer ago, with their saved weights', async () => {
    const path = join(tempDir(), 'runs.db');
    const store = SqliteStore.open({ path, explicit: true });
    const finishedRun = async (name: string) => {
      const run = await store.createRun({ experiment: 'default', name, config: {}, params: { lr: 0.1 }, seed: 1, backend: 'wasm' });
      await store.endRun(run.run_id, { status: 'finished', time: Date.now() });
      return run.run_id;
    };
    const expired = await finishedRun('deleted seven days and an hour ago');
    const recent = await finishedRun('deleted seven days less an hour ago');
    const kept = await finishedRun('never deleted');
    const now = Date.now();
    expect(await store.annotations.delete([expired], now - 7 * DAY - HOUR)).toEqual([expired]);
    expect(await store.annotations.delete([recent], now - 7 * DAY + HOUR)).toEqual([recent]);
    store.close();
    for (const runId of [expired, recent, kept]) {
      mkdirSync(checkpointDirectory(dirname(path), runId), { recursive: true });
      writeFileSync(join(checkpointDirectory(dirname(path), runId), 'final.json'), '{}');
    }

    const core = await openCore({ db: { path, explicit: true }, host: 'cli' });
    try {
      expect(await core.store.getRun(expired), 'a run deleted more than seven days ago is gone').toBeNull();
      expect(existsSync(checkpointDirectory(dirname(path), expired)), 'and so are its saved weights').toBe(false);

      expect((await core.store.getRun(recent))?.deleted, 'a run deleted less than seven days ago is still there, deleted').toBe(true);
      expect(existsSync(checkpointDirectory(dirname(path), recent)), 'with its saved weights').toBe(true);
      expect(await core.store.annotations.restore([recent]), 'and can be restored').toBe(1);
      expect((await core.store.getRun(recent))?.deleted).toBe(false);

      expect((await core.store.getRun(kept))?.deleted).toBe(false);
      expect(existsSync(checkpointDirectory(dirname(path), kept))).toBe(true);
    } finally {
      await core.dispose();
    }
  });
});
