import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { MODEL_PRESETS } from '../../src-shared/model/layers';
import { planFor } from '../../src-shared/model/resolve';
import { ROOT, SHOTS, hasChromium, launchChromium, runIdFromUrl, startServe, stopProcess, suiteTitle, waitForAttribute, type Server } from './harness';

/**
 * A convolutional network built from the New run page, in Chromium through `serve`: the live model summary (planned
 * in the browser by the shared planner), a layer that does not fit refused with its column, the augmentation preview
 * (samples of the dataset, augmented in the page), a run started and watched until it finishes, and its page: the
 * model panel, the first convolution's filters, the gallery drawn as images, the confusion matrix and the speed.
 * Uses digits (1×8×8) so that the run takes seconds. Needs the build and /usr/bin/chromium.
 */

const title = suiteTitle('a CNN from the New run page to its run page');
const TRAINING_TIMEOUT = 180_000;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `imgui-${name}.png`), fullPage: true });
}

/** Every canvas of a locator as a data URL, to tell whether what they draw changed. */
function canvasImages(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((canvases) => canvases.map((canvas) => (canvas as HTMLCanvasElement).toDataURL()));
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let runId: number;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-imgui-'));
    server = await startServe(join(workDir, 'e2e.db'));
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push(`console error: ${message.text()}`);
    });
    await page.goto(server.url);
    await page.goto(new URL('/#/new', page.url()).href);
    await page.locator('#field-dataset option[value="digits"]').waitFor({ state: 'attached' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('plans the cnn preset on digits live: each layer, its output shape and parameters, the added output layer, the total', async () => {
    await page.locator('#field-dataset').selectOption('digits');
    await page.locator('#field-model').selectOption('cnn');
    const summary = page.locator('section[aria-label="model summary"][data-ready="true"]');
    await summary.waitFor();
    const plan = planFor({ model: 'cnn', hidden: [], activation: 'relu', dropout: [] }, { kind: 'image', channels: 1, height: 8, width: 8 }, 10);
    if (!plan.ok) throw new Error(plan.message);
    const rows = summary.locator('tbody tr[data-layer]');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-layer')))).toEqual(plan.value.layers.map((l) => l.text));
    expect(await rows.first().locator('td').allInnerTexts()).toEqual(['1', 'conv2d(32,3,padding=same)', '32×8×8', '320', '0', 'yes']);
    expect(await rows.last().innerText()).toContain('output layer, added');
    expect(Number(await summary.locator('[data-total-params]').getAttribute('data-total-params'))).toBe(plan.value.params);
    expect(await page.locator('[data-preset="cnn"]').innerText()).toBe(MODEL_PRESETS.cnn);
  });

  it('refuses a layer that does not fit the data next to the layer list, with its column, before anything is sent', async () => {
    await page.locator('#field-model').selectOption('custom');
    await page.locator('#field-layers').fill('conv2d(8,3),maxpool2d(2),conv2d(8,5)');
    const error = page.locator('#field-layers-error');
    await error.waitFor();
    expect(await error.innerText()).toBe(
      'layer 3 (conv2d(8,5), column 26) has a 5×5 kernel but meets an image of 8×3×3 (channels×height×width): the kernel is larger than the image (dataset digits)',
    );
    expect(await page.locator('section[aria-label="model summary"]').getAttribute('data-ready')).toBe('false');
    await page.getByRole('button', { name: 'Start run' }).click();
    expect(page.url(), 'nothing was started').toMatch(/#\/new$/);
    // A typo is refused with its column too, by the shared parser.
    await page.locator('#field-layers').fill('conv2d(8,3),relu,linar(10)');
    await page.locator('#field-layers-error', { hasText: 'column 18: unknown layer "linar"' }).waitFor();
    await page.locator('#field-model').selectOption('cnn');
    await page.locator('section[aria-label="model summary"][data-ready="true"]').waitFor();
  });

  it('previews augmented samples of the dataset, and draws new ones on demand; a table takes noise only', async () => {
    await page.locator('#field-augment').fill('rotate=20,shift=1,flip=h');
    const preview = page.locator('section[aria-label="augmentation preview"]');
    // Eight samples as stored, and three augmentations of each.
    await page.waitForFunction(() => document.querySelectorAll('section[aria-label="augmentation preview"] canvas').length === 32);
    expect(await preview.locator('[data-row="original"]').count()).toBe(8);
    const before = await canvasImages(page, 'section[aria-label="augmentation preview"] canvas');
    expect(new Set(before).size, 'the samples and their augmentations differ').toBeGreaterThan(16);
    await preview.getByRole('button', { name: 'New samples' }).click();
    await waitForAttribute(preview, 'data-seed', (seed) => seed === '1');
    await page.waitForFunction(
      (first) => (document.querySelector('section[aria-label="augmentation preview"] canvas') as HTMLCanvasElement | null)?.toDataURL() !== first,
      before[0],
      { timeout: 10_000 },
    );
    await shot(page, 'new-run-cnn');
    // On a table, geometric augmentation is refused next to its field, and the preview is not offered.
    await page.locator('#field-dataset').selectOption('iris');
    await page.locator('#field-augment-error', { hasText: 'iris is a table, so only noise applies' }).waitFor();
    expect(await preview.count()).toBe(0);
    expect(await page.locator('#field-model-error').innerText()).toContain('this dataset is a table, not images');
    await page.locator('#field-augment').fill('noise=0.1');
    expect(await page.locator('#field-augment-hint').innerText()).toContain('only noise applies');
    await page.locator('#field-dataset').selectOption('digits');
    await page.locator('#field-augment').fill('rotate=10,shift=1');
    await page.locator('section[aria-label="model summary"][data-ready="true"]').waitFor();
  });

  it('starts the CNN and follows it until it finishes', { timeout: TRAINING_TIMEOUT + 30_000 }, async () => {
    await page.getByLabel('Optimizer').selectOption('adam');
    await page.getByLabel('Learning rate').fill('0.002');
    await page.getByLabel('Epochs').fill('6');
    await page.getByLabel('Backend').selectOption('wasm');
    await page.getByLabel('Name').fill('digits-cnn');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs\/\d+$/);
    runId = runIdFromUrl(page);
    // Watched while it trains: the epochs logged go up, one by one, live.
    const epochs = page.locator('.facts div', { hasText: 'epochs logged' }).locator('dd');
    await epochs.filter({ hasText: /^[1-5]$/ }).waitFor({ timeout: TRAINING_TIMEOUT });
    expect(await page.locator('.run-header .badge').innerText()).toBe('running');
    await page.locator('.run-header .badge', { hasText: 'finished' }).waitFor({ timeout: TRAINING_TIMEOUT });
    expect(await epochs.innerText()).toBe('6');
  });

  it("shows the run's model, its filters before and after, the gallery as images, the confusion matrix and the speed", async () => {
    expect(await page.locator('.run-header .run-id').innerText()).toBe(`#${runId}`);
    const model = page.locator('section[aria-label="model"]');
    const rows = model.locator('tbody tr[data-layer]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(11);
    expect(await rows.first().locator('td').allInnerTexts()).toEqual(['1', 'conv2d(32,3,padding=same)', '32×8×8', '320', '0', 'yes']);
    expect(await model.locator('h2').innerText()).toMatch(/Model · [\d,]+ parameters · input 1×8×8/);
    // 32 filters of 3×3, at initialisation and after training, drawn and different.
    const initial = model.locator('figure[data-when="initial"] canvas');
    const final = model.locator('figure[data-when="final"] canvas');
    await final.waitFor();
    expect(await initial.getAttribute('data-filters')).toBe('32');
    expect(await final.getAttribute('data-filters')).toBe('32');
    const [before, after] = [...(await canvasImages(page, 'section[aria-label="model"] figure canvas'))];
    expect(before).not.toBe(after);
    // The gallery draws each mistake as an image with its class names.
    const gallery = page.locator('[aria-label="misclassified samples"]');
    await gallery.waitFor();
    const samples = gallery.locator('figure.sample');
    expect(await samples.count()).toBeGreaterThan(0);
    expect(await samples.first().locator('canvas').count()).toBe(1);
    expect(await samples.first().locator('figcaption').innerText()).toMatch(/^true \d → predicted \d/);
    expect(await page.locator('table.matrix tbody tr').count()).toBe(11);
    expect(await page.locator('[data-fact="speed"] dd').innerText()).toMatch(/^[\d.]+ s per epoch · [\d,]+ samples\/s$/);
    // The Params card holds its values, the long layer list included: none is pushed out of the card (and under the
    // Lineage card beside it, where `dataset` and `model` were hidden).
    const params = page.locator('section.card:has(> h2:text-is("Params"))');
    expect(await params.locator('tr[data-param="layers"] td.value').innerText()).toContain('conv2d(32,3,padding=same),relu,');
    const overflow = await params.evaluate((card) => {
      const box = card.getBoundingClientRect();
      return [...card.querySelectorAll('td.value')].filter((cell) => cell.getBoundingClientRect().right > box.right + 0.5).map((cell) => cell.parentElement?.getAttribute('data-param'));
    });
    expect(overflow, 'param values drawn outside the Params card').toEqual([]);
    await shot(page, 'cnn-run');
    expect(pageProblems).toEqual([]);
  });
});
