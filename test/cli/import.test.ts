import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventFile } from '../interop/tfevents';
import { BIN, ROOT, assertCliIsBuilt, cliEnv, killAll, listRuns, makeTempDir, removeTempDirs, runCli } from './helpers';

/** `runboard import`: its summary, its exit statuses, its progress bar on a terminal. Needs the build. */

beforeAll(assertCliIsBuilt);
afterEach(killAll);
afterAll(removeTempDirs);

/** A TensorBoard folder of `count` runs of two scalars over three steps. */
function logs(count: number): string {
  const root = join(makeTempDir(), 'logs');
  for (let r = 0; r < count; r++) {
    mkdirSync(join(root, `run-${r}`), { recursive: true });
    writeFileSync(
      join(root, `run-${r}`, `events.out.tfevents.${r}.host.1.0`),
      eventFile([0, 1, 2].map((step) => ({ wallTime: 100 + step, step, values: [{ tag: 'loss', simple: 1 / (step + 1) }, { tag: 'acc', simple: step / 3 }] }))),
    );
  }
  return root;
}

const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** Runs `runboard <args>` under `script` (a pseudo-terminal); returns what the terminal showed. */
function inTerminal(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn('script', ['-q', '-e', '-c', [process.execPath, BIN, ...args].map(shellQuote).join(' '), '/dev/null'], { cwd: ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('runboard import', () => {
  it('imports a folder with a summary, once however often it is run', async () => {
    const db = join(makeTempDir(), 'r.db');
    const folder = logs(3);
    const first = await runCli(['import', folder, '--experiment', 'past', '--db', db]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`Imported 3 runs (18 points) from TensorBoard event files at ${folder}; 0 skipped, 0 failed.\n`);
    const again = await runCli(['import', folder, '--experiment', 'past', '--db', db, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ kind: 'tensorboard', runs: 0, points: 0, failed: [], skipped: [{ name: 'run-0' }, { name: 'run-1' }, { name: 'run-2' }] });
    const runs = await listRuns(db);
    expect(runs.map((r) => [r.name, r.experiment]).sort()).toEqual([
      ['run-0', 'past'],
      ['run-1', 'past'],
      ['run-2', 'past'],
    ]);
  });

  it('exits 1 naming a damaged file and its record, keeping the other runs; 2 for a path with nothing to import', async () => {
    const db = join(makeTempDir(), 'r.db');
    const folder = logs(2);
    const damaged = join(folder, 'run-1', 'events.out.tfevents.1.host.1.0');
    writeFileSync(damaged, 'not a tfrecord at all, but long enough to have a header');
    const result = await runCli(['import', folder, '--db', db]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Imported 1 run (6 points)');
    expect(result.stdout).toContain(`failed ${damaged}: record 1 has a bad CRC-32C on its length: the file is corrupt; nothing of its run was written`);
    expect((await listRuns(db)).map((r) => r.name)).toEqual(['run-0']);
    const empty = makeTempDir();
    const nothing = await runCli(['import', empty, '--db', db]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toBe(`runboard: Nothing to import in ${empty}: no MLflow file store (experiment folders with a meta.yaml, as in mlruns/) and no TensorBoard event files (events.out.tfevents.*) under it.\n`);
  });

  const hasScript = ['/usr/bin/script', '/bin/script'].some((path) => existsSync(path));
  it('shows a progress bar on a terminal, then the summary', async () => {
    if (!hasScript) throw new Error('`script` (util-linux; Debian package bsdutils) is missing: this test needs it to give the CLI a terminal. apt-get install -y bsdutils');
    const folder = logs(4);
    const { code, output } = await inTerminal(['import', folder, '--db', join(makeTempDir(), 'r.db')]);
    expect(code).toBe(0);
    expect(output).toMatch(/\r\[=+>? *\] 1\/4 runs {2}run-0/);
    expect(output).toMatch(/\r\[=+\] 4\/4 runs {2}run-3/);
    expect(output).toContain('Imported 4 runs (24 points)');
  });
});
