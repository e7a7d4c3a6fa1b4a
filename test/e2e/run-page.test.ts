import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { CLI, ROOT, SHOTS, hasChromium, launchChromium, startServe, stopProcess, suiteTitle, waitForAttribute, type Server } from './harness';
import type { RunSummary } from '../../src-shared/entities/run';

/**
 * The run page while a run trains and once it has finished: live progress after a reload, the charts' x axis, the
 * overfitting marker and its label. `runboard serve` on a fresh database, in Debian's Chromium; needs the build and
 * /usr/bin/chromium (skips itself without Chromium).
 */

const TRAINING_TIMEOUT = 180_000;
const LIVE_EPOCHS = 20;

/** Digits trained on a tenth of its images: memorised by epoch 7, then validation loss climbs steadily (it overfits). */
const OVERFITTING_RUN = [
  '--dataset', 'digits', '--hidden', '256', '--val-split', '0.9', '--optimizer', 'adam', '--lr', '0.01', '--batch-size', '16',
  '--dropout', '0', '--epochs', '30', '--test-split', '0.05', '--backend', 'wasm', '--seed', '1', '--name', 'digits-memorises',
];

const title = suiteTitle('the run page in a browser');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `run-page-${name}.png`), fullPage: true });
}

/** What the run page shows at one instant, read in one go. */
interface Sample {
  status: string;
  logged: number;
  /** The progress bar's percent and the epoch it names, when it shows. */
  percent: number | null;
  epoch: number | null;
  xRange: string | null;
}

function sample(page: Page): Promise<Sample> {
  return page.evaluate(() => {
    const bar = document.querySelector('[role="progressbar"][aria-label="training progress"]');
    const facts = [...document.querySelectorAll('.run-header .facts div')];
    const logged = facts.find((div) => div.querySelector('dt')?.textContent === 'epochs logged')?.querySelector('dd')?.textContent ?? '0';
    const epoch = /epoch (\d+)\//.exec(bar?.getAttribute('aria-valuetext') ?? '')?.[1];
    return {
      status: document.querySelector('.run-header .badge')?.textContent?.trim() ?? '',
      logged: Number(logged),
      percent: bar ? Number(bar.getAttribute('aria-valuenow')) : null,
      epoch: epoch === undefined ? null : Number(epoch),
      xRange: document.querySelector('.charts .chart')?.getAttribute('data-x-range') ?? null,
    };
  });
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let overfitting: RunSummary;
  let liveRunId = 0;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-run-page-'));
    const dbPath = join(workDir, 'run-page.db');
    overfitting = JSON.parse(execFileSync(process.execPath, [CLI, 'train', ...OVERFITTING_RUN, '--json', '--db', dbPath], { cwd: ROOT, encoding: 'utf8', timeout: TRAINING_TIMEOUT })) as RunSummary;
    server = await startServe(dbPath);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push(`console error: ${message.text()}`);
    });
    await page.goto(server.url);
    await page.locator('tbody tr[data-run-id]').first().waitFor();
  }, TRAINING_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('after a reload, the live progress only moves forward and keeps up with the epochs logged', { timeout: TRAINING_TIMEOUT }, async () => {
    liveRunId = await page.evaluate(async (epochs) => {
      const response = await fetch('/api/runs/start', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ dataset: 'digits', hidden: [256, 256], optimizer: 'adam', lr: 0.01, dropout: 0, epochs, backend: 'wasm', seed: 2, name: 'watched-live' }),
      });
      return ((await response.json()) as { value: { run_id: number } }).value.run_id;
    }, LIVE_EPOCHS);
    await page.goto(new URL(`/#/runs/${liveRunId}`, page.url()).href);
    const deadline = Date.now() + TRAINING_TIMEOUT - 10_000;
    while ((await sample(page)).logged < 3) {
      expect(Date.now(), 'three epochs logged in time').toBeLessThan(deadline);
      await page.waitForTimeout(100);
    }
    // The page now starts from the run as `runs/get` reads it, progress included: the case that went back in time.
    await page.reload();
    await page.locator('.run-header').waitFor();
    const samples: Sample[] = [];
    for (;;) {
      const now = await sample(page);
      samples.push(now);
      if (now.status !== 'running' && now.status !== 'queued' && now.status !== '') break;
      if (samples.length === 40) await shot(page, 'running');
      expect(Date.now(), 'the run finishes in time').toBeLessThan(deadline);
      await page.waitForTimeout(50);
    }
    const live = samples.filter((s) => s.percent !== null);
    expect(live.length, 'the progress bar was watched').toBeGreaterThan(20);
    expect((live.at(-1)?.logged ?? 0) - (live[0]?.logged ?? 0), 'epochs were logged while it was watched').toBeGreaterThanOrEqual(3);
    for (let i = 1; i < live.length; i++) {
      const [before, after] = [live[i - 1] as Sample, live[i] as Sample];
      expect(after.percent, `progress went back from ${before.percent}% (epoch ${before.epoch}) to ${after.percent}% (epoch ${after.epoch})`).toBeGreaterThanOrEqual(before.percent as number);
    }
    for (const s of live) {
      // The bar shows the epoch being trained: never one whose metrics are already logged and charted.
      expect(s.epoch, `the bar says epoch ${s.epoch} with ${s.logged} epochs logged`).toBeGreaterThanOrEqual(s.logged);
      expect(s.epoch as number).toBeLessThanOrEqual(s.logged + 2);
      // Once the chart draws three epochs or more (it reads them after a reload), its x axis starts at epoch 1, as it
      // does once the run has finished (chart.js widened it to round ticks: 0..20).
      const [low, high] = (s.xRange ?? '').split('..').map(Number);
      if ((high ?? 0) >= 3) expect(low, `the x axis ${s.xRange} with ${s.logged} epochs logged`).toBe(1);
    }
    expect(samples.at(-1)?.status).toBe('finished');
  });

  it('keeps one x axis, epoch 1 to the last epoch logged, while the run trains and once it has finished', async () => {
    // While training (sampled above, on the loss chart) and now that it has finished, on every chart.
    await page.locator('.run-header .badge', { hasText: 'finished' }).waitFor();
    await shot(page, 'finished');
    const charts = page.locator('.charts .chart');
    expect(await charts.count()).toBe(2);
    for (const chart of await charts.all()) expect(await waitForAttribute(chart, 'data-x-range', (range) => range !== '')).toBe(`1..${LIVE_EPOCHS}`);
  });

  it('marks where the run overfits, says the rule, and its labels hide no point of the curves', async () => {
    await page.goto(new URL(`/#/runs/${overfitting.run_id}`, page.url()).href);
    const note = page.locator('.overfitting-note');
    await note.waitFor();
    const onset = await note.getAttribute('data-epoch');
    expect(onset).toBe('7');
    expect(await note.getAttribute('title')).toMatch(/patience 5, min-delta 0.*3× its epoch-to-epoch noise/);
    const charts = page.locator('.charts .chart');
    for (const chart of await charts.all()) {
      expect(await chart.getAttribute('data-markers')).toContain(`overfitting from epoch ${onset}`);
      expect(await waitForAttribute(chart, 'data-x-range', (range) => range !== '')).toBe('1..30');
      expect(await chart.getAttribute('data-hidden-points'), 'data points under a marker label').toBe('0');
    }
    await shot(page, 'overfitting');
  });

  it('raised no page error on the way', () => {
    expect(pageProblems).toEqual([]);
  });
});
