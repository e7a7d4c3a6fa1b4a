/**
 * A run trained by a real worker process into a real PostgreSQL server that restarts while the run logs: a server of
 * this test's own (the shared one serves other files), shut down right after the run is created and started again
 * once every epoch of the run waits for it. The host keeps them, and writes every one, in order, when it is back. And
 * a store that hears other machines' writes (the app's, `serve`'s) listens again after the restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../src-main/core';
import { openStore } from '../../src-main/store';
import type { RunStore } from '../../src-main/store/run-store';
import { trainConfigSchema } from '../../src-shared/entities/train-config';
import { requireBuiltWorker, tinyRun } from '../helpers/core';
import { startPostgres, type RunningPostgres } from '../helpers/postgres-server';
import { postgresServer } from '../helpers/stores';

const shared = postgresServer();
const required = process.env.RUNBOARD_REQUIRE_POSTGRES === '1';
if ('reason' in shared && !required) console.warn(`Skipping the database restart test: ${shared.reason}`);
const EPOCHS = 6;

/** Polls until `accept` holds, or fails saying what it waited for. */
async function until(accept: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!accept()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}

describe.skipIf('reason' in shared && !required)('a run while its PostgreSQL server restarts', () => {
  requireBuiltWorker();
  let server: RunningPostgres;
  let core: Core | null = null;
  const stores: RunStore[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    if (server.info.reason !== null) throw new Error(server.info.reason);
  });

  afterAll(async () => {
    await core?.dispose();
    for (const store of stores) await store.close();
    server?.stop();
  });

  const url = () => `postgres://postgres@/postgres?host=${encodeURIComponent(server.info.socketDir ?? '')}&port=${server.info.port}`;

  it('keeps the epochs logged while the server is down, and writes every one, in order, when it is back', { timeout: 180_000 }, async () => {
    core = await openCore({ db: { url: url() }, host: 'cli', datasetsMirror: 'http://127.0.0.1:1/' });
    const run = await core.trainer.start(trainConfigSchema.parse({ ...tinyRun, epochs: EPOCHS }));
    server.pause();
    const trainer = core.trainer;
    // The worker trains on without the database: every epoch waits in the host.
    await until(() => trainer.unwrittenEpochs(run.run_id).length === EPOCHS, `all ${EPOCHS} epochs waiting for the server`, 120_000);
    expect(trainer.unwrittenEpochs(run.run_id)).toEqual([1, 2, 3, 4, 5, 6]);
    server.resume();
    expect(await trainer.wait(run.run_id)).toBe('finished');
    const stored = await core.store.getRun(run.run_id);
    expect(stored?.status).toBe('finished');
    expect(stored?.epochs).toBe(EPOCHS);
    const series = await core.store.getMetrics([run.run_id], ['train_loss', 'val_loss'], null);
    for (const key of ['train_loss', 'val_loss']) {
      expect(series.find((s) => s.key === key)?.points.map((p) => p.step), key).toEqual([1, 2, 3, 4, 5, 6]);
    }
    // Written in the order the worker sent them: each epoch's wall time after the one before.
    const times = series.find((s) => s.key === 'train_loss')?.points.map((p) => p.time) ?? [];
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it("a store that watches other machines' writes hears them again after the server restarts (and says it may have missed some)", { timeout: 120_000 }, async () => {
    const watcher = await openStore({ url: url() });
    stores.push(watcher);
    const writer = await openStore({ url: url() });
    stores.push(writer);
    let told = 0;
    watcher.watchExternalChanges(() => told++);
    let runs = 0;
    const write = () => writer.createRun({ experiment: 'watched', name: `run ${++runs}`, config: {}, params: {}, seed: null, backend: null });
    /** Writes until one is heard (LISTEN is made on a connection of its own, a moment after `watchExternalChanges`). */
    const heard = async (what: string) => {
      const before = told;
      const deadline = Date.now() + 20_000;
      while (told === before) {
        if (Date.now() > deadline) throw new Error(`${what}: not heard within 20 s`);
        await write();
        await new Promise((resolveWait) => setTimeout(resolveWait, 300));
      }
    };
    await heard('a write');
    server.pause();
    server.resume();
    const before = told;
    // Once listening again, it tells its listeners (what was written meanwhile went unheard).
    await until(() => told > before, 'told after the restart', 30_000);
    await heard('a write after the restart');
  });
});
