import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { openStore } from '../../src-main/store';
import type { RunStore } from '../../src-main/store/run-store';
import { postgresServer, postgresUrl, usePostgresDatabase } from '../helpers/stores';
import { SHOTS, hasChromium, launchChromium, startServe, stopProcess, suiteTitle, type Server } from './harness';

/**
 * Live across machines: `serve` on a PostgreSQL store while another store on the same database (another machine)
 * logs runs. The runs table lists a run started there and shows it end; the run page (its curves and its 'epochs
 * logged') and Compare draw each epoch as it arrives, told by the server's NOTIFY, without a reload. Needs the build, /usr/bin/chromium and the throwaway
 * PostgreSQL server; skips itself, saying why, without them.
 */

const server = postgresServer();
const required = process.env.RUNBOARD_REQUIRE_POSTGRES === '1';
const noPostgres = 'reason' in server && !required;
const title = suiteTitle(noPostgres ? `a run logged on another machine, live (skipped: ${'reason' in server ? server.reason : ''})` : 'a run logged on another machine, live');
/** How long an epoch logged elsewhere may take to reach the page: NOTIFY, the host's and the page's coalescing. */
const LIVE_MS = 15_000;

/** What the page shows now: 'epochs logged', and the points of each chart as its label tells them. */
function shown(page: Page): Promise<{ logged: number | null; charts: string[] }> {
  return page.evaluate(() => {
    const facts = [...document.querySelectorAll('.run-header .facts div')];
    const logged = facts.find((div) => div.querySelector('dt')?.textContent === 'epochs logged')?.querySelector('dd')?.textContent;
    return { logged: logged === undefined ? null : Number(logged), charts: [...document.querySelectorAll('.charts canvas')].map((canvas) => canvas.getAttribute('aria-label') ?? '') };
  });
}

/** Waits until `accept` holds for what the page shows; fails with the last thing it showed. */
async function until(page: Page, accept: (now: Awaited<ReturnType<typeof shown>>) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + LIVE_MS;
  let now = await shown(page);
  while (!accept(now)) {
    if (Date.now() > deadline) throw new Error(`${what} never showed; the page showed ${JSON.stringify(now)}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    now = await shown(page);
  }
}

/** Whether the first chart (the loss) draws `points` points of `line` (a metric on the run page, a run in Compare). */
function lossChartHas(points: number, line = 'train_loss'): (now: { charts: string[] }) => boolean {
  return (now) => now.charts.length > 0 && (now.charts[0] ?? '').includes(`${line} (${points} points)`);
}

describe.skipIf(!hasChromium || noPostgres)(title, () => {
  const database = usePostgresDatabase();
  let serve: Server;
  let browser: Browser;
  let page: Page;
  /** The other machine: a store of its own on the same database. */
  let elsewhere: RunStore;
  let runId = 0;
  let endedId = 0;
  const pageProblems: string[] = [];

  const logEpoch = (step: number) => elsewhere.logEpoch(runId, { step, time: Date.now(), metrics: { train_loss: 1 / step, val_loss: 1.2 / step, train_accuracy: step / 10, val_accuracy: step / 11 } });

  beforeAll(async () => {
    const url = postgresUrl(database());
    elsewhere = await openStore({ url });
    const run = await elsewhere.createRun({ experiment: 'remote', name: 'from-another-machine', config: { epochs: 8 }, params: { lr: 0.1 }, seed: 1, backend: 'wasm' });
    runId = run.run_id;
    await elsewhere.markRunning(runId, { backend: 'wasm', device: 'cpu', time: Date.now() });
    await logEpoch(1);
    // Compare overlays two runs at least: one that ended before.
    const ended = await elsewhere.createRun({ experiment: 'remote', name: 'ended-before', config: { epochs: 3 }, params: { lr: 0.2 }, seed: 2, backend: 'wasm' });
    endedId = ended.run_id;
    await elsewhere.markRunning(endedId, { backend: 'wasm', device: 'cpu', time: Date.now() });
    for (let step = 1; step <= 3; step++) await elsewhere.logEpoch(endedId, { step, time: Date.now(), metrics: { train_loss: 2 / step, val_loss: 2.4 / step } });
    await elsewhere.endRun(endedId, { status: 'finished', time: Date.now() });
    serve = await startServe(url);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push(`console error: ${message.text()}`);
    });
    await page.goto(serve.url);
    await page.locator('tbody tr[data-run-id]').first().waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (serve) await stopProcess(serve.process);
    await elsewhere?.close();
  });

  it('the runs table lists a run another machine starts, and shows it end, without a reload', { timeout: 60_000 }, async () => {
    const other = await elsewhere.createRun({ experiment: 'remote', name: 'started-elsewhere', config: {}, params: { lr: 0.3 }, seed: 3, backend: 'wasm' });
    await elsewhere.markRunning(other.run_id, { backend: 'wasm', device: 'cpu', time: Date.now() });
    const row = page.locator(`tbody tr[data-run-id="${other.run_id}"]`);
    await row.waitFor({ timeout: LIVE_MS });
    expect(await row.innerText()).toContain('started-elsewhere');
    await elsewhere.logEpoch(other.run_id, { step: 1, time: Date.now(), metrics: { train_loss: 0.9 } });
    await elsewhere.endRun(other.run_id, { status: 'finished', time: Date.now() });
    await row.locator('.badge', { hasText: 'finished' }).waitFor({ timeout: LIVE_MS });
    await page.screenshot({ path: join(SHOTS, 'live-postgres-runs-table.png') });
    expect(pageProblems).toEqual([]);
  });

  it("the run page draws each epoch another machine logs, and counts it, as it arrives", { timeout: 120_000 }, async () => {
    await page.goto(new URL(`/#/runs/${runId}`, page.url()).href);
    await until(page, (now) => now.logged === 1 && lossChartHas(1)(now), 'the first epoch');
    for (let step = 2; step <= 5; step++) {
      await logEpoch(step);
      await until(page, (now) => now.logged === step && lossChartHas(step)(now), `epoch ${step}`);
    }
    await page.screenshot({ path: join(SHOTS, 'live-postgres-run-page.png'), fullPage: true });
    expect(pageProblems).toEqual([]);
  });

  it('Compare draws the new epochs too, and the run ends there as it ends elsewhere', { timeout: 120_000 }, async () => {
    await page.goto(new URL(`/#/compare?ids=${runId},${endedId}`, page.url()).href);
    const live = 'from-another-machine';
    await until(page, (now) => lossChartHas(5, live)(now) && lossChartHas(3, 'ended-before')(now), 'the five epochs in Compare');
    await logEpoch(6);
    await until(page, lossChartHas(6, live), 'epoch 6 in Compare');
    await logEpoch(7);
    await elsewhere.endRun(runId, { status: 'finished', time: Date.now() });
    await until(page, lossChartHas(7, live), 'epoch 7, logged just before the run ended, in Compare');
    expect((await shown(page)).charts[0]).toContain('ended-before (3 points)');
    await page.screenshot({ path: join(SHOTS, 'live-postgres-compare.png'), fullPage: true });
    await page.goto(new URL(`/#/runs/${runId}`, page.url()).href);
    await until(page, (now) => now.logged === 7 && lossChartHas(7)(now), 'the ended run');
    await page.locator('.run-header .badge', { hasText: 'finished' }).waitFor({ timeout: LIVE_MS });
    expect(pageProblems).toEqual([]);
  });
});
