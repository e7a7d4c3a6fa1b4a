import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { CLI, ROOT, SHOTS, hasChromium, launchChromium, startServe, stopProcess, suiteTitle, waitForAttribute, type Server } from './harness';
import type { RunSummary } from '../../src-shared/entities/run';

/**
 * The small things a new user trips over: navigation that looks like what it is, a keyboard-driven export menu,
 * readable histogram ticks, an imported dataset's provenance shown whole, an empty CSV refused before import, and a
 * resumed sweep's reruns told apart from the trials they repeat. `runboard serve` in Debian's Chromium; needs the
 * build and /usr/bin/chromium (skips itself without Chromium).
 */

const TRAINING_TIMEOUT = 180_000;
const title = suiteTitle('the details in a browser');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `details-${name}.png`), fullPage: true });
}

/** Polls until `read` returns a value `accept` takes. */
async function waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

/** Calls the host's API from the page (its session cookie authenticates), resolving with the value or throwing its error. */
async function api<T>(page: Page, method: string, input: unknown): Promise<T> {
  const answer = await page.evaluate(
    async ([path, body]) => {
      const response = await fetch(`/api/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return (await response.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
    },
    [method, input] as const,
  );
  if (!answer.ok) throw new Error(`${method}: ${answer.error?.message}`);
  return answer.value as T;
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let run: RunSummary;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-details-'));
    const dbPath = join(workDir, 'details.db');
    const csv = join(workDir, 'small.csv');
    const rows = ['width,height,species', ...Array.from({ length: 30 }, (_, i) => `${(i % 3) + (i % 7) * 0.1},${(i % 5) * 0.2},${['ash', 'birch', 'cedar'][i % 3]}`)];
    writeFileSync(csv, `${rows.join('\n')}\n`);
    execFileSync(process.execPath, [CLI, 'datasets', 'import', csv, '--name', 'small', '--db', dbPath], { cwd: ROOT, stdio: 'ignore' });
    run = JSON.parse(
      execFileSync(process.execPath, [CLI, 'train', '--dataset', 'digits', '--hidden', '32', '--epochs', '3', '--backend', 'wasm', '--seed', '4', '--name', 'digits-small', '--json', '--db', dbPath], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: TRAINING_TIMEOUT,
      }),
    ) as RunSummary;
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

  it('navigation is made of links that look like links, never of links dressed as buttons', async () => {
    await page.goto(new URL(`/#/runs/${run.run_id}`, page.url()).href);
    await page.locator('.run-header').waitFor();
    for (const name of ['Clone', 'Fine-tune', 'Compare…', 'Sweep from this run']) {
      const link = page.getByRole('link', { name, exact: true });
      const look = await link.evaluate((element) => {
        const style = getComputedStyle(element);
        return { border: style.borderTopWidth, background: style.backgroundColor };
      });
      expect(look, `${name} looks like a link`).toEqual({ border: '0px', background: 'rgba(0, 0, 0, 0)' });
    }
    expect(await page.getByRole('button', { name: 'Clone' }).count()).toBe(0);
    for (const hash of [`#/runs/${run.run_id}`, '#/runs', '#/sweeps', '#/sweeps/new', '#/new']) {
      await page.goto(new URL(`/${hash}`, page.url()).href);
      await page.locator('main').waitFor();
      expect(await page.locator('a.button').count(), `links dressed as buttons on ${hash}`).toBe(0);
    }
    await page.goto(new URL(`/#/runs/${run.run_id}`, page.url()).href);
    await page.locator('.run-header').waitFor();
    await shot(page, 'run-header');
  });

  it('drives the export menu from the keyboard: arrows, Home, End, Escape, with focus on the item', async () => {
    await page.goto(new URL('/#/runs', page.url()).href);
    await page.locator('tbody tr[data-run-id]').first().waitFor();
    const trigger = page.getByRole('button', { name: 'more export formats' });
    await trigger.focus();
    await page.keyboard.press('ArrowDown');
    const items = page.getByRole('menu', { name: 'export formats' }).getByRole('menuitem');
    await items.first().waitFor();
    const focused = (): Promise<string> => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    const names = await items.evaluateAll((elements) => elements.map((element) => element.textContent?.trim() ?? ''));
    expect(names.length).toBeGreaterThan(3);
    expect(await focused()).toBe(names[0]);
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe(names[1]);
    await page.keyboard.press('End');
    expect(await focused()).toBe(names.at(-1));
    await page.keyboard.press('ArrowDown');
    expect(await focused(), 'ArrowDown on the last item wraps to the first').toBe(names[0]);
    await page.keyboard.press('ArrowUp');
    expect(await focused(), 'ArrowUp on the first item wraps to the last').toBe(names.at(-1));
    await page.keyboard.press('Home');
    expect(await focused()).toBe(names[0]);
    await page.keyboard.press('Escape');
    expect(await page.getByRole('menu', { name: 'export formats' }).count()).toBe(0);
    expect(await trigger.evaluate((element) => element === document.activeElement), 'Escape gives the focus back to the button').toBe(true);
    expect(await trigger.getAttribute('aria-haspopup')).toBe('menu');
  });

  it('labels the weight histograms\' axis with round numbers, not raw bin edges', async () => {
    await page.goto(new URL(`/#/runs/${run.run_id}`, page.url()).href);
    const charts = page.locator('section[aria-label="weight histograms"] .chart');
    await charts.first().waitFor();
    expect(await charts.count()).toBe(2);
    for (const chart of await charts.all()) {
      const ticks = (await waitForAttribute(chart, 'data-ticks', (value) => value !== '')).split(' ');
      expect(ticks.length, 'a few ticks').toBeGreaterThanOrEqual(3);
      for (const tick of ticks) {
        const value = Number(tick.replace('−', '-'));
        expect(Number.isFinite(value), `tick ${tick} is a number`).toBe(true);
        // Round: at most two significant digits (0.05, -0.1, 0.15), as a plotting library would choose them.
        expect(Number(value.toPrecision(2)), `tick ${tick}`).toBe(value);
      }
    }
    await shot(page, 'histograms');
  });

  it('shows an imported dataset\'s provenance whole, wrapped rather than cut', async () => {
    await page.goto(new URL('/#/new', page.url()).href);
    const source = page.locator('section[aria-label="imported data"] li[data-dataset="small"] .source');
    await source.waitFor();
    expect(await source.innerText()).toMatch(/^Imported from small\.csv on \d{4}-\d{2}-\d{2}/);
    const fits = await source.evaluate((element) => element.scrollWidth <= element.clientWidth + 1);
    expect(fits, 'the text fits its box (no ellipsis)').toBe(true);
    await shot(page, 'imported-data');
  });

  it('offers no Import for an empty CSV file, and says why', async () => {
    await page.goto(new URL('/#/new', page.url()).href);
    await page.locator('section[aria-label="imported data"]').waitFor();
    for (const [content, reason] of [
      ['', /empty/],
      ['width,height,species\n', /no data rows/],
    ] as const) {
      const chooser = page.waitForEvent('filechooser');
      await page.getByRole('button', { name: 'Import CSV…' }).click();
      await (await chooser).setFiles({ name: 'nothing.csv', mimeType: 'text/csv', buffer: Buffer.from(content) });
      const panel = page.locator('form[aria-label="import a CSV file"]');
      await panel.waitFor();
      const importButton = panel.getByRole('button', { name: 'Import', exact: true });
      expect(await importButton.isDisabled()).toBe(true);
      const why = panel.locator('#import-file-problem');
      expect(await why.innerText()).toMatch(reason);
      expect(await importButton.getAttribute('aria-describedby')).toBe('import-file-problem');
      await shot(page, `import-${content === '' ? 'empty' : 'header-only'}`);
      await panel.getByRole('button', { name: 'Cancel' }).click();
    }
  });

  it('tells a resumed sweep\'s reruns from the stopped trials they repeat', { timeout: TRAINING_TIMEOUT }, async () => {
    const { sweep_id: sweepId } = await api<{ sweep_id: number }>(page, 'sweeps/start', {
      name: 'stop-and-resume',
      strategy: 'random',
      params: ['lr=loguniform(1e-3,1e-1)'],
      trials: 2,
      parallel: 2,
      seed: 5,
      fixed: { dataset: 'digits', hidden: [128, 128], epochs: 30, backend: 'wasm' },
    });
    type Detail = { status: string; trials: { trial: number; run_id: number | null; status: string; epochs: number }[] };
    await waitFor(() => api<Detail>(page, 'sweeps/get', { sweep_id: sweepId }), (sweep) => sweep.trials.some((t) => t.status === 'running' && t.epochs >= 1), 'a trial is training', TRAINING_TIMEOUT / 3);
    await api(page, 'sweeps/stop', { sweep_id: sweepId });
    await waitFor(() => api<Detail>(page, 'sweeps/get', { sweep_id: sweepId }), (sweep) => sweep.status === 'stopped', 'the sweep stopped');
    await api(page, 'sweeps/resume', { sweep_id: sweepId });
    // Reruns started: the stopped runs stay, each stopped trial has a newer run.
    const runs = await waitFor(
      () => api<{ runs: RunSummary[] }>(page, 'runs/query', { filter: `sweep = ${sweepId}`, limit: 100 }).then((answer) => answer.runs),
      (list) => list.some((r) => r.status === 'stopped') && list.length > 2,
      'the reruns exist',
    );
    await api(page, 'sweeps/stop', { sweep_id: sweepId });
    const stopped = runs.filter((r) => r.status === 'stopped' && runs.some((other) => other.trial === r.trial && other.run_id > r.run_id));
    expect(stopped.length, 'a stopped trial was run again').toBeGreaterThan(0);
    await page.goto(new URL(`/#/runs?filter=${encodeURIComponent(`sweep = ${sweepId}`)}`, page.url()).href);
    for (const first of stopped) {
      const rerun = runs.find((r) => r.trial === first.trial && r.run_id > first.run_id) as RunSummary;
      const cell = (id: number) => page.locator(`tr[data-run-id="${id}"] a.sweep`);
      await cell(rerun.run_id).waitFor();
      expect(await cell(first.run_id).innerText()).toBe(`sweep ${sweepId} · trial ${first.trial}`);
      expect(await cell(rerun.run_id).innerText()).toBe(`sweep ${sweepId} · trial ${first.trial} · rerun`);
      expect(await cell(rerun.run_id).getAttribute('title')).toContain('second run');
    }
    await shot(page, 'sweep-reruns');
  });

  it('raised no page error on the way', () => {
    expect(pageProblems).toEqual([]);
  });
});
