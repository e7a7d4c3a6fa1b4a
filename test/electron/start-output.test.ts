import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `npm start` where no window can open (no display, Electron's binary out of reach): the user reads one stream, so
 * the reason there is no window and the URL to open instead must both be on it, the reason first.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const children: ChildProcess[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    await new Promise<void>((done) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      child.kill('SIGTERM');
    });
  }
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('npm start without a window', () => {
  it('prints the reason there is no window, then the URL, both on stdout', { timeout: 60_000 }, async () => {
    expect(existsSync(join(ROOT, 'out', 'main', 'cli.js')), 'the app is built (npx electron-vite build)').toBe(true);
    const folder = mkdtempSync(join(tmpdir(), 'runboard-start-'));
    folders.push(folder);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // Electron's download fails at once (nothing listens there), and there is no display either way.
      ELECTRON_MIRROR: 'http://127.0.0.1:9/',
      electron_config_cache: join(folder, 'electron-cache'),
      RUNBOARD_DB: join(folder, 'runs.db'),
    };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.js'), '--port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines: string[] = [];
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no URL on stdout within 45 s; stdout: ${JSON.stringify(lines)}; stderr: ${stderr}`)), 45_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        if (/^https?:\/\//.test(line)) {
          clearTimeout(timer);
          done();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`npm start exited with ${code} before printing a URL; stdout: ${JSON.stringify(lines)}; stderr: ${stderr}`));
      });
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Desktop window unavailable: .+; serving the same UI in your browser instead\./);
    expect(lines[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*token=/);
    expect(stderr).not.toContain('Desktop window unavailable');
  });
});
