import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { CLI, ROOT, SHOTS, hasChromium, suiteTitle, type Server, startServe, stopProcess, launchChromium } from './harness';

/**
 * The runs table and Compare at scale, end to end: 10,000 seeded runs (`runboard dev seed`) served by `runboard
 * serve`, driven in Debian's Chromium: paging, server-side sort and filter, the filter's errors, an injection
 * attempt, inline tags, delete with undo, exports, and a 50-run overlay with smoothing. Prints the paint times.
 * Needs the build (`npm test` builds first) and /usr/bin/chromium; skips itself without Chromium.
 */

const RUNS = 10_000;
const EPOCHS = 20;
const SEED_TIMEOUT = 600_000;

const title = suiteTitle('the runs table and Compare at 10,000 runs');

interface RunRow {
  run_id: number;
  name: string;
  tags: Record<string, string>;
}

function runCli(args: string[], timeoutMs: number): Promise<string> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolveRun, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runboard ${args.join(' ')} took more than ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolveRun(out);
      else reject(new Error(`runboard ${args.join(' ')} exited with ${code}:\n${err}`));
    });
  });
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `scale-${name}.png`), fullPage });
}

/** Calls the API from the page (its session cookie authenticates it); throws with the host's message on a refusal. */
async function api<T>(page: Page, method: string, input: unknown): Promise<T> {
  const body = await page.evaluate(
    async ([m, i]) => {
      const response = await fetch(`/api/${m}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(i) });
      return (await response.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
    },
    [method, input] as const,
  );
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.value as T;
}

/** Every matching run id in the host's order, read a thousand at a time. */
async function allIds(page: Page, query: Record<string, unknown>): Promise<number[]> {
  const ids: number[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page_ = await api<{ runs: RunRow[]; total: number }>(page, 'runs/query', { ...query, offset, limit: 1000 });
    ids.push(...page_.runs.map((r) => r.run_id));
    if (offset + 1000 >= page_.total) return ids;
  }
}

const total = (page: Page) => page.locator('.selection-bar .count').getAttribute('data-total');
const rowIds = async (page: Page, n: number): Promise<number[]> =>
  (await page.locator('tbody tr[data-run-id]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-run-id'))))).slice(0, n);

/** The CSV's rows as arrays of cells (quoted cells unquoted; the seeded values hold no newlines). */
function csvRows(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => (line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? []).map((cell) => cell.replace(/,$/, '').replace(/^"(.*)"$/s, '$1').replace(/""/g, '"')));
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let dbPath: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base: string;
  const pageProblems: string[] = [];
  /** Bad filters are refused with HTTP 400 on purpose; the browser logs those loads. */
  let expectRefusals = false;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'main', 'cli.js')), 'the CLI is built (npm run build)').toBe(true);
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-scale-'));
    dbPath = join(workDir, 'scale.db');
    const started = Date.now();
    await runCli(['dev', 'seed', '--runs', String(RUNS), '--epochs', String(EPOCHS), '--db', dbPath], SEED_TIMEOUT - 60_000);
    console.log(`[scale] seeded ${RUNS} runs × ${EPOCHS} epochs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    server = await startServe(dbPath);
    base = new URL(server.url).origin;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      if (expectRefusals && message.text().includes('status of 400')) return;
      pageProblems.push(`console error: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400 && !(expectRefusals && response.status() === 400)) pageProblems.push(`HTTP ${response.status()} for ${response.url()}`);
    });
    await page.goto(server.url);
    await page.locator('tbody tr[data-run-id]').first().waitFor({ timeout: 30_000 });
  }, SEED_TIMEOUT);

  afterAll(async () => {
    console.log(`[scale] timings (ms): ${JSON.stringify(timings)}`);
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('shows the total of 10,000 runs, and measures the first paint of the table', async () => {
    // A fresh load of the page (the app boots, reads the first page and draws it); the time is from navigation start.
    const paints: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto('about:blank');
      await page.goto(`${base}/#/runs`);
      const at = await page.waitForFunction(() => (document.querySelector('tbody tr[data-run-id]') ? performance.now() : null), undefined, { polling: 'raf', timeout: 30_000 });
      paints.push(Math.round((await at.jsonValue()) as number));
    }
    timings['runs table first paint (cold load)'] = Math.min(...paints);
    timings['runs table first paint (cold load, worst of 3)'] = Math.max(...paints);
    console.log(`[scale] runs table first paint after navigation: ${paints.join(', ')} ms`);
    // Reliably under a second on this (loaded, two-core) machine: the best of three is held to it.
    expect(Math.min(...paints)).toBeLessThan(1000);
    expect(await total(page)).toBe(String(RUNS));
    expect(await page.locator('.selection-bar .count').innerText()).toMatch(/^10,000 runs/);
    // The newest run first, and only the rows in view are in the DOM.
    expect((await rowIds(page, 1))[0]).toBe(RUNS);
    expect(await page.locator('tbody tr').count()).toBeLessThan(120);
    await shot(page, '01-table');
  });

  it('scrolls through the 10,000 runs to the last one, reading pages as it goes, and keeps frames short', { timeout: 90_000 }, async () => {
    // Frame times while scrolling as a fast mouse wheel does (about 200 px a frame), then a drag of the scrollbar to the end.
    const frames = await page.evaluate(async () => {
      const scroller = document.querySelector('.scroller') as HTMLElement;
      const durations: number[] = [];
      let last = performance.now();
      for (let i = 0; i < 150; i++) {
        scroller.scrollTop += 200;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        const now = performance.now();
        durations.push(now - last);
        last = now;
      }
      durations.sort((a, b) => a - b);
      const start = performance.now();
      scroller.scrollTop = scroller.scrollHeight;
      while (!document.querySelector('tbody tr[data-run-id="1"]')) await new Promise((r) => requestAnimationFrame(() => r(null)));
      return { median: durations[75] as number, p95: durations[142] as number, toTheEnd: performance.now() - start };
    });
    timings['scroll frame median'] = Math.round(frames.median);
    timings['scroll frame p95'] = Math.round(frames.p95);
    timings['jump to the last row'] = Math.round(frames.toTheEnd);
    console.log(`[scale] scrolling: frame median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms; the last run shown ${frames.toTheEnd.toFixed(0)} ms after a jump to the end`);
    await page.waitForFunction(() => document.querySelectorAll('tbody tr.placeholder').length === 0);
    const ids = await rowIds(page, 1000);
    expect(ids[ids.length - 1]).toBe(1);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    await shot(page, '02-scrolled-to-the-end');
  });

  it('sorts by a metric column on the host: the rows are the ones runs/query returns', async () => {
    await page.goto(`${base}/#/runs`);
    await page.locator('tbody tr[data-run-id]').first().waitFor();
    await page.locator('th[data-column="metrics.val_loss"] button').click();
    await page.waitForURL(/sort=metrics.val_loss&dir=asc/);
    await page.waitForFunction(() => document.querySelector('th[data-column="metrics.val_loss"]')?.getAttribute('aria-sort') === 'ascending');
    const expected = await api<{ runs: RunRow[] }>(page, 'runs/query', { sort: { column: 'metrics.val_loss', direction: 'asc' }, offset: 0, limit: 20 });
    await page.waitForFunction((first) => document.querySelector('tbody tr[data-run-id]')?.getAttribute('data-run-id') === String(first), expected.runs[0]?.run_id);
    expect(await rowIds(page, 20)).toEqual(expected.runs.map((r) => r.run_id));
    // And the other way round: the largest losses first, the diverged (NaN) runs still last.
    await page.locator('th[data-column="metrics.val_loss"] button').click();
    await page.waitForURL(/dir=desc/);
    const reversed = await api<{ runs: RunRow[] }>(page, 'runs/query', { sort: { column: 'metrics.val_loss', direction: 'desc' }, offset: 0, limit: 20 });
    await page.waitForFunction((first) => document.querySelector('tbody tr[data-run-id]')?.getAttribute('data-run-id') === String(first), reversed.runs[0]?.run_id);
    expect(await rowIds(page, 20)).toEqual(reversed.runs.map((r) => r.run_id));
    await shot(page, '03-sorted-by-val-loss');
    // Back to the default order (newest first), which the URL leaves out.
    await page.locator('th[data-column="run_id"] button').click();
    await page.waitForURL(/#\/runs$/);
  });

  it('filters with params.lr > 0.005: the count is what the API returns for the same filter, and the filter is in the URL', async () => {
    const box = page.getByRole('combobox', { name: 'filter runs' });
    await box.fill('params.lr > 0.005');
    await box.press('Enter');
    await page.waitForURL(/filter=params.lr/);
    const expected = await api<{ runs: RunRow[]; total: number }>(page, 'runs/query', { filter: 'params.lr > 0.005', offset: 0, limit: 20 });
    expect(expected.total).toBeGreaterThan(0);
    expect(expected.total).toBeLessThan(RUNS);
    await page.waitForFunction((n) => document.querySelector('.selection-bar .count')?.getAttribute('data-total') === String(n), expected.total);
    expect(await rowIds(page, 20)).toEqual(expected.runs.map((r) => r.run_id));
    // The URL can be shared: opened afresh, it shows the same filtered table.
    const shared = page.url();
    await page.goto('about:blank');
    await page.goto(shared);
    await page.waitForFunction((n) => document.querySelector('.selection-bar .count')?.getAttribute('data-total') === String(n), expected.total);
    expect(await page.getByRole('combobox', { name: 'filter runs' }).inputValue()).toBe('params.lr > 0.005');
    await shot(page, '04-filtered');
  });

  it('completes param and metric names in the filter box', async () => {
    const box = page.getByRole('combobox', { name: 'filter runs' });
    await box.fill('');
    await box.pressSequentially('metrics.val_a');
    const options = page.getByRole('listbox', { name: 'completions' }).getByRole('option');
    await options.first().waitFor();
    expect(await options.allInnerTexts()).toEqual([expect.stringContaining('metrics.val_accuracy')]);
    await box.press('Tab');
    expect(await box.inputValue()).toBe('metrics.val_accuracy ');
    await shot(page, '05-completion');
    await box.fill('params.lr > 0.005');
  });

  it('marks the column of a syntax error at once, and shows the host\'s error (with its column) for an unknown name', async () => {
    expectRefusals = true;
    const box = page.getByRole('combobox', { name: 'filter runs' });
    await box.fill('params.lr >> 0.005');
    const problem = page.locator('#filter-problem');
    await problem.waitFor();
    expect(await problem.getAttribute('data-column')).toBe('12');
    expect(await problem.locator('mark').innerText()).toBe('>');
    await box.press('Enter');
    expect(await problem.getAttribute('role')).toBe('alert');
    // Not applied: the URL still holds the previous filter.
    expect(new URLSearchParams(page.url().split('?')[1]).get('filter')).toBe('params.lr > 0.005');

    const filtered = await total(page);
    await box.fill('params.lr > 0.005 and metrics.no_such_metric < 1');
    await box.press('Enter');
    await page.waitForURL(/no_such_metric/);
    await page.locator('#filter-problem[role="alert"]').waitFor();
    // The table stays on the filter that ran, and says it is not filtered by what is typed (issue 9 item 5).
    await page.locator('.not-filtered', { hasText: 'no_such_metric' }).waitFor();
    expect(await total(page)).toBe(filtered);
    expect(await problem.getAttribute('data-column')).toBe('23');
    // The host's own message, which lists the metrics it knows.
    expect(await problem.innerText()).toContain('unknown metric "no_such_metric"');
    await shot(page, '06-unknown-metric');
  });

  it('treats an injection attempt as a syntax error, and the runs are all still there afterwards', async () => {
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await page.waitForFunction((n) => document.querySelector('.selection-bar .count')?.getAttribute('data-total') === String(n), RUNS);
    const box = page.getByRole('combobox', { name: 'filter runs' });
    await box.fill('params.lr > 0; drop table runs');
    await box.press('Enter');
    const problem = page.locator('#filter-problem[role="alert"]');
    await problem.waitFor();
    expect(await problem.getAttribute('data-column')).toBe('14');
    expect(await problem.innerText()).toContain('unexpected ";"');
    await shot(page, '07-injection');
    // Sent to the host as it is, it is refused the same way, and changes nothing.
    await expect(api(page, 'runs/query', { filter: 'params.lr > 0; drop table runs', offset: 0, limit: 1 })).rejects.toThrow(/column 14/);
    expect(await total(page)).toBe(String(RUNS));
    expect((await api<{ total: number }>(page, 'runs/query', { offset: 0, limit: 1 })).total).toBe(RUNS);
    await page.reload();
    await page.waitForFunction((n) => document.querySelector('.selection-bar .count')?.getAttribute('data-total') === String(n), RUNS);
    expectRefusals = false;
  });

  it('edits a run\'s tags in place, and they persist after a reload', async () => {
    await page.goto(`${base}/#/runs`);
    const id = (await rowIds(page, 1))[0] as number;
    await page.getByRole('button', { name: `edit tags of run ${id}` }).click();
    const editor = page.getByRole('textbox', { name: `edit tags of run ${id}` });
    await editor.fill('stage=final, paper');
    await editor.press('Enter');
    const row = page.locator(`tbody tr[data-run-id="${id}"]`);
    await row.locator('.tag', { hasText: 'stage=final' }).waitFor();
    await shot(page, '08-tags');
    await page.reload();
    await row.locator('.tag', { hasText: 'stage=final' }).waitFor();
    expect(await row.locator('.tag').allInnerTexts()).toEqual(['paper', 'stage=final']);
    const tagged = await api<{ runs: RunRow[]; total: number }>(page, 'runs/query', { filter: 'tags.stage = "final"', offset: 0, limit: 10 });
    expect(tagged.runs.map((r) => r.run_id)).toEqual([id]);
    // The notes too.
    await page.getByRole('button', { name: `edit notes of run ${id}` }).click();
    await page.getByRole('textbox', { name: `edit notes of run ${id}` }).fill('best so far');
    await page.getByRole('textbox', { name: `edit notes of run ${id}` }).press('Enter');
    await row.getByText('best so far').waitFor();
  });

  it('deletes three runs with an Undo that brings them back', async () => {
    const ids = await rowIds(page, 4);
    const doomed = ids.slice(1, 4);
    for (const id of doomed) await page.getByLabel(`select run ${id}`).check();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const toast = page.getByRole('status').filter({ hasText: 'Deleted 3 runs' });
    await toast.waitFor();
    await page.waitForFunction((n) => document.querySelector('.selection-bar .count')?.getAttribute('data-total') === String(n), RUNS - 3);
    for (const id of doomed) expect(await page.locator(`tbody tr[data-run-id="${id}"]`).count()).toBe(0);
    await shot(page, '09-deleted');
    await toast.getByRole('button', { name: 'Undo' }).click();
    await page.waitForFunction((n) => document.querySelector('.selection-bar .count')?.getAttribute('data-total') === String(n), RUNS);
    for (const id of doomed) await page.locator(`tbody tr[data-run-id="${id}"]`).waitFor();
    expect(await rowIds(page, 4)).toEqual(ids);
  });

  it('archives a run: hidden until "show archived", then brought back', async () => {
    const id = (await rowIds(page, 2))[1] as number;
    await page.getByLabel(`select run ${id}`).check();
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Archived 1 run' }).waitFor();
    await page.waitForFunction((n) => document.querySelector('.selection-bar .count')?.getAttribute('data-total') === String(n), RUNS - 1);
    expect(await page.locator(`tbody tr[data-run-id="${id}"]`).count()).toBe(0);
    await page.getByLabel('show archived').check();
    await page.waitForURL(/archived=1/);
    const row = page.locator(`tbody tr[data-run-id="${id}"]`);
    await row.locator('.archived-badge').waitFor();
    await row.getByLabel(`select run ${id}`).check();
    await page.getByRole('button', { name: 'Unarchive', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Unarchived 1 run' }).waitFor();
    await row.locator('.archived-badge').waitFor({ state: 'detached' });
    await page.getByLabel('show archived').uncheck();
    await page.waitForFunction((n) => document.querySelector('.selection-bar .count')?.getAttribute('data-total') === String(n), RUNS);
    await page.getByRole('button', { name: 'clear' }).click();
  });

  it('shows a run trained by the CLI meanwhile (store/changed), without a reload', { timeout: 120_000 }, async () => {
    await runCli(['train', '--dataset', 'iris', '--hidden', '8', '--epochs', '1', '--backend', 'wasm', '--name', 'made-by-the-cli', '--db', dbPath], 100_000);
    await page.locator('tbody tr[data-run-id]', { hasText: 'made-by-the-cli' }).waitFor({ timeout: 15_000 });
    await page.waitForFunction((n) => document.querySelector('.selection-bar .count')?.getAttribute('data-total') === String(n), RUNS + 1);
  });

  it('groups the matching runs by a param with mean ± std of a metric', async () => {
    await page.getByRole('button', { name: 'Group by' }).click();
    const panel = page.locator('section[aria-label="grouped summary"]');
    await panel.locator('tr[data-group]').first().waitFor();
    const groups = await api<{ value: string; count: number; mean: number | null }[]>(page, 'runs/group', { by: 'params.optimizer', metric: 'metrics.val_accuracy' });
    expect(await panel.locator('tr[data-group]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-group')))).toEqual(groups.map((g) => g.value));
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(RUNS + 1);
    await shot(page, '10-grouped');
    await panel.getByRole('button', { name: 'close the grouped summary' }).click();
  });

  it('exports CSV with a filter: exactly the matching runs, in the table\'s columns and sort', async () => {
    const box = page.getByRole('combobox', { name: 'filter runs' });
    await box.fill('params.lr > 0.005');
    await box.press('Enter');
    const expected = await allIds(page, { filter: 'params.lr > 0.005', sort: { column: 'run_id', direction: 'desc' } });
    await page.waitForFunction((n) => document.querySelector('.selection-bar .count')?.getAttribute('data-total') === String(n), expected.length);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const rows = csvRows(readFileSync(await download.path(), 'utf8'));
    const header = rows[0] as string[];
    expect(header.slice(0, 4)).toEqual(['run_id', 'name', 'status', 'experiment']);
    expect(header).toContain('params.lr');
    expect(header).toContain('metrics.val_accuracy');
    // The table's tags column is one column of the file, as on screen (empty for the runs without tags).
    expect(header).toContain('tags');
    expect(header).not.toContain('tags.stage');
    const ids = rows.slice(1).map((r) => Number(r[0]));
    expect(ids).toEqual(expected);
    const lr = header.indexOf('params.lr');
    for (const row of rows.slice(1)) expect(Number(row[lr])).toBeGreaterThan(0.005);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
  });

  it('exports Parquet as bytes and copies the table to the clipboard as Markdown', async () => {
    await page.getByRole('button', { name: 'more export formats' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: /^Parquet/ }).click()]);
    const bytes = readFileSync(await download.path());
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('PAR1');
    expect(bytes.subarray(bytes.length - 4).toString('latin1')).toBe('PAR1');
    await page.getByRole('button', { name: 'more export formats' }).click();
    await page.getByRole('menuitem', { name: 'Copy as Markdown' }).click();
    await page.getByRole('status').filter({ hasText: 'as a Markdown table' }).waitFor();
    const markdown = await page.evaluate(() => navigator.clipboard.readText());
    const lines = markdown.trim().split('\n');
    expect(lines[0]).toMatch(/^\| run_id \| name \|/);
    expect(lines[1]).toMatch(/^\|[-:| ]+\|$/);
    expect(lines.length - 2).toBe(Number(await total(page)));
  });

  it('overlays 50 runs with smoothing: one curve per run plus its faint raw curve; measures how soon it is drawn', { timeout: 120_000 }, async () => {
    const ids = (await api<{ runs: RunRow[] }>(page, 'runs/query', { filter: 'status = "finished"', offset: 0, limit: 50 })).runs.map((r) => r.run_id);
    expect(ids).toHaveLength(50);
    const href = `${base}/#/compare?ids=${ids.join(',')}`;
    // Cold: the page loads afresh on the compare link and draws the overlay.
    const cold: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto('about:blank');
      await page.goto(href);
      const at = await page.waitForFunction(() => (document.querySelector('.chart[data-drawn="50"]') ? performance.now() : null), undefined, { polling: 'raf', timeout: 30_000 });
      cold.push(Math.round((await at.jsonValue()) as number));
    }
    timings['50-run overlay first paint (cold load)'] = Math.min(...cold);
    timings['50-run overlay first paint (cold load, worst of 3)'] = Math.max(...cold);
    // Warm: from the runs table to Compare inside the app, with runs whose curves were not read yet.
    const warm: number[] = [];
    for (let i = 1; i <= 3; i++) {
      await page.goto('about:blank');
      await page.goto(`${base}/#/runs`);
      await page.locator('tbody tr[data-run-id]').first().waitFor();
      const others = (await api<{ runs: RunRow[] }>(page, 'runs/query', { filter: 'status = "finished"', offset: 50 * i, limit: 50 })).runs.map((r) => r.run_id);
      const ms = await page.evaluate(async (hash) => {
        const start = performance.now();
        location.hash = hash;
        for (;;) {
          await new Promise((r) => requestAnimationFrame(() => r(null)));
          if (document.querySelector('.chart[data-drawn="50"]')) return performance.now() - start;
        }
      }, `#/compare?ids=${others.join(',')}`);
      warm.push(Math.round(ms));
    }
    timings['50-run overlay first paint (in-app navigation)'] = Math.min(...warm);
    timings['50-run overlay first paint (in-app navigation, worst of 3)'] = Math.max(...warm);
    console.log(`[scale] 50-run overlay drawn after navigation: cold load ${cold.join(', ')} ms; from the runs table ${warm.join(', ')} ms`);
    // From the table, reliably under a second (the best of three); a cold load of the page is only recorded.
    expect(Math.min(...warm)).toBeLessThan(1000);

    await page.goto(href);
    await page.locator('.chart[data-drawn="50"]').first().waitFor();
    await page.locator('select[aria-label="smoothing"]').selectOption('ema');
    const chart = page.locator('figure[data-metric="val_loss"] .chart');
    await page.waitForFunction(() => document.querySelector('figure[data-metric="val_loss"] .chart')?.getAttribute('data-datasets') === '100');
    expect(await chart.getAttribute('data-runs')).toBe('50');
    expect(await chart.getAttribute('data-smoothed')).toBe('true');
    const summary = (await chart.locator('canvas').getAttribute('aria-label')) ?? '';
    expect(summary.match(/\((\d+) points\)/g)).toHaveLength(50);
    await page.locator('select[aria-label="smoothing"]').selectOption('centred');
    await page.locator('input[aria-label="smoothing window"]').fill('7');
    await page.locator('input[aria-label="smoothing window"]').press('Enter');
    expect(await chart.getAttribute('data-datasets')).toBe('100');
    await shot(page, '11-compare-50-smoothed', true);
  });

  it('highlights the run under the pointer in every chart and in the param diff', async () => {
    const legendItem = page.locator('ul[aria-label="compared runs"] li').nth(3);
    const id = await legendItem.getAttribute('data-run-id');
    await legendItem.locator('a').hover();
    expect(await page.locator('ul[aria-label="compared runs"] li.lit').count()).toBe(1);
    expect(await page.locator(`section.diff th.lit[data-run="${id}"]`).count()).toBe(1);
    // Hovering a curve picks its run out too.
    const canvas = page.locator('figure[data-metric="val_loss"] canvas');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.45);
    await page.mouse.move(box.x + box.width * 0.3 + 2, box.y + box.height * 0.45 + 2);
    await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="compared runs"] li.lit').length === 1);
    expect(await page.locator('section.diff th.lit').count()).toBe(1);
    await shot(page, '12-compare-hover');
  });

  it('zooms by dragging, and resets', async () => {
    const canvas = page.locator('figure[data-metric="val_loss"] canvas');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.7, { steps: 5 });
    await page.mouse.up();
    const chart = page.locator('figure[data-metric="val_loss"] .chart');
    await page.waitForFunction(() => document.querySelector('figure[data-metric="val_loss"] .chart')?.getAttribute('data-zoomed') === 'true');
    await shot(page, '13-zoomed');
    await chart.getByRole('button', { name: 'Reset zoom' }).click();
    expect(await chart.getAttribute('data-zoomed')).toBe('false');
  });

  it('saves a chart as PNG and as an SVG drawn from the data (paths, ticks, legend)', async () => {
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'save the Validation loss chart as PNG' }).click()]);
    const pngBytes = readFileSync(await png.path());
    expect(pngBytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    const [svg] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'save the Validation loss chart as SVG' }).click()]);
    const text = readFileSync(await svg.path(), 'utf8');
    expect(text).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(text).not.toContain('<image');
    const runsDrawn = new Set([...text.matchAll(/<path data-run="(\d+)"/g)].map((m) => m[1]));
    expect(runsDrawn.size).toBe(50);
    expect((text.match(/<path data-run=/g) ?? []).length).toBe(100);
    expect(text).toContain('<g class="axis x"');
    expect(text).toContain('<g class="legend"');
    expect(svg.suggestedFilename()).toMatch(/\.svg$/);
  });

  it('raised no page error on the way (bad filters refused with HTTP 400 on purpose aside)', () => {
    expect(pageProblems).toEqual([]);
  });
});
