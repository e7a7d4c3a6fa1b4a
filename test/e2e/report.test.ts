import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { CLI, ROOT, SHOTS, hasChromium, launchChromium, startServe, stopProcess, suiteTitle, type Server } from './harness';

/**
 * HTML reports in Chromium. A report of 50 runs of 50 epochs (written by the built CLI) opens from file:// with every
 * request that is not the file itself aborted: none is attempted, no script runs, and the runs table, the curves and
 * the param differences are visible, on screen and in print. Through `serve`, the Report button in Compare and on a
 * sweep's page saves the report, with the note the user wrote. Screenshots go to /tmp/runboard-shots (report-*).
 */

const title = suiteTitle('HTML reports: offline from file://, and the Report button in Compare and on a sweep page');
const RUNS = 50;
const EPOCHS = 50;

function cli(args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A sweep of 5 trials over lr and momentum, each with a run of 3 epochs (sweep 1, runs 51 to 55). */
async function addSweep(dbPath: string): Promise<void> {
  const store = SqliteStore.open({ path: dbPath, explicit: true });
  try {
    const trials = [
      { lr: 0.002, momentum: 0.9 },
      { lr: 0.01, momentum: 0.85 },
      { lr: 0.03, momentum: 0.95 },
      { lr: 0.08, momentum: 0.88 },
      { lr: 0.2, momentum: 0.92 },
    ];
    const sweepId = await store.sweeps.create({
      name: 'lr and momentum',
      experiment: 'default',
      strategy: 'random',
      space: [
        { name: 'lr', distribution: 'loguniform(0.001,0.3)' },
        { name: 'momentum', distribution: 'uniform(0.85,0.99)' },
      ],
      fixed: { dataset: 'digits', epochs: 3 },
      objective: { metric: 'val_accuracy', direction: 'max' },
      trials,
      seed: 4,
      parallel: 1,
      asha: null,
    });
    for (const [i, params] of trials.entries()) {
      const run = await store.createRun({ experiment: 'default', config: {}, params, seed: 1, backend: 'wasm', sweep: { sweepId, trial: i + 1 } });
      await store.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: Date.UTC(2026, 11, 1) });
      const peak = 0.95 - Math.abs(Math.log10(params.lr) + 1.6) * 0.2;
      for (const epoch of [1, 2, 3]) await store.logEpoch(run.run_id, { step: epoch, time: Date.UTC(2026, 11, 1) + epoch * 1000, metrics: { train_loss: 1.5 / epoch, val_loss: 1.6 / epoch, train_accuracy: (peak * epoch) / 3, val_accuracy: (peak * epoch) / 3 - 0.02 } });
      await store.endRun(run.run_id, { status: 'finished', time: Date.UTC(2026, 11, 1) + 4000 });
    }
    await store.sweeps.setStatus(sweepId, 'finished', Date.UTC(2026, 11, 1) + 5000);
  } finally {
    store.close();
  }
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let dbPath: string;
  let browser: Browser;

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npx electron-vite build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-report-'));
    dbPath = join(workDir, 'runs.db');
    cli(['dev', 'seed', '--runs', String(RUNS), '--epochs', String(EPOCHS), '--db', dbPath]);
    await addSweep(dbPath);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('opens a report of 50 runs from file:// with the network blocked: nothing is requested, and the table, curves and differences show', async () => {
    const file = join(workDir, 'fifty.html');
    cli(['report', '--filter', `run_id <= ${RUNS}`, '--out', file, '--title', 'Fifty runs', '--note', 'Seeded runs.\n\nThe second paragraph.', '--db', dbPath]);
    expect(readFileSync(file).byteLength).toBeLessThan(2 * 1024 * 1024);
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, offline: true });
    const attempted: string[] = [];
    const problems: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      attempted.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) attempted.push(request.url());
    });
    page.on('console', (message) => problems.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const url = pathToFileURL(file).href;
    await page.goto(url);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Fifty runs');

    const runRows = page.locator('table.runs tbody tr');
    expect(await runRows.count()).toBe(RUNS);
    await expect.poll(() => runRows.first().isVisible()).toBe(true);
    expect(await runRows.nth(0).locator('td').nth(2).textContent()).toBe('seed-1');

    const charts = page.locator('#curves figure.chart');
    expect(await charts.evaluateAll((figures) => figures.map((f) => f.getAttribute('data-metric')))).toEqual(expect.arrayContaining(['train_loss', 'val_loss', 'train_accuracy', 'val_accuracy']));
    for (const metric of ['val_loss', 'val_accuracy']) {
      const chart = page.locator(`#curves figure[data-metric="${metric}"] svg`);
      await chart.scrollIntoViewIfNeeded();
      expect(await chart.isVisible(), metric).toBe(true);
      const box = await chart.boundingBox();
      expect(box?.width ?? 0, metric).toBeGreaterThan(400);
      expect(await chart.locator('path[data-run]').count(), metric).toBe(RUNS);
      // Each curve has a length on screen: drawn, not an empty path.
      const lengths = await chart.locator('path[data-run]').evaluateAll((paths) => paths.map((p) => (p as SVGPathElement).getTotalLength()));
      expect(lengths.every((length) => length > 50), metric).toBe(true);
    }

    const differences = page.locator('table.differences');
    await differences.scrollIntoViewIfNeeded();
    expect(await differences.isVisible()).toBe(true);
    expect(await differences.locator('tbody tr').count()).toBe(RUNS);
    expect(await differences.locator('thead th').allTextContents()).toEqual(expect.arrayContaining(['run', 'lr', 'optimizer']));

    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    expect(attempted).toEqual([]);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'report-screen.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: join(SHOTS, 'report-print.png'), fullPage: true });
    await page.pdf({ path: join(SHOTS, 'report-print.pdf'), preferCSSPageSize: true });
    // In print every chart stays whole: none is wider than the page's content box.
    const widths = await page.locator('figure.chart svg').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().right));
    const pageRight = await page.evaluate(() => document.body.getBoundingClientRect().right);
    expect(widths.every((right) => right <= pageRight + 1)).toBe(true);
    await context.close();
  }, 120_000);

  describe('through serve', () => {
    let server: Server;
    let page: Page;
    const problems: string[] = [];

    beforeAll(async () => {
      server = await startServe(dbPath);
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
      page = await context.newPage();
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      await page.goto(server.url);
      await page.locator('tbody tr[data-run-id]').first().waitFor();
    }, 60_000);

    afterAll(async () => {
      if (server) await stopProcess(server.process);
    });

    it('Report in Compare saves the compared runs as a report with the note written', async () => {
      await page.goto(new URL('/#/compare?ids=3,7,12', page.url()).href);
      const button = page.getByRole('button', { name: 'Report' });
      await button.waitFor();
      await page.screenshot({ path: join(SHOTS, 'report-button-compare.png') });
      await button.click();
      await page.getByRole('textbox', { name: 'Title' }).fill('Three & <more>');
      await page.getByRole('textbox', { name: 'Note' }).fill('Run 7 is best.\n\nNext: <script>lower lr</script>.');
      await page.screenshot({ path: join(SHOTS, 'report-form-compare.png') });
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save report' }).click()]);
      expect(download.suggestedFilename()).toMatch(/^runboard-report-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.html$/);
      const html = readFileSync(await download.path(), 'utf8');
      expect(html).toContain('<title>Three &#38; &#60;more&#62;</title>');
      expect(html).toContain('<div class="note"><p>Run 7 is best.</p>\n<p>Next: &#60;script&#62;lower lr&#60;/script&#62;.</p></div>');
      expect([...html.matchAll(/<tr data-run="(\d+)"><td class="key">/g)].map((m) => Number(m[1]))).toEqual([3, 7, 12]);
      expect(html).not.toMatch(/<script/i);
      await page.locator('.toast', { hasText: 'Saved a report of 3 runs' }).waitFor();
      expect(problems).toEqual([]);
    }, 60_000);

    it("Report on a sweep's page saves the sweep's report with its plots", async () => {
      await page.goto(new URL('/#/sweeps/1', page.url()).href);
      const button = page.getByRole('button', { name: 'Report' });
      await button.waitFor();
      await button.click();
      await page.getByRole('textbox', { name: 'Note' }).fill('lr matters most.');
      await page.screenshot({ path: join(SHOTS, 'report-form-sweep.png') });
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save report' }).click()]);
      expect(download.suggestedFilename()).toMatch(/^runboard-report-sweep-1-[\d-]+\.html$/);
      const html = readFileSync(await download.path(), 'utf8');
      expect(html).toContain('<title>Sweep #1 lr and momentum</title>');
      expect(html).toContain('<p>lr matters most.</p>');
      for (const id of ['sampled', 'parallel', 'importance']) expect(html, id).toContain(`<section id="${id}">`);
      // The report's figures, opened in the browser.
      const file = join(workDir, 'sweep.html');
      await download.saveAs(file);
      const view = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      await view.goto(pathToFileURL(file).href);
      await view.locator('#parallel svg').scrollIntoViewIfNeeded();
      expect(await view.locator('#parallel svg polyline').count()).toBe(5);
      await view.screenshot({ path: join(SHOTS, 'report-sweep.png'), fullPage: true });
      await view.close();
      expect(problems).toEqual([]);
    }, 60_000);
  });
});
