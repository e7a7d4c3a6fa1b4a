import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunSummary } from '../../src-shared/entities/run';
import { COURSE_LOOP, hasPython, startPython, type PythonResult } from '../interop/python-venv';
import { eventFile } from '../interop/tfevents';
import { CLI, ROOT, SHOTS, hasChromium, launchChromium, startServe, stopProcess, suiteTitle, type Server } from './harness';

/**
 * What the "done when" asks, in the browser: a PyTorch script logging through `mlflow` into `runboard serve`
 * shows up live with its curves and compares with a run Runboard trained; Settings shows the two lines to paste; the
 * Import page brings a TensorBoard folder in with a summary. Debian's Chromium and `.venv-interop` (skips without them).
 */

const TIMEOUT = 240_000;
const title = hasPython ? suiteTitle('MLflow clients, live in the UI') : 'MLflow clients, live in the UI (skipped: no .venv-interop; see .ci/run)';

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `mlflow-${name}.png`), fullPage: true });
}

/** The loss chart's own summary: `Loss: train_loss (3 points), val_loss (3 points)`. */
function lossSummary(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector('.charts canvas, canvas')?.getAttribute('aria-label') ?? '');
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!hasChromium || !hasPython)(title, () => {
  let workDir: string;
  let db: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-mlflow-live-'));
    db = join(workDir, 'live.db');
    server = await startServe(db);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push(`console error: ${message.text()}`);
    });
    await page.goto(server.url);
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('draws a script\'s curves while it logs, then compares its run with one Runboard trained', { timeout: TIMEOUT }, async () => {
    const url = new URL(server.url);
    const record = join(workDir, 'record.json');
    const go = join(workDir, 'go');
    const script = startPython([COURSE_LOOP, 'mlflow', '--record', record, '--epochs', '6', '--wait-after', '3', '--go', go], {
      MLFLOW_TRACKING_URI: url.origin,
      MLFLOW_TRACKING_TOKEN: url.searchParams.get('token') as string,
    });
    let finished: PythonResult | null = null;
    void script.done.then((result) => (finished = result));
    // The script has logged three epochs and waits.
    await until('the script logging three epochs', async () => existsSync(record) || finished !== null);
    expect(finished, 'the script is still running').toBeNull();
    const runId = (JSON.parse(readFileSync(record, 'utf8')) as { run_id: string }).run_id;
    await page.goto(new URL(`/#/runs/${runId}`, url.origin).href);
    await until('three points on the loss chart', async () => (await lossSummary(page)).includes('train_loss (3 points), val_loss (3 points)'));
    expect(await page.locator('.run-header').textContent()).toMatch(/running/);
    await shot(page, '1-live-3-epochs');
    // Let it go on: the same page, not reloaded, draws the next epochs as they are logged, and shows the end.
    writeFileSync(go, '');
    await until('six points on the loss chart', async () => (await lossSummary(page)).includes('train_loss (6 points), val_loss (6 points)'));
    const result = await script.done;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    await until('the run shown finished', async () => /finished/.test((await page.locator('.run-header').textContent()) ?? ''));
    await shot(page, '2-live-finished');
    // Its page says where it came from and offers nothing that needs Runboard's training: no weights, model or
    // error analysis, no Stop, Clone, Fine-tune or Sweep.
    const header = page.locator('.run-header');
    expect(await header.locator('[data-fact="source"] dd').textContent()).toBe(`logged by an MLflow client from ${COURSE_LOOP}`);
    expect(await header.locator('a, button').allTextContents()).toEqual(['Compare…']);
    const panels = await page.locator('.run-view h2').allTextContents();
    expect(panels.filter((heading) => /Weights|Model|Error analysis/.test(heading))).toEqual([]);
    // The experiment link the client printed (`View experiment at .../#/experiments/N`) opens the runs table on it.
    const experimentLink = /View experiment at: (\S+)/.exec(result.stdout + result.stderr)?.[1];
    expect(experimentLink, 'the client printed the experiment link').toMatch(/#\/experiments\/\d+$/);
    await page.goto(new URL(`/${new URL(experimentLink as string).hash}`, url.origin).href);
    await until('the runs table on the experiment', async () => /experiment=course/.test(await page.evaluate(() => location.hash)));
    await until('its run listed', async () => (await page.locator('tr[data-run-id]').count()) === 1);
    expect(await page.locator('tr[data-run-id]').getAttribute('data-run-id')).toBe(runId);

    const trained = JSON.parse(execFileSync(process.execPath, [CLI, 'train', '--dataset', 'iris', '--epochs', '4', '--hidden', '8', '--backend', 'wasm', '--seed', '1', '--json', '--db', db], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })) as RunSummary;
    await page.goto(new URL(`/#/compare?ids=${runId},${trained.run_id}`, url.origin).href);
    const legend = page.locator('ul[aria-label="compared runs"] li');
    await until('both runs in the comparison', async () => (await legend.count()) === 2);
    await until('both curves drawn', async () => {
      const labels = await page.evaluate(() => [...document.querySelectorAll('canvas')].map((c) => c.getAttribute('aria-label') ?? ''));
      return labels.some((label) => (label.match(/\((\d+) points\)/g) ?? []).length >= 2);
    });
    await shot(page, '3-compare-with-trained');
    expect(pageProblems).toEqual([]);
  });

  it('shows the two lines to paste in Settings', { timeout: TIMEOUT }, async () => {
    const url = new URL(server.url);
    await page.goto(new URL('/#/settings', url.origin).href);
    const lines = page.locator('pre[aria-label="lines to paste"]');
    await lines.waitFor();
    expect(await lines.textContent()).toBe(`export MLFLOW_TRACKING_URI=${url.origin}\nexport MLFLOW_TRACKING_TOKEN=${url.searchParams.get('token')}`);
    await shot(page, '4-settings');
  });

  it('imports a TensorBoard folder from the Import page, with a summary, once', { timeout: TIMEOUT }, async () => {
    const logs = join(workDir, 'tb-logs');
    mkdirSync(join(logs, 'cnn'), { recursive: true });
    writeFileSync(
      join(logs, 'cnn', 'events.out.tfevents.1.host.1.0'),
      eventFile([1, 2, 3, 4].map((step) => ({ wallTime: 1000 + step, step, values: [{ tag: 'loss/train', simple: 1 / step }, { tag: 'acc', float32: step / 5 }] }))),
    );
    await page.goto(new URL('/#/import', new URL(server.url).origin).href);
    await page.locator('input[name="path"]').fill(logs);
    await page.getByRole('button', { name: 'Import' }).click();
    const summary = page.locator('[aria-label="import summary"]');
    await summary.waitFor();
    expect(await summary.textContent()).toMatch(/Imported 1 run \(8 points\) from TensorBoard event files at .*tb-logs: 0 skipped, 0 failed\./);
    await shot(page, '5-import');
    await page.getByRole('button', { name: 'Import' }).click();
    await until('the second summary', async () => /Imported 0 runs/.test((await summary.textContent()) ?? ''));
    expect(await summary.textContent()).toMatch(/skipped cnn: imported before/);
    // The imported run's own metrics have charts on its page.
    const runs = JSON.parse(execFileSync(process.execPath, [CLI, 'runs', '--json', '--filter', 'kind = "external" and name = "cnn"', '--db', db], { cwd: ROOT, encoding: 'utf8' })) as RunSummary[];
    expect(runs).toHaveLength(1);
    await page.goto(new URL(`/#/runs/${runs[0]!.run_id}`, new URL(server.url).origin).href);
    const other = page.locator('[aria-label="other metrics"] figure');
    await until('a chart per metric', async () => (await other.count()) === 2);
    expect(await other.locator('figcaption').allTextContents()).toEqual(['acc', 'loss/train']);
    await shot(page, '6-imported-run');
    expect(pageProblems).toEqual([]);
  });
});
