/**
 * A run trained by a real worker process into a real PostgreSQL server that restarts while the run logs: a server of
 * this test's own (the shared one serves other files), shut down right after the run is created and started again
 * once every epoch of the run waits for it. The host keeps them, and writes every one, in order, when it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../src-main/core';
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

  beforeAll(async () => {
    server = await startPostgres();
    if (server.info.reason !== null) throw new Error(server.info.reason);
  });

  afterAll(async () => {
    await core?.dispose();
    server?.stop();
  });

  it('keeps the epochs logged while the server is down, and writes every one, in order, when it is back', { timeout: 180_000 }, async () => {
    const { socketDir, port } = server.info;
    const url = `postgres://postgres@/postgres?host=${encodeURIComponent(socketDir ?? '')}&port=${port}`;
    core = await openCore({ db: { url }, host: 'cli', datasetsMirror: 'http://127.0.0.1:1/' });
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
});
