import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import type { RunSummary } from '../../src-shared/entities/run';
import { CLI, ROOT, SHOTS, hasChromium, suiteTitle, type Server, startServe, stopProcess, launchChromium } from './harness';

/**
 * In Chromium through `serve`: Export saves exactly the columns the table shows, in their order; a fine-tuned run's
 * page says where its weights came from (not an initializer); the fine-tune form proposes a tenth of the parent's
 * learning rate; the New run form offers no momentum to Adam. Needs the build and /usr/bin/chromium.
 */

const title = suiteTitle('export of the visible columns, fine-tuning wording, params that apply');
const TRAINING_TIMEOUT = 120_000;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `cli9-${name}.png`), fullPage: true });
}

function train(dbPath: string, args: string[]): RunSummary {
  return JSON.parse(execFileSync(process.execPath, [CLI, 'train', ...args, '--backend', 'wasm', '--json', '--db', dbPath], { cwd: ROOT, encoding: 'utf8', timeout: TRAINING_TIMEOUT })) as RunSummary;
}

/** What a visible column exports as, by the column id the table header carries. */
function exportNames(id: string): string[] {
  const names: Record<string, string[]> = { duration: ['duration_s'], created: ['created_at'], sweep: ['sweep_id', 'trial'] };
  return names[id] ?? [id];
}

describe.skipIf(!hasChromium)(title, () => {
  let workDir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let parent: RunSummary;
  let tuned: RunSummary;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'the renderer is built (npm run build)').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'runboard-cli9-'));
    const dbPath = join(workDir, 'e2e.db');
    parent = train(dbPath, ['--dataset', 'iris', '--hidden', '16,8', '--lr', '0.05', '--epochs', '3', '--seed', '1', '--name', 'iris-parent']);
    tuned = train(dbPath, ['--dataset', 'iris', '--from-run', String(parent.run_id), '--freeze', 'all-but-last', '--lr', '0.005', '--epochs', '2', '--name', 'iris-tuned']);
    server = await startServe(dbPath);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push(`console error: ${message.text()}`);
    });
    await page.goto(server.url);
    await page.locator('tbody tr[data-run-id]').nth(1).waitFor();
  }, TRAINING_TIMEOUT * 2 + 30_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.process);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('exports exactly the visible columns, in their order: gap, created and tags included', async () => {
    const annotated = await page.evaluate(async (runId) => {
      const response = await fetch('/api/runs/annotate', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ run_id: runId, tags: { stage: 'paper' } }) });
      return response.ok;
    }, tuned.run_id);
    expect(annotated).toBe(true);
    await page.locator(`tr[data-run-id="${tuned.run_id}"] .tag`, { hasText: 'stage' }).waitFor();
    const visible = await page.locator('thead th[data-column]').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-column') ?? ''));
    expect(visible).toEqual(expect.arrayContaining(['gap', 'created', 'tags']));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const text = readFileSync(await download.path(), 'utf8');
    expect(text.split(/\r?\n/)[0]?.split(',')).toEqual(visible.flatMap(exportNames));
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const row = rows.find((r) => Number(r.run_id) === tuned.run_id) as Record<string, string>;
    const stored = JSON.parse(execFileSync(process.execPath, [CLI, 'runs', '--json', '--db', join(workDir, 'e2e.db')], { cwd: ROOT, encoding: 'utf8' })) as RunSummary[];
    const run = stored.find((r) => r.run_id === tuned.run_id) as RunSummary;
    expect(row.tags).toBe('stage=paper');
    expect(row.created_at).toBe(new Date(run.created_at).toISOString());
    expect(Number(row.gap)).toBeCloseTo((run.metrics.train_accuracy as number) - (run.metrics.val_accuracy as number), 10);
    await page.getByRole('status').filter({ hasText: /^Exported 2 runs as CSV/ }).waitFor();
  });

  it("a fine-tuned run's page says its weights came from its parent, with the frozen layers, and lists no initializer", async () => {
    await page.goto(new URL(`/#/runs/${tuned.run_id}`, page.url()).href);
    const caption = page.locator('section[aria-label="weight histograms"] h2 [data-origin]');
    await caption.waitFor();
    expect(await caption.getAttribute('data-origin')).toBe('parent');
    await page.locator('section[aria-label="weight histograms"] figure[data-layer]').first().waitFor();
    expect((await caption.innerText()).replace(/\s+/g, ' ').trim()).toBe(`· from run #${parent.run_id}'s final weights, frozen: hidden 0, hidden 1`);
    expect(await caption.getByRole('link', { name: `#${parent.run_id}` }).getAttribute('href')).toBe(`#/runs/${parent.run_id}`);
    expect(await page.getByText('initialized with').count()).toBe(0);
    expect(await page.locator('tr[data-param="init"]').count()).toBe(0);
    expect(await page.locator('tr[data-param="from_run"] a').innerText()).toBe(`#${parent.run_id}`);
    expect(await page.locator('tr[data-param="freeze"] td.value').innerText()).toBe('all-but-last');
    await shot(page, 'fine-tuned-run');
    // The parent says what it was initialized with.
    await page.goto(new URL(`/#/runs/${parent.run_id}`, page.url()).href);
    await page.locator('section[aria-label="weight histograms"] [data-origin="initialized"]', { hasText: 'initialized with glorot-uniform' }).waitFor();
  });

  it("the fine-tune form proposes a tenth of the parent's learning rate, and its banner says so", async () => {
    await page.goto(new URL(`/#/new?from=${parent.run_id}&mode=finetune`, page.url()).href);
    const banner = page.locator('[data-banner="finetune"]');
    await banner.waitFor();
    await page.waitForFunction(() => (document.querySelector('input[name="lr"]') as HTMLInputElement | null)?.value === '0.005');
    expect(await page.getByLabel('Learning rate').inputValue()).toBe('0.005');
    expect((await banner.innerText()).replace(/\s+/g, ' ')).toContain('The learning rate starts at a tenth of its 0.05 (0.005)');
    expect(await page.getByLabel('From run').inputValue()).toBe(String(parent.run_id));
    await shot(page, 'fine-tune-form');
    // The user may change it: the form keeps what is typed.
    await page.getByLabel('Learning rate').fill('0.01');
    expect(await page.getByLabel('Learning rate').inputValue()).toBe('0.01');
  });

  it('the New run form offers momentum to SGD and RMSprop only', async () => {
    await page.goto(new URL('/#/new', page.url()).href);
    const optimizer = page.getByLabel('Optimizer');
    await optimizer.waitFor();
    await optimizer.selectOption('sgd');
    expect(await page.getByLabel('Momentum', { exact: true }).count()).toBe(1);
    await optimizer.selectOption('adam');
    expect(await page.getByLabel('Momentum', { exact: true }).count()).toBe(0);
    await shot(page, 'new-run-adam');
    await optimizer.selectOption('rmsprop');
    expect(await page.getByLabel('Momentum', { exact: true }).count()).toBe(1);
    expect(pageProblems).toEqual([]);
  });
});
