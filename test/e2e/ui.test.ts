import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page, type WebSocketRoute } from 'playwright-core';
import { ROOT, SHOTS, hasChromium, suiteTitle, type Server, startServe, stopProcess, launchChromium, waitForAttribute } from './harness';

/**
 * The renderer end to end: `runboard serve` on a fresh database, driven in Debian's Chromium the way a user would
 * (open the printed URL, start runs from the form, watch them finish, compare, export). Needs the build
 * (`npm test` builds first) and /usr/bin/chromium (`apt-get install -y chromium`); skips itself without Chromium.
 */

const TRAINING_TIMEOUT = 90_000;
/** The second run's name tries to inject markup; it must show as text (reliability item 4). */
const HOSTILE_NAME = '<img src=x onerror="window.__xss=1">lr-0.05';

const title = suiteTitle('the UI in a browser');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Fills the New run form and starts the run; resolves with the new run's id from the page it navigates to. */
async function startRun(page: Page, fields: { name: string; lr: string }): Promise<number> {
  await page.goto(new URL('/#/new', page.url()).href);
  await page.getByLabel('Dataset').selectOption('iris');
  await page.getByLabel('Hidden layers').fill('16');
  await page.getByLabel('Epochs').fill('5');
  await page.getByLabel('Learning rate').fill(fields.lr);
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByLabel('Name').fill(fields.name);
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForURL(/#\/runs\/\d+$/);
  return Number(new URL(page.url()).hash.split('/').pop());
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}

async function waitForFinished(page: Page): Promise<void> {
  await page.locator('.run-header .badge', { hasText: 'finished' }).waitFor({ timeout: TRAINING_TIMEOUT });
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  const pageProblems: string[] = [];
  /** An HTTP status a test provokes on purpose; the browser logs it like any failed load. */
  let provokedStatus: number | null = null;
  const runIds: number[] = [];

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'main', 'cli.js')), 'the CLI is built (npm run build)').toBe(true);
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-e2e-'));
    server = await startServe(join(workDir, 'e2e.db'));
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      if (provokedStatus !== null && message.text().includes(`status of ${provokedStatus}`)) return;
      pageProblems.push(`console error: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400 && response.status() !== provokedStatus) pageProblems.push(`HTTP ${response.status()} for ${response.url()}`);
    });
    page.on('dialog', (dialog) => {
      pageProblems.push(`unexpected dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('opens the printed URL, drops the token from the address bar and shows the empty runs table', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    await page.goto(server.url);
    await page.getByText('No runs yet').waitFor();
    expect(page.url()).not.toContain('token=');
    await page.locator('.app-header .system').waitFor();
    expect(await page.locator('.app-header .system').innerText()).toContain('e2e.db');
    await shot(page, '01-empty');
  });

  it('shows a schema error next to the field it names, and clears it once fixed', async () => {
    await page.goto(new URL('/#/new', page.url()).href);
    await page.getByLabel('Learning rate').fill('-1');
    await page.getByLabel('Hidden layers').fill('16, x');
    await page.getByRole('button', { name: 'Start run' }).click();
    expect(await page.locator('#field-lr-error').innerText()).toBe('lr must be greater than 0');
    expect(await page.locator('#field-hidden-error').innerText()).toContain('must be a number');
    expect(await page.getByLabel('Learning rate').getAttribute('aria-invalid')).toBe('true');
    await shot(page, '02-new-run-invalid');
    await page.getByLabel('Learning rate').fill('0.01');
    expect(await page.locator('#field-lr-error').count()).toBe(0);
    expect(page.url()).toMatch(/#\/new$/);
  });

  it('shows the host\'s own field errors next to the fields they name, and keeps the user on the form', async () => {
    // The host may refuse what the shared schema accepts (a backend that stopped loading, a dataset removed...).
    await page.route('**/api/runs/start', (route) =>
      route.fulfill({
        status: 422,
        contentType: 'application/json',
        body: JSON.stringify({
          ok: false,
          error: { code: 'BACKEND_UNAVAILABLE', message: 'The wasm backend did not load.', fields: [{ field: 'backend', message: 'wasm is not available on this machine' }] },
        }),
      }),
    );
    provokedStatus = 422;
    try {
      await page.getByLabel('Hidden layers').fill('16');
      await page.getByRole('button', { name: 'Start run' }).click();
      await page.locator('#field-backend-error').waitFor();
      expect(await page.locator('#field-backend-error').innerText()).toBe('wasm is not available on this machine');
      expect(await page.getByRole('alert').first().innerText()).toContain('The wasm backend did not load.');
      expect(await page.getByRole('button', { name: 'Start run' }).isEnabled()).toBe(true);
      expect(page.url()).toMatch(/#\/new$/);
      await page.getByLabel('Backend').selectOption('cpu');
      expect(await page.locator('#field-backend-error').count()).toBe(0);
    } finally {
      await page.unroute('**/api/runs/start');
      provokedStatus = null;
    }
  });

  it('starts a run from the New run form and follows it live to finished with 5 epochs charted', { timeout: TRAINING_TIMEOUT + 30_000 }, async () => {
    runIds.push(await startRun(page, { name: 'e2e-lr-0.01', lr: '0.01' }));
    await waitForFinished(page);
    expect(await page.locator('.facts div', { hasText: 'epochs logged' }).locator('dd').innerText()).toBe('5');
    // Both charts drew five epochs of training and validation values (the canvas's accessible summary).
    expect(await page.getByLabel(/^Loss:/).getAttribute('aria-label')).toBe('Loss: train_loss (5 points), val_loss (5 points)');
    expect(await page.getByLabel(/^Accuracy:/).getAttribute('aria-label')).toBe('Accuracy: train_accuracy (5 points), val_accuracy (5 points)');
    const finalValAccuracy = await page.locator('table.kv tr', { hasText: 'val_accuracy' }).locator('td.num').first().innerText();
    expect(Number(finalValAccuracy)).toBeGreaterThanOrEqual(0);
    expect(await page.locator('.run-header').innerText()).toContain('wasm');
    await shot(page, '03-run-finished');
  });

  it('starts a second run with another learning rate; its hostile name renders as text', { timeout: TRAINING_TIMEOUT + 30_000 }, async () => {
    runIds.push(await startRun(page, { name: HOSTILE_NAME, lr: '0.05' }));
    await waitForFinished(page);
    expect(await page.locator('.run-header h1 .name').innerText()).toBe(HOSTILE_NAME);
    await page.goto(new URL('/#/runs', page.url()).href);
    await page.locator('tbody tr[data-run-id]').nth(1).waitFor();
    expect(await page.locator('tbody tr[data-run-id]').count()).toBe(2);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    await shot(page, '04-runs-table');
  });

  it('compares the two runs: overlaid validation curves, and the param diff highlights lr', async () => {
    for (const id of runIds) await page.getByLabel(`select run ${id}`).check();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    await page.waitForURL(new RegExp(`#/compare\\?ids=${[...runIds].sort((a, b) => a - b).join(',')}$`));
    const lrRow = page.locator('tr[data-param="lr"]');
    await lrRow.waitFor();
    expect(await lrRow.getAttribute('class')).toContain('differs');
    expect(await page.locator('tr[data-param="dataset"]').getAttribute('class')).not.toContain('differs');
    expect(await lrRow.innerText()).toMatch(/0\.01[\s\S]*0\.05|0\.05[\s\S]*0\.01/);
    // One validation-loss line per run, five epochs each, named after its run in the legend.
    const chart = page.getByLabel(/^Validation loss:/);
    const summary = await waitForAttribute(chart, 'aria-label', (label) => label.split('(5 points)').length === 3);
    expect(summary).toContain(`#${runIds[0]} e2e-lr-0.01`);
    expect(summary).toContain(`#${runIds[1]} ${HOSTILE_NAME}`);
    await shot(page, '05-compare');
    await page.getByLabel('hide identical').check();
    expect(await page.locator('tr[data-param="dataset"]').count()).toBe(0);
    expect(await lrRow.count()).toBe(1);
  });

  it('exports the runs table as CSV: a header row with run_id and one row per run', async () => {
    await page.goto(new URL('/#/runs', page.url()).href);
    await page.locator('tbody tr[data-run-id]').nth(1).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const path = await download.path();
    const lines = readFileSync(path, 'utf8')
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '');
    expect(lines[0]?.split(',')).toContain('run_id');
    expect(lines).toHaveLength(3);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
  });

  it('says "reconnecting" while the live connection is down, and catches up on what it missed when it returns', { timeout: 60_000 }, async () => {
    let down = false;
    const open: WebSocketRoute[] = [];
    await page.routeWebSocket(/\/api\/events$/, (socket) => {
      if (down) {
        void socket.close({ code: 1001, reason: 'test: server unreachable' });
        return;
      }
      socket.connectToServer();
      open.push(socket);
    });
    await page.reload();
    await page.locator('tbody tr[data-run-id]').nth(1).waitFor();
    await waitUntil(() => open.length > 0, 'the page opened its event socket');

    down = true;
    for (const socket of open.splice(0)) await socket.close({ code: 1001, reason: 'test: connection dropped' });
    await page.getByRole('status').filter({ hasText: 'reconnecting' }).waitFor();
    await shot(page, '06-reconnecting');

    // A run created while no event can arrive: only a re-read after reconnecting can show it.
    const created = await page.evaluate(async () => {
      const response = await fetch('/api/runs/start', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ dataset: 'iris', hidden: [8], epochs: 1, backend: 'wasm', name: 'started-while-offline' }),
      });
      return (await response.json()) as { ok: boolean; value: { run_id: number } };
    });
    expect(created.ok).toBe(true);
    // Let it finish while offline, so that no later event about it can stand in for the re-read.
    const finishedOffline = async (): Promise<boolean> =>
      page.evaluate(async (runId) => {
        const response = await fetch('/api/runs/get', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ run_id: runId }) });
        const body = (await response.json()) as { value: { status: string } };
        return body.value.status === 'finished';
      }, created.value.run_id);
    for (let tries = 0; !(await finishedOffline()); tries++) {
      expect(tries, 'the offline run finishes').toBeLessThan(300);
      await page.waitForTimeout(100);
    }
    expect(await page.getByText('started-while-offline').count()).toBe(0);

    down = false;
    await page.getByText('started-while-offline').waitFor({ timeout: 20_000 });
    expect(await page.getByRole('status').filter({ hasText: 'reconnecting' }).count()).toBe(0);
    await page.unrouteAll();
  });

  it('raised no page error and no CSP violation on the way', () => {
    expect(pageProblems).toEqual([]);
  });
});
