import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { CLI, ROOT, SHOTS, hasChromium, launchChromium, startServe, stopProcess, suiteTitle, type Server } from './harness';

/**
 * The runs table kept honest: the Experiment selector follows runs the CLI starts while the page is open, and a
 * filter in error never leaves the table (or an export) pretending to be filtered by it. `runboard serve` on a fresh
 * database that the CLI writes to as well, in Debian's Chromium; needs the build and /usr/bin/chromium.
 */

const TRAINING_TIMEOUT = 120_000;
const title = suiteTitle('the runs table in a browser');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `runs-table-${name}.png`), fullPage: true });
}

/** Polls until `read` returns a value `accept` takes (what the page shows arrives asynchronously). */
async function waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let dbPath: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  const pageProblems: string[] = [];

  /** Trains a one-epoch iris run with the CLI, into the database the server has open. */
  function trainWithCli(name: string, lr: string, experiment = 'default'): void {
    execFileSync(process.execPath, [CLI, 'train', '--dataset', 'iris', '--hidden', '8', '--epochs', '1', '--lr', lr, '--backend', 'wasm', '--seed', '1', '--name', name, '--experiment', experiment, '--db', dbPath], {
      cwd: ROOT,
      stdio: 'ignore',
      timeout: TRAINING_TIMEOUT,
    });
  }

  const experimentOptions = (): Promise<string[]> => page.getByLabel('Experiment').locator('option').allInnerTexts();
  const rowCount = (): Promise<number> => page.locator('tbody tr[data-run-id]').count();
  const filterBox = () => page.getByRole('combobox', { name: 'filter runs' });

  async function applyFilter(text: string): Promise<void> {
    await filterBox().fill(text);
    await filterBox().press('Enter');
  }

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-runs-table-'));
    dbPath = join(workDir, 'runs-table.db');
    trainWithCli('slow-lr', '0.01');
    trainWithCli('fast-lr', '0.05');
    server = await startServe(dbPath);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true })).newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // The host refuses a filter naming an unknown metric with an HTTP 400, on purpose; the browser logs it.
      if (message.type() === 'error' && !message.text().includes('status of 400')) pageProblems.push(`console error: ${message.text()}`);
    });
    await page.goto(server.url);
    await waitFor(rowCount, (n) => n === 2, 'the two runs show');
  }, TRAINING_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('lists an experiment a CLI run creates, with up-to-date counts, without leaving the page', { timeout: TRAINING_TIMEOUT }, async () => {
    await waitFor(experimentOptions, (options) => options.length === 2, 'the experiments are listed');
    expect(await experimentOptions()).toEqual(['All experiments', 'default (2)']);
    trainWithCli('from-the-cli', '0.02', 'cli-experiment');
    await waitFor(rowCount, (n) => n === 3, 'the CLI run shows in the table');
    expect(await waitFor(experimentOptions, (options) => options.includes('cli-experiment (1)'), 'the selector lists the new experiment')).toEqual([
      'All experiments',
      'cli-experiment (1)',
      'default (2)',
    ]);
    trainWithCli('another-one', '0.03');
    await waitFor(experimentOptions, (options) => options.includes('default (3)'), 'the count of default follows');
    // The selector works with what it lists: picking the new experiment shows its one run.
    await page.getByLabel('Experiment').selectOption('cli-experiment');
    await waitFor(rowCount, (n) => n === 1, 'the experiment is picked');
    await page.getByLabel('Experiment').selectOption('');
    await waitFor(rowCount, (n) => n === 4, 'every run again');
  });

  it('a filter with a syntax error leaves the table on the filter that ran, says so, and Export refuses', async () => {
    await applyFilter('params.lr = 0.05');
    await waitFor(rowCount, (n) => n === 1, 'the valid filter applies');
    await applyFilter('params.lr = 0.05 and');
    const notice = page.locator('.not-filtered');
    await notice.waitFor();
    expect(await notice.innerText()).toMatch(/not filtered by[\s\S]*params\.lr = 0\.05 and[\s\S]*shows the runs that match[\s\S]*params\.lr = 0\.05/);
    expect(await rowCount()).toBe(1);
    const exportButton = page.getByRole('button', { name: 'Export CSV' });
    expect(await exportButton.isDisabled()).toBe(true);
    expect(await exportButton.getAttribute('title')).toMatch(/filter has an error/);
    expect(await page.getByRole('button', { name: 'more export formats' }).isDisabled()).toBe(true);
    await shot(page, 'syntax-error');
  });

  it('a filter naming an unknown metric behaves the same way, instead of emptying the table', async () => {
    await applyFilter('metrics.nonexistent > 1');
    const notice = page.locator('.not-filtered');
    await waitFor(() => notice.innerText().catch(() => ''), (text) => text.includes('metrics.nonexistent > 1'), 'the notice names the typed filter');
    expect(await notice.innerText()).toMatch(/shows the runs that match[\s\S]*params\.lr = 0\.05/);
    expect(await page.locator('#filter-problem').innerText()).toContain('nonexistent');
    expect(await rowCount()).toBe(1);
    expect(await page.getByRole('button', { name: 'Export CSV' }).isDisabled()).toBe(true);
    await shot(page, 'unknown-metric');
  });

  it('with the filter fixed, the notice goes and Export exports what the table shows', async () => {
    await applyFilter('params.lr >= 0.02');
    await waitFor(rowCount, (n) => n === 3, 'the fixed filter applies');
    expect(await page.locator('.not-filtered').count()).toBe(0);
    const exportButton = page.getByRole('button', { name: 'Export CSV' });
    expect(await exportButton.isEnabled()).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), exportButton.click()]);
    const lines = readFileSync(await download.path(), 'utf8')
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1 + 3);
  });

  it('raised no page error on the way', () => {
    expect(pageProblems).toEqual([]);
  });
});
