import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { ROOT, SHOTS, hasChromium, launchChromium, runIdFromUrl, startServe, stopProcess, suiteTitle, waitForAttribute, type Server } from './harness';

/**
 * The course's transfer experiment, done in the app (Chromium through `serve`): a CNN trained on digits 0-4, fine-tuned
 * on digits 5-9 with its convolutional part frozen and a new output layer, and the same model trained from scratch on
 * 5-9; Compare shows both side by side. Needs the build and /usr/bin/chromium.
 */

const title = suiteTitle('transfer learning between tasks, in the app');
const TRAINING_TIMEOUT = 180_000;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `imgui-${name}.png`), fullPage: true });
}

/** Sets what the New run form shares for the three runs: Adam, 3 epochs, wasm, a name. */
async function fillTraining(page: Page, name: string, lr: string): Promise<void> {
  await page.getByLabel('Optimizer').selectOption('adam');
  await page.getByLabel('Learning rate').fill(lr);
  await page.getByLabel('Epochs').fill('3');
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByLabel('Name').fill(name);
}

/** Starts the form's run and waits on its page until it finishes; resolves with its id. */
async function startAndFinish(page: Page): Promise<number> {
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForURL(/#\/runs\/\d+$/);
  await page.locator('.run-header .badge', { hasText: 'finished' }).waitFor({ timeout: TRAINING_TIMEOUT });
  return runIdFromUrl(page);
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let parentId: number;
  let tunedId: number;
  let scratchId: number;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-transfer-'));
    server = await startServe(join(workDir, 'e2e.db'));
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push(`console error: ${message.text()}`);
    });
    await page.goto(server.url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('trains the cnn on digits 0-4', { timeout: TRAINING_TIMEOUT + 30_000 }, async () => {
    await page.goto(new URL('/#/new', page.url()).href);
    await page.locator('#field-dataset option[value="digits"]').waitFor({ state: 'attached' });
    await page.locator('#field-dataset').selectOption('digits');
    await page.locator('#field-dataset-options').fill('classes=0-4');
    await page.locator('#field-model').selectOption('cnn');
    await page.locator('section[aria-label="model summary"] tbody tr[data-layer="linear(5)"]').waitFor();
    await fillTraining(page, 'digits-0-4', '0.002');
    await page.getByLabel('Seed').fill('1');
    parentId = await startAndFinish(page);
    expect(await page.locator('tr[data-param="dataset"] td.value').innerText()).toBe('digits:classes=0-4');
  });

  it("fine-tunes it on digits 5-9: the parent's layers, conv frozen, a new output layer; another shape is refused", { timeout: TRAINING_TIMEOUT + 30_000 }, async () => {
    await page.getByRole('link', { name: 'Fine-tune' }).click();
    await page.locator('[data-banner="finetune"]').waitFor();
    await expect.poll(() => page.locator('#field-freeze').inputValue()).toBe('conv');
    expect(await page.getByLabel('From run').inputValue()).toBe(String(parentId));
    expect(await page.locator('#field-model').isDisabled(), "the parent's layers are reused").toBe(true);
    expect(await page.locator('#field-model-hint').innerText()).toBe(`Fine-tuning reuses run #${parentId}'s layers`);
    // Data of another shape is refused before anything is sent, on the field that names the parent.
    await page.locator('#field-dataset').selectOption('iris');
    await page.locator('#field-from_run-error', { hasText: `run ${parentId} takes inputs of 1×8×8 but iris has 4: the input shapes differ` }).waitFor();
    await page.locator('#field-dataset').selectOption('digits');
    await page.locator('#field-dataset-options').fill('classes=5-9');
    const summary = page.locator('section[aria-label="model summary"][data-ready="true"]');
    await summary.waitFor();
    expect(await summary.locator('.caption').innerText()).toContain(`Layers of run #${parentId}, with its weights; a new output layer for the other classes`);
    expect(await summary.locator('tr[data-frozen="true"]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-layer')))).toEqual([
      'conv2d(32,3,padding=same)',
      'conv2d(32,3)',
    ]);
    // conv is among the freeze choices, with each layer's weight index.
    expect(await page.locator('#field-freeze-suggestions option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual([
      'none',
      'conv',
      'all-but-last',
      '0',
      '1',
      '2',
    ]);
    await shot(page, 'fine-tune-form');
    await fillTraining(page, 'digits-5-9-tuned', '0.002');
    tunedId = await startAndFinish(page);
    const outcome = page.locator('section[aria-label="outcome"]');
    expect(await outcome.locator('.frozen').innerText()).toBe('frozen: 0 conv2d(32,3,padding=same), 1 conv2d(32,3)');
    expect(await outcome.locator('.replaced').innerText()).toBe('output layer replaced (new classes)');
    // The frozen first convolution kept its filters bit for bit: drawn the same before and after.
    const model = page.locator('section[aria-label="model"]');
    await model.locator('figure[data-when="final"] canvas').waitFor();
    expect(await model.locator('tr[data-frozen="true"]').count()).toBe(2);
    const [before, after] = await model.locator('figure canvas').evaluateAll((canvases) => canvases.map((c) => (c as HTMLCanvasElement).toDataURL()));
    expect(after).toBe(before);
    expect(await page.locator('tr[data-param="from_run"] a').innerText()).toBe(`#${parentId}`);
  });

  it('New run, from a fine-tuning form, is a blank form again: no parent, the model free to choose', async () => {
    await page.goto(new URL(`/#/new?from=${parentId}&mode=finetune`, page.url()).href);
    await expect.poll(() => page.getByLabel('From run').inputValue()).toBe(String(parentId));
    await page.locator('nav a', { hasText: 'New run' }).click();
    await page.waitForURL(/#\/new$/);
    await expect.poll(() => page.getByLabel('From run').inputValue()).toBe('');
    expect(await page.locator('#field-model').isDisabled()).toBe(false);
    expect(await page.locator('[data-banner="finetune"]').count()).toBe(0);
  });

  it('trains the same model from scratch on digits 5-9', { timeout: TRAINING_TIMEOUT + 30_000 }, async () => {
    await page.locator('#field-dataset option[value="digits"]').waitFor({ state: 'attached' });
    await page.locator('#field-dataset').selectOption('digits');
    await page.locator('#field-dataset-options').fill('classes=5-9');
    await page.locator('#field-model').selectOption('cnn');
    await fillTraining(page, 'digits-5-9-scratch', '0.002');
    await page.getByLabel('Seed').fill('1');
    scratchId = await startAndFinish(page);
  });

  it('compares the fine-tuned run with the one trained from scratch, side by side', async () => {
    await page.goto(new URL(`/#/compare?ids=${tunedId},${scratchId}`, page.url()).href);
    const legend = page.locator('[aria-label="compared runs"]');
    await legend.locator(`li[data-run-id="${scratchId}"]`).waitFor();
    expect(await legend.innerText()).toContain('digits-5-9-tuned');
    expect(await legend.innerText()).toContain('digits-5-9-scratch');
    const chart = page.getByLabel(/^Validation accuracy:/);
    const label = await waitForAttribute(chart, 'aria-label', (text) => text.split('(3 points)').length === 3);
    expect(label).toContain(`#${tunedId} digits-5-9-tuned`);
    for (const param of ['from_run', 'freeze']) {
      const row = page.locator(`tr[data-param="${param}"]`);
      await row.waitFor();
      expect(await row.getAttribute('class'), `${param} tells them apart`).toContain('differs');
    }
    expect(await page.locator('tr[data-param="dataset"]').innerText()).toMatch(/digits:classes=5-9[\s\S]*digits:classes=5-9/);
    await shot(page, 'transfer-compare');
    expect(pageProblems).toEqual([]);
  });
});
