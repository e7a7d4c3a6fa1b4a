import { afterEach, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../src-main/core';
import { openStore } from '../../src-main/store';
import type { RunStore } from '../../src-main/store/run-store';
import type { ApiHost } from '../../src-shared/api/host';
import { createApiClient, type ApiClient } from '../../src-renderer/lib/api/api-client';
import { MetricsCache } from '../../src-renderer/lib/state/metrics-cache';
import { postgresServer, postgresUrl, usePostgresDatabase } from '../helpers/stores';

/**
 * The renderer's metric cache over a real core on PostgreSQL (`serve`'s: it hears other stores' NOTIFY and says
 * `store/changed`), while another store on the same database (another machine) logs: the curves of an open, running
 * run grow by what was logged elsewhere, read as only the new points, in one read per burst of notices.
 */

const server = postgresServer();
const required = process.env.RUNBOARD_REQUIRE_POSTGRES === '1';
if ('reason' in server && !required) console.warn(`Skipping the live metrics tests on PostgreSQL: ${server.reason}`);

/** Polls until `accept` holds, or fails saying what it waited for. */
async function until(accept: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!accept()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}

describe.skipIf('reason' in server && !required)('metric curves of runs another machine logs (postgres)', () => {
  const database = usePostgresDatabase();
  const opened: { core?: Core; elsewhere?: RunStore; client?: ApiClient; cache?: MetricsCache } = {};
  afterEach(async () => {
    opened.cache?.dispose();
    opened.client?.dispose();
    await opened.core?.dispose();
    await opened.elsewhere?.close();
  });

  /** A core as `serve` opens it, a client on it that records its `runs/metrics` calls, and another machine's store. */
  async function setUp(settled?: (runId: number, heldThrough: number | null) => boolean) {
    const url = postgresUrl(database());
    const core = await openCore({ db: { url }, host: 'serve', watchExternalChanges: true, datasetsMirror: 'http://127.0.0.1:1/' });
    opened.core = core;
    const reads: unknown[] = [];
    /** The most `runs/metrics` reads ever in flight at once. */
    const inFlight = { now: 0, most: 0 };
    const recording: ApiHost = {
      call: async (method, input) => {
        if (method !== 'runs/metrics') return core.api.call(method, input);
        reads.push(input);
        inFlight.most = Math.max(inFlight.most, ++inFlight.now);
        try {
          return await core.api.call(method, input);
        } finally {
          inFlight.now--;
        }
      },
      subscribe: (listener) => core.api.subscribe(listener),
    };
    const client = createApiClient(recording);
    opened.client = client;
    const cache = new MetricsCache(client, { maxPoints: 1000, ...(settled ? { settled } : {}) });
    opened.cache = cache;
    const elsewhere = await openStore({ url });
    opened.elsewhere = elsewhere;
    const startRun = async (name: string) => {
      const run = await elsewhere.createRun({ experiment: 'remote', name, config: {}, params: { lr: 0.1 }, seed: 1, backend: 'wasm' });
      await elsewhere.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: Date.now() });
      return run.run_id;
    };
    const logEpoch = (runId: number, step: number) => elsewhere.logEpoch(runId, { step, time: Date.now(), metrics: { train_loss: 1 / step, val_loss: 2 / step } });
    return { core, cache, reads, inFlight, elsewhere, startRun, logEpoch };
  }

  it("an open run's curves grow by the epochs another machine logs, reading only the new points", async () => {
    const { cache, reads, inFlight, startRun, logEpoch } = await setUp();
    const runId = await startRun('live');
    await logEpoch(runId, 1);
    const metrics = cache.forRun(runId);
    await until(() => !metrics.loading, 'the first read');
    expect(metrics.points('train_loss').map((p) => p.step)).toEqual([1]);
    reads.length = 0;

    for (let step = 2; step <= 5; step++) await logEpoch(runId, step);
    await until(() => metrics.points('train_loss').length === 5, 'epochs 2-5 in the curves');
    expect(metrics.points('train_loss').map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(metrics.points('val_loss').map((p) => p.value)).toEqual([2, 1, 2 / 3, 0.5, 0.4]);
    // The first read asked only for what was past the point held, and reads never overlapped.
    expect(reads[0]).toMatchObject({ run_ids: [runId], after_step: 1 });
    expect(inFlight.most).toBe(1);

    await logEpoch(runId, 6);
    await until(() => metrics.points('train_loss').length === 6, 'epoch 6 in the curves');
    expect(reads.at(-1)).toMatchObject({ run_ids: [runId], after_step: 5 });
  });

  it('a burst of fifty notices makes a read or two, not fifty', async () => {
    const { core, cache, reads, startRun, logEpoch } = await setUp();
    const runId = await startRun('live');
    await logEpoch(runId, 1);
    const metrics = cache.forRun(runId);
    await until(() => !metrics.loading, 'the first read');
    reads.length = 0;
    await logEpoch(runId, 2);
    // Fifty notices at once (as many machines' epochs would give), besides the one the write above gives.
    for (let i = 0; i < 50; i++) core.events.emit({ event: 'store/changed', payload: { at: Date.now() } });
    await until(() => metrics.points('train_loss').length === 2, 'epoch 2 in the curves');
    await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(reads.length).toBeLessThanOrEqual(2);
  });

  it('a settled run (ended, every epoch held) is not asked again when another machine writes', async () => {
    let ended = 0;
    const { cache, reads, elsewhere, startRun, logEpoch } = await setUp((runId) => runId === ended);
    ended = await startRun('ended');
    await logEpoch(ended, 1);
    await elsewhere.endRun(ended, { status: 'finished', time: Date.now() });
    const live = await startRun('live');
    const [endedMetrics, liveMetrics] = cache.forRuns([ended, live]);
    await until(() => !endedMetrics?.loading && !liveMetrics?.loading, 'the first read');
    reads.length = 0;
    await logEpoch(live, 1);
    await until(() => liveMetrics?.points('train_loss').length === 1, "the live run's first epoch");
    expect(reads).toEqual([{ run_ids: [live], max_points: 1000 }]);
  });
});
