import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { CLI, ROOT, SHOTS, hasChromium, launchChromium, startServe, stopProcess, suiteTitle, type Server } from './harness';

/**
 * A sweep on workers in the browser: the CLI creates two sweeps with `--no-local` and one `runboard worker` runs the
 * first; `serve` shows the sweep page with who trained each trial (the host of its run) and that it runs on workers;
 * the second sweep, waiting for workers, is stopped and reopened from its page (the store's status changes: workers
 * would hear it). Needs the build and /usr/bin/chromium; skips itself without Chromium.
 */

const title = suiteTitle('a sweep on workers in the browser');
const SWEEP = ['--dataset', 'iris', '--hidden', '8', '--epochs', '2', '--backend', 'wasm', '--strategy', 'grid', '--param', 'lr=[0.1,0.02,0.005]'];

function cli(args: string[], dbPath: string): string {
  return execFileSync(process.execPath, [CLI, ...args, '--db', dbPath], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let dbPath: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'runboard-workers-'));
    dbPath = join(workDir, 'sweeps.db');
    cli(['sweep', '--no-local', ...SWEEP, '--name', 'on-workers'], dbPath);
    cli(['sweep', '--no-local', ...SWEEP, '--name', 'waiting'], dbPath);
    cli(['worker', '--sweep', '1', '--parallel', '1'], dbPath);
    server = await startServe(dbPath);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push(`console error: ${message.text()}`);
    });
    await page.goto(server.url);
    await page.locator('.app-header .system').waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it("shows that the sweep runs on workers, and the host that trained each trial's run", async () => {
    await page.goto(new URL('/#/sweeps/1', page.url()).href);
    const rows = page.locator('.leaderboard tbody tr[data-trial]');
    await rows.nth(2).waitFor();
    const header = await page.locator('.leaderboard thead').innerText();
    expect(header).toMatch(/epochs\s+host\s+run/);
    for (let i = 0; i < 3; i++) expect(await rows.nth(i).locator('td.host').innerText()).toBe(hostname());
    const facts = await page.locator('.sweep-header .facts').first().innerText();
    expect(facts).toMatch(/runs on\s+workers/);
    expect(facts).not.toContain('parallel');
    await page.screenshot({ path: join(SHOTS, 'sweep-on-workers.png'), fullPage: true });
    expect(pageProblems).toEqual([]);
  });

  it('stops a sweep that waits for workers from its page, and opens it to them again', async () => {
    await page.goto(new URL('/#/sweeps/2', page.url()).href);
    await page.locator('.leaderboard tbody tr[data-trial]').nth(2).waitFor();
    expect(await page.locator('.leaderboard tbody td.host').first().innerText()).toBe('—');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    expect(JSON.parse(cli(['sweeps', '--json'], dbPath))).toMatchObject([{ sweep_id: 2, status: 'stopped' }, { sweep_id: 1, status: 'finished' }]);
    expect(await page.getByRole('button', { name: 'Resume' }).getAttribute('title')).toBe('Open the sweep to its workers again: they run the trials that did not finish');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    expect(JSON.parse(cli(['sweeps', '--json'], dbPath))).toMatchObject([{ sweep_id: 2, status: 'running' }, { sweep_id: 1 }]);
    expect(pageProblems).toEqual([]);
  });
});
