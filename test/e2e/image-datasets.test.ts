import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { png, writeImageFolder } from '../datasets/image-files';
import { ROOT, SHOTS, hasChromium, launchChromium, startServe, stopProcess, suiteTitle, type Server } from './harness';

/**
 * Image data in the app, in Chromium through `serve`: an image folder imported by its path on the host (a file it
 * cannot read listed, refusals shown), and the MNIST and Fashion-MNIST download buttons against a local mirror
 * (`RUNBOARD_DATASETS_MIRROR`), never the internet: a mirror that has no files, one whose files are not MNIST's
 * (checksums), and Debian's Fashion-MNIST files for a download that succeeds with its progress shown.
 */

const title = suiteTitle('image datasets in the app: import by path, downloads');
const DEBIAN_FASHION = '/usr/share/datasets/fashion-mnist';

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `imgui-${name}.png`), fullPage: true });
}

/** A mirror that serves Debian's Fashion-MNIST files slowly (so that progress shows), or nothing at all. */
function mirrorServer(files: Map<string, Buffer>): Promise<{ server: HttpServer; url: string; serving: { on: boolean } }> {
  const serving = { on: false };
  const server = createServer((request, response) => {
    const body = files.get(decodeURIComponent((request.url ?? '/').slice(1)));
    if (!serving.on || !body) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-length': body.length });
    const chunk = 1 << 20;
    let at = 0;
    const next = (): void => {
      if (at >= body.length) {
        response.end();
        return;
      }
      response.write(body.subarray(at, at + chunk));
      at += chunk;
      setTimeout(next, 40);
    };
    next();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, serving })));
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let server: Server;
  let mirror: Awaited<ReturnType<typeof mirrorServer>>;
  let browser: Browser;
  let page: Page;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    if (!existsSync(DEBIAN_FASHION)) throw new Error(`${DEBIAN_FASHION} is missing: install Debian's dataset-fashion-mnist (.ci/run does).`);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-imgdata-'));
    const files = new Map(readdirSync(DEBIAN_FASHION).map((name) => [name, readFileSync(join(DEBIAN_FASHION, name))]));
    mirror = await mirrorServer(files);
    server = await startServe(join(workDir, 'e2e.db'), { RUNBOARD_DATASETS_MIRROR: mirror.url });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Refused imports and downloads answer 400 or 500 on purpose; the browser logs them like any failed load.
      if (message.type() === 'error' && !/status of (400|500)/.test(message.text())) pageProblems.push(`console error: ${message.text()}`);
    });
    await page.goto(server.url);
    await page.goto(new URL('/#/new', page.url()).href);
    await page.locator('#field-dataset option[value="digits"]').waitFor({ state: 'attached' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    mirror?.server.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('refuses a path that cannot be read, and a folder with a single class, saying why', async () => {
    await page.getByRole('button', { name: 'Import images…' }).click();
    const form = page.locator('form[aria-label="import images"]');
    await form.getByLabel('Path').fill(join(workDir, 'nowhere'));
    expect(await form.getByLabel('Dataset name').inputValue(), 'named after the last folder').toBe('nowhere');
    await form.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('#image-path-error', { hasText: `${join(workDir, 'nowhere')} cannot be read (ENOENT)` }).waitFor();
    const single = writeImageFolder(join(workDir, 'single'), { only: { 'a.png': png(4, 4, () => [0, 0, 0]), 'b.png': png(4, 4, () => [255, 255, 255]) } });
    await form.getByLabel('Path').fill(single);
    await form.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('#image-path-error', { hasText: 'one class' }).waitFor();
    expect(await page.locator('[data-dataset]').count(), 'nothing was imported').toBe(0);
  });

  it('imports an image folder by its path, resized, lists the file it skipped, and selects it', async () => {
    const red = (x: number, y: number): [number, number, number] => [200 + ((x + y) % 2) * 40, 30, 30];
    const blue = (x: number, y: number): [number, number, number] => [30, 30, 200 + ((x * y) % 2) * 40];
    const folder = writeImageFolder(join(workDir, 'shapes'), {
      circle: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`${i}.png`, png(12, 12, red)])),
      square: { ...Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`${i}.png`, png(12, 12, blue)])), 'broken.png': 'not an image' },
    });
    const form = page.locator('form[aria-label="import images"]');
    await form.getByLabel('Path').fill(folder);
    await form.getByLabel('Size (image folders)').fill('8');
    expect(await page.locator('#image-size-error').innerText()).toContain('e.g. 32x32');
    await form.getByLabel('Size (image folders)').fill('8x8');
    await shot(page, 'image-import-form');
    await form.getByRole('button', { name: 'Import', exact: true }).click();
    const result = page.locator('section[aria-label="imported images"]');
    await result.waitFor();
    expect(await result.locator('p').first().innerText()).toContain('Imported shapes: 12 images · 3×8×8 · 2 classes (circle, square)');
    expect(await result.locator('.skipped li').innerText()).toMatch(/^square[/\\]broken\.png /);
    expect(await page.locator('li[data-dataset="shapes"] .size').innerText()).toBe('12 images · 3×8×8 · 2 classes');
    expect(await page.locator('#field-dataset').inputValue()).toBe('shapes');
    // Its samples, in colour, in the augmentation preview.
    await page.waitForFunction(() => document.querySelectorAll('section[aria-label="augmentation preview"] canvas').length > 0);
  });

  it('says why a download failed: a mirror without the files, then files that are not the official ones', { timeout: 120_000 }, async () => {
    const mnist = page.locator('li[data-download="mnist"]');
    await mnist.getByRole('button', { name: 'Download' }).click();
    await mnist.locator('.error-banner', { hasText: 'the server answered 404' }).waitFor({ timeout: 60_000 });
    mirror.serving.on = true;
    // The mirror now serves Fashion-MNIST's files under MNIST's names: their checksums are not MNIST's.
    await mnist.getByRole('button', { name: 'Try again' }).click();
    await mnist.locator('.error-banner', { hasText: 'not the official' }).waitFor({ timeout: 60_000 });
    expect(await mnist.locator('.error-banner').innerText()).toContain('it was removed and nothing was imported');
    expect(await page.locator('li[data-dataset="mnist"]').count()).toBe(0);
  });

  it('downloads Fashion-MNIST with a progress bar, checks it, imports it with its test set and lists its shape', { timeout: 180_000 }, async () => {
    const fashion = page.locator('li[data-download="fashion-mnist"]');
    await fashion.getByRole('button', { name: 'Download' }).click();
    const bar = fashion.getByRole('progressbar');
    await page.waitForFunction(() => {
      const now = Number(document.querySelector('li[data-download="fashion-mnist"] [role="progressbar"]')?.getAttribute('aria-valuenow') ?? 0);
      return now > 0 && now < 100;
    });
    expect(await bar.getAttribute('aria-label')).toBe('Fashion-MNIST download');
    expect(await fashion.innerText()).toMatch(/[\d.]+ MB of [\d.]+ MB/);
    await shot(page, 'datasets-download');
    // The download goes on, and is shown, when the page is left and opened again.
    await page.locator('nav a', { hasText: 'Runs' }).click();
    await page.waitForURL(/#\/runs/);
    await page.locator('nav a', { hasText: 'New run' }).click();
    await fashion.waitFor();
    expect(['downloading', 'done']).toContain(await fashion.getAttribute('data-status'));
    await fashion.locator('p[role="status"]', { hasText: 'Imported fashion-mnist: 70,000 images (10,000 test) · 1×28×28 · 10 classes.' }).waitFor({ timeout: 150_000 });
    expect(await page.locator('li[data-dataset="fashion-mnist"] .size').innerText()).toBe('70,000 images (10,000 test) · 1×28×28 · 10 classes');
    expect(await page.locator('#field-dataset option[value="fashion-mnist"]').innerText()).toBe('fashion-mnist — 70,000 images (10,000 test) · 1×28×28 · 10 classes');
    expect(pageProblems).toEqual([]);
  });
});
