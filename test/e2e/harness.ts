import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** What every browser test shares: the built CLI, `runboard serve` on a database, and Debian's Chromium. */

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'bin', 'runboard.js');
/** Where the screenshots go, to be looked at. */
export const SHOTS = join(tmpdir(), 'runboard-shots');
const chromiumInstalled = existsSync(CHROMIUM);
/**
 * Set to 1 by CI (`.ci/run`): the browser tests must run there, so a missing Chromium fails them (at launch) instead
 * of skipping them. A developer's `npm test` without Chromium still skips them, saying why.
 */
export const browserRequired = process.env.RUNBOARD_REQUIRE_BROWSER === '1';
/** Whether the browser suites run: Chromium is installed, or the environment requires them (see `browserRequired`). */
export const hasChromium = chromiumInstalled || browserRequired;

/** A suite's title, saying why it is skipped where Chromium is missing. */
export function suiteTitle(title: string): string {
  return hasChromium ? title : `${title} (skipped: ${CHROMIUM} not found; apt-get install -y chromium)`;
}

export interface Server {
  process: ChildProcess;
  url: string;
}

/**
 * Starts `runboard serve` on a free port and resolves with the first stdout line: the URL with the token.
 * @param env Added to the environment (`RUNBOARD_DATASETS_MIRROR`: where dataset downloads come from).
 */
export function startServe(dbPath: string, env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', dbPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within 30 s. stderr:\n${stderr}`)), 30_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolveStart({ process: child, url: line.trim() });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with code ${code} before printing its URL. stderr:\n${stderr}`));
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited after 10 s; resolves once the process is gone. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

/** Debian's Chromium, headless, with the flags these machines need (see facts.md); makes the screenshot folder. */
export function launchChromium(): Promise<Browser> {
  if (!chromiumInstalled) {
    return Promise.reject(new Error(`${CHROMIUM} not found, and RUNBOARD_REQUIRE_BROWSER=1 (set by .ci/run) requires the browser tests: apt-get install -y chromium`));
  }
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Polls an attribute until `accept` holds (charts and counts arrive asynchronously); resolves with its value. */
export async function waitForAttribute(locator: Locator, name: string, accept: (value: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = (await locator.getAttribute(name)) ?? '';
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`${name} never matched; last value: ${value}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

/** The run id of a `#/runs/ID` page. */
export function runIdFromUrl(page: Page): number {
  return Number(new URL(page.url()).hash.split('/').pop());
}
