import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { ROOT, CLI, SHOTS, hasChromium, suiteTitle, type Server, startServe, stopProcess, launchChromium, waitForAttribute } from './harness';

/**
 * The sweep views end to end: the CLI runs a random search and a successive-halving sweep into a fresh database,
 * `runboard serve` serves it, and Debian's Chromium checks the sweeps list, the plots that explain a finished sweep
 * (sampled values, parallel coordinates, importance, the rungs), the trial runs, the search-space editor's validation,
 * and a sweep started from the form and watched live through a stop and a resume. Needs the build (`npm test`
 * builds first) and /usr/bin/chromium; skips itself without Chromium.
 */

const SWEEP_TIMEOUT = 180_000;

const title = suiteTitle('the sweep views in a browser');

/** The course's random search: a learning rate on a log scale, a momentum, a batch size; small and quick on iris. */
const RANDOM_SWEEP = [
  '--dataset', 'iris', '--strategy', 'random', '--trials', '6', '--param', 'lr=loguniform(1e-3,1e-1)', '--param', 'momentum=uniform(0.85,0.99)',
  '--param', 'batch_size=choice(16,32)', '--epochs', '3', '--hidden', '8', '--parallel', '2', '--seed', '3', '--backend', 'wasm', '--name', 'e2e-random',
];
/**
 * Successive halving on digits: rungs at epochs 1 and 3 of 9; most of the 9 trials are pruned. One trial at a time, so
 * the order trials reach a rung, and with it which are pruned, is the same on every machine (with two at once it
 * depends on which finishes first): trials 3, 4, 5, 7 and 9 trail at epoch 1, trial 8 at epoch 3.
 */
const ASHA_SWEEP = [
  '--dataset', 'digits', '--strategy', 'asha', '--trials', '9', '--epochs', '9', '--param', 'lr=loguniform(1e-4,1)', '--hidden', '32',
  '--parallel', '1', '--seed', '5', '--backend', 'wasm', '--name', 'e2e-asha',
];

interface SweepResult {
  sweep_id: number;
  status: string;
  best_run_id: number | null;
  best_value: number | null;
  trials: { run_id: number | null; status: string; params: Record<string, unknown>; value: number | null; epochs: number }[];
}

function runSweep(args: string[], dbPath: string): SweepResult {
  const out = execFileSync(process.execPath, [CLI, 'sweep', ...args, '--json', '--db', dbPath], { cwd: ROOT, encoding: 'utf8', timeout: SWEEP_TIMEOUT });
  return JSON.parse(out) as SweepResult;
}

async function shot(page: Page, name: string): Promise<void> {
  // The app header is sticky: from the top, it is drawn once, where it belongs.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `sweeps-${name}.png`), fullPage: true });
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let random: SweepResult;
  let asha: SweepResult;
  const pageProblems: string[] = [];
  /** An HTTP status a test provokes on purpose; the browser logs it like any failed load. */
  let provokedStatus: number | null = null;

  const go = async (hash: string): Promise<void> => {
    await page.goto(new URL(`/${hash}`, page.url()).href);
  };

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'main', 'cli.js')), 'the CLI is built (npm run build)').toBe(true);
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-sweeps-'));
    const dbPath = join(workDir, 'sweeps.db');
    // Run by the CLI before the server starts, into the same database.
    random = runSweep(RANDOM_SWEEP, dbPath);
    asha = runSweep(ASHA_SWEEP, dbPath);

    server = await startServe(dbPath);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'warning' && message.text().includes('malformed')) pageProblems.push(`console warning: ${message.text()}`);
      if (message.type() !== 'error') return;
      if (provokedStatus !== null && message.text().includes(`status of ${provokedStatus}`)) return;
      pageProblems.push(`console error: ${message.text()}`);
    });
    page.on('dialog', (dialog) => {
      pageProblems.push(`unexpected dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(server.url);
    await page.locator('.app-header .system').waitFor();
  }, 2 * SWEEP_TIMEOUT + 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('ran both sweeps from the CLI: six finished trials, and successive halving pruned six at their rungs', () => {
    expect(random.status).toBe('finished');
    expect(random.trials.filter((t) => t.status === 'finished')).toHaveLength(6);
    expect(asha.status).toBe('finished');
    // Pruned trials stop at their rung, with exactly its epochs.
    expect(asha.trials.map((t) => [t.status, t.epochs])).toEqual([
      ['finished', 9],
      ['finished', 9],
      ['pruned', 1],
      ['pruned', 1],
      ['pruned', 1],
      ['finished', 9],
      ['pruned', 1],
      ['pruned', 3],
      ['pruned', 1],
    ]);
  });

  it('lists the sweeps with their status, trials, objective and best value', async () => {
    await page.getByRole('link', { name: 'Sweeps' }).click();
    await page.waitForURL(/#\/sweeps$/);
    const rows = page.locator('tr[data-sweep-id]');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    const randomRow = page.locator(`tr[data-sweep-id="${random.sweep_id}"]`);
    const text = await randomRow.innerText();
    expect(text).toContain('e2e-random');
    expect(text).toContain('random');
    expect(text).toContain('finished');
    expect(text).toContain('6/6');
    expect(text).toContain('val_accuracy ↑');
    expect(await randomRow.locator(`a[href="#/runs/${random.best_run_id}"]`).count()).toBe(1);
    const ashaText = await page.locator(`tr[data-sweep-id="${asha.sweep_id}"]`).innerText();
    expect(ashaText).toContain('9/9');
    expect(ashaText).toMatch(/\d+ pruned/);
    await shot(page, '01-list');
  });

  it('explains a finished random search: sampled values, objective per parameter, parallel coordinates, importance', async () => {
    await page.locator(`tr[data-sweep-id="${random.sweep_id}"] a`, { hasText: 'e2e-random' }).click();
    await page.waitForURL(new RegExp(`#/sweeps/${random.sweep_id}$`));
    // The course's plot: learning rate (log axis) against momentum, one coloured mark per trial.
    const sampled = page.locator('figure.sampled');
    await sampled.locator('.chart[data-marks="6"]').waitFor();
    expect(await sampled.getByLabel('x axis').inputValue()).toBe('lr');
    expect(await sampled.getByLabel('y axis').inputValue()).toBe('momentum');
    expect(await sampled.locator('.chart').getAttribute('data-hollow')).toBe('0');
    expect(await sampled.locator('canvas').getAttribute('aria-label')).toBe('Sampled values: lr against momentum: 6 trials, 6 with a final value');
    expect(await sampled.locator('option', { hasText: 'lr (log)' }).count()).toBe(2);

    const perParam = page.locator('section[aria-label="objective against each hyperparameter"] .panel');
    expect(await perParam.count()).toBe(3);
    for (const panel of await perParam.all()) expect(await panel.locator('.chart').getAttribute('data-marks')).toBe('6');

    const parallel = page.locator('figure.parallel svg[data-lines]');
    expect(await parallel.getAttribute('data-lines')).toBe('6');
    expect(await parallel.locator('a polyline').count()).toBe(6);
    expect(await parallel.locator('.axis .label').evaluateAll((texts) => texts.map((t) => t.textContent))).toEqual(['lr (log)', 'momentum', 'batch_size', 'val_accuracy']);

    const importance = page.locator('section[aria-label="hyperparameter importance"]');
    const rows = importance.locator('tr[data-param]');
    expect(await rows.count()).toBe(3);
    const names = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-param')));
    expect([...names].sort()).toEqual(['batch_size', 'lr', 'momentum']);
    const total = (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-importance'))))).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 2);
    expect(await rows.first().innerText()).toMatch(/\d+%[\s\S]*[+-]\d\.\d\d/);
    expect(await importance.innerText()).toContain('random-forest mean decrease in impurity (Breiman 2001)');
    await shot(page, '02-random');
  });

  it('ranks the trials in the leaderboard, and a click on a row opens its run, which names its sweep and trial', async () => {
    const board = page.locator('section[aria-label="leaderboard"]');
    const first = board.locator('tbody tr').first();
    expect(await first.getAttribute('data-run-id')).toBe(String(random.best_run_id));
    const values = await board.locator('tbody td.value').allInnerTexts();
    expect(values.map(Number)).toEqual([...values.map(Number)].sort((a, b) => b - a));
    await first.locator('td.value').click();
    await page.waitForURL(new RegExp(`#/runs/${random.best_run_id}$`));
    const sweepLink = page.locator('.run-header .sweep-fact a');
    await sweepLink.waitFor();
    const best = random.trials.findIndex((t) => t.run_id === random.best_run_id) + 1;
    expect(await sweepLink.innerText()).toBe(`sweep ${random.sweep_id} · trial ${best}`);
    await shot(page, '03-trial-run');
    await sweepLink.click();
    await page.waitForURL(new RegExp(`#/sweeps/${random.sweep_id}$`));
  });

  it('opens a trial\'s run from its line in the parallel coordinates', async () => {
    const line = page.locator('figure.parallel svg[data-lines] a').first();
    await line.waitFor();
    const href = (await line.getAttribute('href')) ?? '';
    expect(href).toMatch(/^#\/runs\/\d+$/);
    // The line is an SVG link: keyboard users reach it too.
    await line.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`${href}$`));
  });

  it('shows the rungs of a successive-halving sweep: which trials went on and which were pruned where', async () => {
    await go(`#/sweeps/${asha.sweep_id}`);
    const rungs = page.locator('section[aria-label="successive halving rungs"]');
    await rungs.waitFor();
    const first = rungs.locator('.rung[data-rung="1"]');
    await first.waitFor();
    expect(await first.getAttribute('data-reached')).toBe('9');
    const pruned = await rungs.locator('.rung').evaluateAll((divs) => divs.map((d) => Number(d.getAttribute('data-pruned'))));
    expect(pruned.reduce((a, b) => a + b, 0)).toBe(asha.trials.filter((t) => t.status === 'pruned').length);
    expect(await rungs.locator('.rung[data-rung="3"]').count()).toBe(1);
    expect(await rungs.locator('.rung[data-rung="9"] li').count()).toBe(asha.trials.filter((t) => t.status === 'finished').length);
    // Every trial's objective per epoch, read within the point budget, with the rung epochs marked.
    const chart = rungs.locator('.chart');
    await waitForAttribute(rungs.locator('canvas'), 'aria-label', (label) => (label.match(/\((\d+) points\)/g) ?? []).length === 9 && !label.includes('(0 points)'), 15_000);
    expect(await chart.getAttribute('data-markers')).toBe('rung: epoch 1; rung: epoch 3');
    expect(await page.locator('section[aria-label="leaderboard"] .badge', { hasText: 'pruned' }).count()).toBeGreaterThan(0);
    expect(await page.locator('figure.sampled .chart').getAttribute('data-marks')).toBe('9');
    await shot(page, '04-asha');
  });

  it('checks each search-space row live with the shared parsers and shows the error on that row', async () => {
    await go('#/sweeps/new');
    const lrRow = page.locator('[role="group"][data-param="lr"]');
    await lrRow.waitFor();
    await page.getByLabel('Dataset').selectOption('iris');
    await lrRow.getByLabel('lr low').fill('0');
    await lrRow.getByLabel('lr high').fill('1');
    expect(await lrRow.locator('.error').innerText()).toBe('lr: loguniform(0,1): both bounds must be above 0');
    expect(await lrRow.getByLabel('lr low').getAttribute('aria-invalid')).toBe('true');
    // The searched options are greyed out among the fixed ones.
    expect(await page.locator('#field-lr').isDisabled()).toBe(true);
    expect(await page.locator('#field-momentum').isDisabled()).toBe(true);
    expect(await page.locator('#field-lr-hint').innerText()).toBe('Searched: lr=loguniform(0,1)');
    await page.getByRole('button', { name: 'Start sweep' }).click();
    expect(page.url()).toMatch(/#\/sweeps\/new$/);
    await shot(page, '05-form-invalid');
    await lrRow.getByLabel('lr low').fill('1e-3');
    expect(await lrRow.locator('.error').count()).toBe(0);
    // A grid needs lists: a continuous row is refused on its row, and a grid of lists shows its size.
    await page.getByRole('radio', { name: 'grid' }).check();
    expect(await lrRow.locator('.error').innerText()).toContain('a grid search needs a list of values');
    await lrRow.getByLabel('lr distribution').selectOption('grid');
    await lrRow.getByLabel('lr values').fill('0.1, 0.01, 0.001');
    await page.locator('[role="group"][data-param="momentum"]').getByLabel('momentum distribution').selectOption('grid');
    await page.locator('[role="group"][data-param="momentum"]').getByLabel('momentum values').fill('0.9, 0.95');
    expect(await page.locator('[data-grid-size]').getAttribute('data-grid-size')).toBe('6');
    await page.getByRole('radio', { name: 'random' }).check();
  });

  it('shows the host\'s field errors next to the row or input they name', async () => {
    await page.route('**/api/sweeps/start', (route) =>
      route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({
          ok: false,
          error: {
            code: 'BAD_INPUT',
            message: 'Invalid sweep: params: momentum: the value 0.95 is not valid.',
            fields: [
              { field: 'params', message: 'momentum=[0.9,0.95]: the value 0.95 is not valid: momentum must be below 0.9' },
              { field: 'trials', message: 'trials must be at most 5' },
              { field: 'hidden.0', message: 'each hidden layer size must be at most 8192' },
            ],
          },
        }),
      }),
    );
    provokedStatus = 400;
    try {
      await page.getByRole('button', { name: 'Start sweep' }).click();
      const momentumRow = page.locator('[role="group"][data-param="momentum"]');
      await momentumRow.locator('.error').waitFor();
      expect(await momentumRow.locator('.error').innerText()).toContain('momentum must be below 0.9');
      expect(await page.locator('[role="group"][data-param="lr"] .error').count()).toBe(0);
      expect(await page.locator('#sweep-trials-error').innerText()).toBe('trials must be at most 5');
      expect(await page.locator('#field-hidden-error').innerText()).toBe('each hidden layer size must be at most 8192');
      expect(await page.getByRole('alert').first().innerText()).toContain('Invalid sweep');
      expect(page.url()).toMatch(/#\/sweeps\/new$/);
      await page.getByLabel('Trials', { exact: true }).fill('4');
      expect(await page.locator('#sweep-trials-error').count()).toBe(0);
    } finally {
      await page.unroute('**/api/sweeps/start');
      provokedStatus = null;
    }
  });

  it('starts a sweep from the form and watches it live, through a stop and a resume, to the end', { timeout: SWEEP_TIMEOUT }, async () => {
    // A fresh form (the one before kept its rows while the page stayed on it).
    await go('#/sweeps');
    await go('#/sweeps/new');
    // Trials of a few seconds each (digits), so the sweep is still running when Stop is pressed: warm worker
    // processes make tiny iris trials finish in a blink.
    await page.getByLabel('Dataset').selectOption('digits');
    await page.getByLabel('Hidden layers').fill('32');
    await page.getByLabel('Epochs').fill('15');
    await page.getByLabel('Trials', { exact: true }).fill('4');
    await page.getByLabel('Parallel').fill('1');
    await page.getByLabel('Seed').fill('11');
    await page.getByLabel('Name').fill('e2e-live');
    await page.getByLabel('Backend').selectOption('wasm');
    await page.getByRole('button', { name: 'Start sweep' }).click();
    await page.waitForURL(/#\/sweeps\/\d+$/);
    await page.locator('.sweep-header .badge', { hasText: 'running' }).waitFor();

    // Live, without a reload: a trial runs, then trials end one by one.
    const bar = page.locator('section[aria-label="sweep progress"] [role="progressbar"]');
    expect(await bar.getAttribute('data-planned')).toBe('4');
    await waitForAttribute(bar, 'data-running', (v) => v === '1', 60_000);
    await page.locator('section[aria-label="leaderboard"] .badge', { hasText: 'running' }).first().waitFor();
    await waitForAttribute(bar, 'data-done', (v) => Number(v) >= 1, 60_000);
    await shot(page, '06-live');

    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('.sweep-header .badge', { hasText: 'stopped' }).waitFor({ timeout: 60_000 });
    const doneWhenStopped = Number(await bar.getAttribute('data-done'));
    expect(doneWhenStopped).toBeLessThan(4);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.sweep-header .badge', { hasText: 'finished' }).waitFor({ timeout: SWEEP_TIMEOUT - 60_000 });
    await waitForAttribute(bar, 'data-done', (v) => v === '4', 15_000);
    expect(await page.locator('section[aria-label="leaderboard"] .badge', { hasText: 'finished' }).count()).toBe(4);
    await page.locator('figure.sampled .chart[data-marks="4"]').waitFor();
    await page.locator('figure.parallel svg[data-lines="4"]').waitFor();
    await shot(page, '07-live-finished');

    await page.getByRole('link', { name: 'All sweeps' }).click();
    const row = page.locator('tr[data-sweep-id]', { hasText: 'e2e-live' });
    await row.waitFor();
    expect(await row.innerText()).toContain('4/4');
  });

  it('marks trial runs in the runs table with their sweep and trial, and pruned runs with their badge', async () => {
    await go('#/runs');
    await page.locator('tbody tr[data-run-id]').first().waitFor();
    const pruned = asha.trials.find((t) => t.status === 'pruned');
    expect(pruned?.run_id).toBeTypeOf('number');
    const row = page.locator(`tbody tr[data-run-id="${pruned?.run_id}"]`);
    await row.scrollIntoViewIfNeeded();
    expect(await row.locator('.badge', { hasText: 'pruned' }).count()).toBe(1);
    const trial = asha.trials.indexOf(pruned as SweepResult['trials'][number]) + 1;
    expect(await row.locator('a.sweep').innerText()).toBe(`sweep ${asha.sweep_id} · trial ${trial}`);
    await shot(page, '08-runs');
  });

  it('raised no page error, no malformed event and no CSP violation on the way', () => {
    expect(pageProblems).toEqual([]);
  });
});
