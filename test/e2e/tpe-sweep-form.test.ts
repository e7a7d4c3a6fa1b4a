import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { SHOTS, hasChromium, suiteTitle, type Server, startServe, stopProcess, launchChromium, waitForAttribute } from './harness';

/**
 * Issue 16 in the app: the New sweep form offers TPE, with pruning by successive halving and a warm start; the host's
 * refusal of a warm start is shown next to its input; a TPE sweep started from the form runs to the end and its page
 * says how it searched. Debian's Chromium against `runboard serve` on a fresh database; skips itself without Chromium.
 */
const title = suiteTitle('a TPE sweep from the New sweep form');

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  const pageProblems: string[] = [];
  let provokedStatus: number | null = null;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'runboard-tpe-form-'));
    server = await startServe(join(workDir, 'tpe.db'));
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      if (provokedStatus !== null && message.text().includes(`status of ${provokedStatus}`)) return;
      pageProblems.push(`console error: ${message.text()}`);
    });
    await page.goto(server.url);
    await page.locator('.app-header .system').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('offers TPE with pruning and a warm start, shows a refused warm start on its input, and runs the sweep to the end', { timeout: 120_000 }, async () => {
    await page.goto(new URL('/#/sweeps/new', page.url()).href);
    await page.locator('[role="group"][data-param="lr"]').waitFor();
    await page.getByLabel('Dataset').selectOption('iris');
    await page.getByLabel('Hidden layers').fill('8');
    await page.getByLabel('Epochs').fill('3');
    await page.getByLabel('Trials', { exact: true }).fill('12');
    await page.getByLabel('Parallel').fill('2');
    await page.getByLabel('Seed').fill('4');
    await page.getByLabel('Backend').selectOption('wasm');
    await page.getByRole('radio', { name: 'tpe' }).check();
    expect(await page.locator('#sweep-min_epochs').count(), 'no rungs until pruning is asked for').toBe(0);
    await page.getByLabel('Prune with successive halving (ASHA)').check();
    await page.locator('#sweep-min_epochs').waitFor();
    expect(await page.locator('p.rungs').getAttribute('data-rungs')).toBe('1');
    await page.getByLabel('Warm start from').fill('nowhere');
    expect(await page.locator('code.cli').innerText()).toMatch(/--strategy tpe .*--pruner asha --warm-start nowhere/);
    await page.screenshot({ path: join(SHOTS, 'tpe-01-form.png'), fullPage: true });

    provokedStatus = 400;
    await page.getByRole('button', { name: 'Start sweep' }).click();
    await page.locator('#sweep-warm_start-error').waitFor();
    expect(await page.locator('#sweep-warm_start-error').innerText()).toMatch(/no experiment or sweep "nowhere"/);
    expect(page.url()).toMatch(/#\/sweeps\/new$/);
    provokedStatus = null;

    await page.getByLabel('Warm start from').fill('');
    await page.getByRole('button', { name: 'Start sweep' }).click();
    await page.waitForURL(/#\/sweeps\/\d+$/);
    const bar = page.locator('section[aria-label="sweep progress"] [role="progressbar"]');
    await page.locator('.sweep-header .badge', { hasText: 'finished' }).waitFor({ timeout: 100_000 });
    await waitForAttribute(bar, 'data-done', (v) => v === '12', 15_000);
    const facts = await page.locator('.sweep-header .facts').first().innerText();
    expect(facts).toMatch(/strategy\s+tpe/);
    expect(facts).toMatch(/halving\s+epochs 1→3, factor 3/);
    await page.screenshot({ path: join(SHOTS, 'tpe-02-finished.png'), fullPage: true });
    expect(pageProblems).toEqual([]);
  });
});
