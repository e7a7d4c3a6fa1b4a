/**
 * The New run form says which device a run would train on, as the host finds it (`system/device`): for `auto`, the
 * backend it takes and what it passed over (a software WebGPU adapter); for `webgpu` by name, the adapter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, hasChromium, launchChromium, startServe, stopProcess, suiteTitle, type Server } from './harness';
import { SWIFTSHADER_ICD, webgpuRuns } from '../helpers/webgpu';

describe.skipIf(!hasChromium)(suiteTitle('the New run form shows the device a run would use'), () => {
  let workDir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  const previousDrivers = process.env.VK_ICD_FILENAMES;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'runboard-e2e-device-'));
    // serve's training processes inherit this: Dawn sees SwiftShader alone, as on a machine without a GPU.
    if (webgpuRuns) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    server = await startServe(join(workDir, 'e2e.db'));
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    if (previousDrivers === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = previousDrivers;
  });

  it('shows the backend auto takes and its device, and what auto passed over', async () => {
    await page.goto(server.url);
    await page.goto(new URL('/#/new', page.url()).href);
    const device = page.getByTestId('run-device');
    await device.getByText('Trains on').waitFor({ timeout: 30_000 });
    expect(await device.innerText()).toMatch(/Trains on CPU \(WebAssembly( SIMD)?, 1 thread\) \(auto takes wasm\)/);
    if (webgpuRuns) {
      expect(await device.innerText()).toMatch(/passed over: webgpu/);
      expect(await device.locator('[title]').getAttribute('title')).toMatch(/webgpu: only a software adapter was found \(SwiftShader/);
    }
    await device.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'run-device-auto.png'), fullPage: true });
  });

  it.skipIf(!webgpuRuns)('shows the WebGPU adapter, software or not, when webgpu is chosen', async () => {
    await page.getByLabel('Backend').selectOption('webgpu');
    const device = page.getByTestId('run-device');
    await device.getByText('SwiftShader').waitFor({ timeout: 30_000 });
    expect(await device.innerText()).toMatch(/Trains on GPU \(WebGPU, software adapter on the CPU\): SwiftShader driver [\d.]+ \[vendor google, architecture swiftshader\]/);
    await page.screenshot({ path: join(SHOTS, 'run-device-webgpu.png'), fullPage: true });
  });
});
