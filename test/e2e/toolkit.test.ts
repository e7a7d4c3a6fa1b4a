import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { ROOT, CLI, SHOTS, hasChromium, suiteTitle, type Server, startServe, stopProcess, launchChromium, runIdFromUrl } from './harness';
import { fromMetricValue, type MetricPoint, type RunSummary } from '../../src-shared/entities/run';
import { overfittingOnset, overfittingRuleOf } from '../../src-shared/overfitting';

/**
 * The training toolkit in the UI, end to end: `runboard serve` on a database where the CLI already trained a digits
 * run that overfits (test split, early stopping), driven in Debian's Chromium. Checks the run page (outcome, the
 * overfitting marker, weight histograms, confusion matrix, the digits gallery drawn on canvases), the overfit-one-batch
 * sanity check and its scale-up, fine-tuning with lineage, and CSV import by drag and drop. Needs the build
 * (`npm test` builds first) and /usr/bin/chromium; skips itself without Chromium.
 */

const TRAINING_TIMEOUT = 120_000;

const title = suiteTitle('the training toolkit in a browser');

/**
 * Trained on 5% of digits (val split 0.9) with no dropout and Adam at 0.01, it memorises its training images by epoch 7;
 * validation loss then climbs steadily, and early stopping (patience 12) stops it and restores epoch 7.
 */
const OVERFITTING_RUN = [
  '--dataset', 'digits', '--hidden', '256', '--val-split', '0.9', '--batch-size', '16', '--optimizer', 'adam', '--lr', '0.01', '--dropout', '0',
  '--epochs', '30', '--test-split', '0.05', '--early-stopping', '12', '--backend', 'wasm', '--seed', '1', '--name', 'digits-overfits',
];

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `toolkit-${name}.png`), fullPage: true });
}

/** A CSV of `rows` rows: three numeric features and a class name that depends on them, so that it can be learnt. */
function smallCsv(rows: number): string {
  const lines = ['width,height,weight,species'];
  for (let i = 0; i < rows; i++) {
    const kind = i % 3;
    lines.push(`${(kind * 2 + (i % 7) * 0.1).toFixed(2)},${(kind + (i % 5) * 0.2).toFixed(2)},${(10 + kind * 5 + (i % 4)).toFixed(1)},${['ash', 'birch', 'cedar'][kind]}`);
  }
  return `${lines.join('\n')}\n`;
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let dbPath: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let overfitting: RunSummary;
  /** Epoch from which the pre-trained run overfits, by the shared rule. */
  let onset: number | null = null;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'main', 'cli.js')), 'the CLI is built (npm run build)').toBe(true);
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-toolkit-'));
    dbPath = join(workDir, 'toolkit.db');

    // Trained before the server starts, by the CLI, into the same database.
    overfitting = JSON.parse(execFileSync(process.execPath, [CLI, 'train', ...OVERFITTING_RUN, '--json', '--db', dbPath], { cwd: ROOT, encoding: 'utf8', timeout: TRAINING_TIMEOUT })) as RunSummary;
    const exported = join(workDir, 'runs.json');
    execFileSync(process.execPath, [CLI, 'export', '--format', 'json', '--out', exported, '--db', dbPath], { cwd: ROOT, stdio: 'ignore' });
    const [history] = (JSON.parse(readFileSync(exported, 'utf8')) as { history: Record<string, MetricPoint[]> }[]).map((run) => run.history);
    const values = (key: string): number[] => (history?.[key] ?? []).map((point) => fromMetricValue(point.value));
    onset = overfittingOnset(values('train_loss'), values('val_loss'), overfittingRuleOf(overfitting.params['early_stopping']));

    server = await startServe(dbPath);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A refused import is an HTTP 400 on purpose; the browser logs it like any failed load.
      if (message.type() === 'error' && !message.text().includes('status of 400')) pageProblems.push(`console error: ${message.text()}`);
    });
    page.on('dialog', (dialog) => {
      pageProblems.push(`unexpected dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(server.url);
    await page.locator('tbody tr[data-run-id]').first().waitFor();
  }, TRAINING_TIMEOUT + 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('pre-trained a digits run that stopped early and overfits', () => {
    expect(overfitting.status).toBe('finished');
    expect(overfitting.outcome?.stop_reason).toBe('early_stopping');
    expect(overfitting.outcome?.restored_best).toBe(true);
    expect(overfitting.metrics['test_accuracy'], 'the test split was evaluated').toBeTypeOf('number');
    expect(onset, 'these settings overfit digits (pick others if this ever fails)').not.toBeNull();
    // The marker and early stopping judge by the same rule: it overfits from the epoch early stopping restored.
    expect(onset).toBe(overfitting.outcome?.best_epoch);
  });

  it('shows the outcome, the overfitting marker and the best epoch on the run page', async () => {
    await page.goto(new URL(`/#/runs/${overfitting.run_id}`, page.url()).href);
    const outcome = page.locator('section[aria-label="outcome"]');
    await outcome.waitFor();
    const reason = await outcome.locator('[data-stop-reason]').innerText();
    expect(reason).toBe(`Early stopping at epoch ${overfitting.epochs}; best epoch ${overfitting.outcome?.best_epoch} restored`);
    expect(await outcome.innerText()).toContain('test accuracy');

    const note = page.locator('.overfitting-note');
    await note.waitFor();
    expect(await note.getAttribute('data-epoch')).toBe(String(onset));
    expect(await note.innerText()).toContain(`Overfitting from epoch ${onset}`);
    // Both charts draw the marker line and its label, and the best epoch early stopping restored.
    const markers = page.locator('.charts .chart');
    expect(await markers.count()).toBe(2);
    for (const chart of await markers.all()) {
      const labels = (await chart.getAttribute('data-markers')) ?? '';
      expect(labels).toContain(`overfitting from epoch ${onset}`);
      expect(labels).toContain(`best epoch ${overfitting.outcome?.best_epoch} (restored)`);
    }
    // The test split's one point joins the loss curve.
    expect(await page.getByLabel(/^Loss:/).getAttribute('aria-label')).toContain('test_loss (1 points)');
  });

  it('shows each dense layer\'s initial and final weight histograms', async () => {
    const weights = page.locator('section[aria-label="weight histograms"]');
    await weights.locator('figure.layer').first().waitFor();
    const layers = weights.locator('figure.layer');
    expect(await layers.count(), 'one hidden layer and the output layer').toBe(2);
    for (const layer of await layers.all()) {
      expect(await layer.locator('canvas').getAttribute('aria-label')).toContain('initial and final weight distributions');
      const text = await layer.innerText();
      expect(text).toMatch(/initial\s+mean -?[\d.e-]+ · std [\d.e-]+/);
      expect(text).toMatch(/final\s+mean -?[\d.e-]+ · std [\d.e-]+/);
    }
    expect(await weights.locator('.frozen-badge').count()).toBe(0);
  });

  it('shows the confusion matrix summing to the validation size, per-class scores, and the misclassified digits as images', async () => {
    const analysis = page.locator('section[aria-label="error analysis"]');
    await analysis.locator('.grand-total').waitFor();
    expect(Number(await analysis.locator('.grand-total').getAttribute('data-total'))).toBe(overfitting.outcome?.val_size);
    expect(await analysis.locator('table.matrix tbody tr').count(), 'ten classes and the totals row').toBe(11);
    expect(await analysis.locator('table.scores tbody tr').count()).toBe(10);

    const samples = analysis.locator('.gallery figure.sample');
    expect(await samples.count()).toBeGreaterThan(0);
    expect(await samples.first().locator('figcaption').innerText()).toMatch(/^true \d → predicted \d \(\d{1,3}%\)$/);
    // Drawn: each canvas holds ink (dark pixels) and paper (white ones).
    const drawn = await analysis.locator('.gallery canvas').evaluateAll((canvases) =>
      canvases.map((element) => {
        const canvas = element as HTMLCanvasElement;
        const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
        let dark = 0;
        let white = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          if ((pixels[i] as number) < 100) dark++;
          if ((pixels[i] as number) > 250) white++;
        }
        return { width: canvas.width, dark, white };
      }),
    );
    expect(drawn.every((c) => c.width === 64 && c.dark > 0 && c.white > 0)).toBe(true);
    await shot(page, 'run-page');

    // The test split has its own tab, summing to the test size.
    await analysis.getByRole('tab', { name: /^Test/ }).click();
    await analysis.locator('[data-split="test"]').waitFor();
    expect(Number(await analysis.locator('.grand-total').getAttribute('data-total'))).toBe(overfitting.outcome?.test_size);
    await analysis.screenshot({ path: join(SHOTS, 'toolkit-error-analysis-test.png') });
  });

  it('shows the parser\'s message next to a malformed spec field, and opens the advanced section for it', { timeout: 30_000 }, async () => {
    await page.goto(new URL('/#/new', page.url()).href);
    await page.getByLabel('Dataset', { exact: true }).selectOption('spirals');
    await page.getByLabel('Generator options').fill('n=5');
    await page.getByLabel('Hidden layers').fill('16');
    await page.getByLabel('Dropout').fill('0.5,0.2');
    expect(await page.locator('details.advanced').getAttribute('open')).toBeNull();
    await page.getByRole('button', { name: 'Start run' }).click();
    expect(await page.locator('#field-dataset-options-error').innerText()).toContain('n must be a whole number from 10 to 100000');
    expect(await page.locator('#field-dropout-error').innerText()).toContain('dropout lists 2 rate(s) for 1 hidden layer(s)');
    await page.getByLabel('Generator options').fill('n=300,noise=0.1');
    expect(await page.locator('#field-dataset-options-error').count()).toBe(0);

    await page.locator('details.advanced summary').click();
    await page.getByLabel('Weight init').fill('uniform:1,0');
    expect(await page.locator('#field-init-error').innerText()).toContain('uniform:1,0 is an empty range');
    await page.getByLabel('LR schedule').fill('step:10');
    expect(await page.locator('#field-lr_schedule-error').innerText()).toContain('step needs EVERY,GAMMA');
    await shot(page, 'new-run-errors');
    expect(page.url()).toMatch(/#\/new$/);
  });

  let sanityRunId = 0;

  it('runs "Overfit one batch" from the form: a sanity check that learns its batch by heart', { timeout: TRAINING_TIMEOUT + 30_000 }, async () => {
    await page.goto(new URL('/#/new', page.url()).href);
    await page.getByRole('button', { name: 'Reset' }).click();
    await page.getByLabel('Dataset', { exact: true }).selectOption('digits');
    await page.getByLabel('Hidden layers').fill('32');
    await page.getByLabel('Dropout').fill('0');
    await page.getByLabel('Optimizer').selectOption('adam');
    await page.getByLabel('Learning rate').fill('0.01');
    await page.getByLabel('Epochs').fill('40');
    await page.getByLabel('Seed').fill('7');
    await page.getByLabel('Backend').selectOption('wasm');
    await page.getByLabel('samples in the overfitted batch').fill('4');
    await shot(page, 'new-run-form');
    await page.getByRole('button', { name: 'Overfit one batch' }).click();
    await page.waitForURL(/#\/runs\/\d+$/);
    sanityRunId = runIdFromUrl(page);
    await page.locator('.run-header .badge', { hasText: 'sanity check' }).waitFor();
    await page.locator('.run-header .badge', { hasText: 'finished' }).waitFor({ timeout: TRAINING_TIMEOUT });
    const trainAccuracy = await page.locator('table.kv tr', { hasText: 'train_accuracy' }).locator('td.num').first().innerText();
    expect(Number(trainAccuracy)).toBe(1);
    expect(await page.locator('table.kv tr', { hasText: 'overfit_batch' }).locator('td.value').innerText()).toBe('4');
    expect(await page.locator('section[aria-label="outcome"] .sanity').innerText()).toBe('Sanity check passed: the batch of 4 samples is learnt by heart (train accuracy 1)');
    // Overfitting is what a sanity check is for: no marker.
    expect(await page.locator('.overfitting-note').count()).toBe(0);
    await shot(page, 'sanity-run');
  });

  it('scales a finished sanity check up: the same configuration and seed in the form, without overfit_batch', { timeout: TRAINING_TIMEOUT + 30_000 }, async () => {
    await page.getByRole('link', { name: 'Scale up to the full training set' }).click();
    await page.waitForURL(new RegExp(`#/new\\?from=${sanityRunId}&mode=scale-up$`));
    await page.getByText(`Scaling up sanity check #${sanityRunId}`).waitFor();
    expect(await page.getByLabel('Hidden layers').inputValue()).toBe('32');
    expect(await page.getByLabel('Optimizer').inputValue()).toBe('adam');
    expect(await page.getByLabel('Dropout').inputValue()).toBe('0');
    expect(await page.getByLabel('Epochs').inputValue()).toBe('40');
    expect(await page.getByLabel('Seed').inputValue()).toBe('7');
    await shot(page, 'scale-up-form');

    // Shorter, and with a schedule, so that the learning-rate chart shows.
    await page.getByLabel('Epochs').fill('4');
    await page.locator('details.advanced summary').click();
    await page.getByLabel('LR schedule').fill('cosine');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs\/\d+$/);
    expect(runIdFromUrl(page)).not.toBe(sanityRunId);
    await page.locator('.run-header .badge', { hasText: 'finished' }).waitFor({ timeout: TRAINING_TIMEOUT });
    expect(await page.locator('.run-header .badge', { hasText: 'sanity' }).count()).toBe(0);
    expect(await page.locator('table.kv tr', { hasText: 'overfit_batch' }).count()).toBe(0);
    expect(await page.getByLabel(/^Learning rate:/).getAttribute('aria-label')).toBe('Learning rate: lr (4 points)');
    await shot(page, 'scaled-up-run');
  });

  it('fine-tunes the digits run with its hidden layer frozen, and shows the lineage both ways', { timeout: TRAINING_TIMEOUT + 30_000 }, async () => {
    await page.goto(new URL(`/#/runs/${overfitting.run_id}`, page.url()).href);
    await page.getByRole('link', { name: 'Fine-tune' }).click();
    await page.waitForURL(new RegExp(`#/new\\?from=${overfitting.run_id}&mode=finetune$`));
    expect(await page.locator('details.advanced').getAttribute('open')).not.toBeNull();
    expect(await page.getByLabel('From run').inputValue()).toBe(String(overfitting.run_id));
    expect(await page.getByLabel('Freeze layers').inputValue()).toBe('all-but-last');
    expect(await page.getByLabel('Hidden layers').inputValue()).toBe('256');
    expect(await page.getByLabel('Hidden layers').isDisabled(), 'the parent\'s layers are reused').toBe(true);
    expect(await page.getByLabel('Seed').inputValue(), 'the parent\'s seed, hence its split').toBe('1');
    await page.getByLabel('Epochs').fill('3');
    await page.getByLabel('Early stopping').fill('off');
    await page.getByLabel('Name').fill('digits-finetuned');
    await shot(page, 'finetune-form');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs\/\d+$/);
    const childId = runIdFromUrl(page);
    await page.locator('.run-header .badge', { hasText: 'finished' }).waitFor({ timeout: TRAINING_TIMEOUT });

    const lineage = page.locator('section[aria-label="lineage"]');
    expect(await lineage.locator('li.parent a').getAttribute('href')).toBe(`#/runs/${overfitting.run_id}`);
    expect(await page.locator('section[aria-label="outcome"] .frozen').innerText()).toBe('frozen: hidden 0');
    const frozen = page.locator('section[aria-label="weight histograms"] figure.layer.frozen');
    await frozen.first().waitFor();
    expect(await frozen.count()).toBe(1);
    expect(await frozen.getAttribute('data-layer')).toBe('0');
    await shot(page, 'finetuned-run');

    await lineage.locator('li.parent a').click();
    await page.waitForURL(new RegExp(`#/runs/${overfitting.run_id}$`));
    await page.locator(`section[aria-label="lineage"] li.child a[href="#/runs/${childId}"]`).waitFor();
  });

  it('shows the gap column, the sanity badge and test accuracy in the runs table', async () => {
    await page.goto(new URL('/#/runs', page.url()).href);
    await page.locator('tbody tr[data-run-id]').nth(3).waitFor();
    const headers = await page.locator('thead th').allInnerTexts();
    expect(headers.map((h) => h.replace(/[▲▼]/g, '').trim())).toEqual(expect.arrayContaining(['gap', 'test_acc']));
    expect(await page.locator(`tr[data-run-id="${sanityRunId}"] .badge`, { hasText: 'sanity' }).count()).toBe(1);
    expect(await page.locator(`tr[data-run-id="${overfitting.run_id}"] .badge`, { hasText: 'sanity' }).count()).toBe(0);
    // Sorted by the gap, the most overfitted run (the sanity check that saw four samples) comes first.
    await page.getByRole('button', { name: 'gap', exact: true }).click();
    // The table keeps its rows until the sorted page arrives from the host.
    await expect.poll(() => page.locator('tbody tr[data-run-id]').first().getAttribute('data-run-id'), { timeout: 5000 }).toBe(String(sanityRunId));
    expect(await page.locator('th[data-column="gap"]').getAttribute('aria-sort')).toBe('descending');
    await shot(page, 'runs-table');
  });

  it('compares runs whose params are lists and booleans', { timeout: TRAINING_TIMEOUT }, async () => {
    const started = await page.evaluate(async () => {
      const response = await fetch('/api/runs/start', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ dataset: 'iris', hidden: [16, 8], dropout: [0.3, 0.1], optimizer: 'sgd', nesterov: true, epochs: 2, backend: 'wasm', name: 'iris-lists' }),
      });
      return (await response.json()) as { ok: boolean; value: { run_id: number } };
    });
    expect(started.ok).toBe(true);
    await page.goto(new URL(`/#/runs/${started.value.run_id}`, page.url()).href);
    await page.locator('.run-header .badge', { hasText: 'finished' }).waitFor({ timeout: TRAINING_TIMEOUT });
    await page.goto(new URL(`/#/compare?ids=${overfitting.run_id},${started.value.run_id}`, page.url()).href);
    const hidden = page.locator('tr[data-param="hidden"]');
    await hidden.waitFor();
    expect(await hidden.locator('td').allInnerTexts()).toEqual(['256', '16, 8']);
    expect(await page.locator('tr[data-param="dropout"] td').allInnerTexts()).toEqual(['0', '0.3, 0.1']);
    // The first run trained with Adam, which has neither momentum nor Nesterov: it records neither.
    expect(await page.locator('tr[data-param="nesterov"] td').allInnerTexts()).toEqual(['—', 'true']);
    expect(await page.locator('tr[data-param="momentum"] td').allInnerTexts()).toEqual(['—', '0.9']);
    expect(await page.locator('tr[data-param="nesterov"]').getAttribute('class')).toContain('differs');
    await shot(page, 'compare');
  });

  it('imports a CSV dropped on the New run page, and selects it', { timeout: 30_000 }, async () => {
    await page.goto(new URL('/#/new', page.url()).href);
    await page.locator('section[aria-label="imported data"]').waitFor();
    const csv = smallCsv(90);
    const transfer = await page.evaluateHandle((text) => {
      const data = new DataTransfer();
      data.items.add(new File([text], 'Trees survey (2024).csv', { type: 'text/csv' }));
      return data;
    }, csv);
    await page.dispatchEvent('form[aria-label="new run"]', 'dragenter', { dataTransfer: transfer });
    await page.locator('.drop-overlay').waitFor();
    await page.dispatchEvent('form[aria-label="new run"]', 'dragover', { dataTransfer: transfer });
    await page.dispatchEvent('form[aria-label="new run"]', 'drop', { dataTransfer: transfer });
    const panel = page.locator('form[aria-label="import a CSV file"]');
    await panel.waitFor();
    expect(await page.locator('.drop-overlay').count()).toBe(0);
    expect(await panel.getByLabel('Dataset name').inputValue()).toBe('Trees_survey_2024');
    expect(await panel.getByLabel('Label column').inputValue()).toBe('species');
    await panel.getByLabel('Dataset name').fill('trees');
    await shot(page, 'import-panel');
    await panel.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('status').filter({ hasText: 'Imported trees' }).waitFor();
    expect(await page.getByLabel('Dataset', { exact: true }).inputValue()).toBe('trees');
    expect(await page.locator('#field-dataset optgroup[label="Imported"] option').allInnerTexts()).toEqual(['trees — 90 rows · 3 features · 3 classes']);
    expect(await page.locator('section[aria-label="imported data"] li[data-dataset="trees"]').count()).toBe(1);
    await page.locator('details.advanced summary').click();
    expect(await page.locator('#field-standardize-hint').innerText()).toContain('Recommended for imported data');
    await shot(page, 'imported');
  });

  it('shows the line and column of a bad CSV, and keeps nothing of it', { timeout: 30_000 }, async () => {
    const bad = join(workDir, 'bad-values.csv');
    writeFileSync(bad, 'a,b,label\n1,2,x\n3,oops,y\n5,6,x\n');
    await page.locator('input[type="file"]').setInputFiles(bad);
    const panel = page.locator('form[aria-label="import a CSV file"]');
    await panel.waitFor();
    expect(await panel.getByLabel('Dataset name').inputValue()).toBe('bad-values');
    await panel.getByRole('button', { name: 'Import' }).click();
    const error = panel.locator('.import-error');
    await error.waitFor();
    expect(await error.innerText()).toMatch(/line 3/i);
    expect(await error.innerText()).toMatch(/column/i);
    await shot(page, 'import-error');
    await panel.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('#field-dataset option[value="bad-values"]').count()).toBe(0);
  });

  it('deletes an imported dataset after a confirmation', async () => {
    const item = page.locator('section[aria-label="imported data"] li[data-dataset="trees"]');
    await item.getByRole('button', { name: 'delete trees' }).click();
    await item.getByRole('button', { name: 'Cancel' }).click();
    expect(await item.count()).toBe(1);
    await item.getByRole('button', { name: 'delete trees' }).click();
    await item.getByRole('button', { name: 'Delete', exact: true }).click();
    await item.waitFor({ state: 'detached' });
    // The form, which had it selected, falls back to the first dataset.
    await page.locator('#field-dataset option[value="trees"]').waitFor({ state: 'detached' });
    expect(await page.getByLabel('Dataset', { exact: true }).inputValue()).toBe('digits');
  });

  it('raised no page error on the way', () => {
    expect(pageProblems).toEqual([]);
  });
});
