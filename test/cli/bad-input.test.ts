import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, assertCliIsBuilt, killAll, makeTempDir, removeTempDirs, runCli, withReadonlyDb } from './helpers';

/** The tiny run, as flags the cases below override one at a time. */
const BASE: Record<string, string> = { '--dataset': 'iris', '--hidden': '8', '--epochs': '3', '--backend': 'wasm' };

function trainArgs(overrides: Record<string, string>, db: string): string[] {
  const flags = { ...BASE, ...overrides };
  return ['train', ...Object.entries(flags).flat(), '--db', db];
}

/** Nothing was written: the database file does not exist, or it holds no run, no param and no metric. */
function assertNothingWritten(db: string): void {
  if (!existsSync(db)) return;
  const counts = withReadonlyDb(db, (d) => ({
    runs: (d.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n,
    params: (d.prepare('SELECT count(*) AS n FROM params').get() as { n: number }).n,
    metrics: (d.prepare('SELECT count(*) AS n FROM metrics').get() as { n: number }).n,
  }));
  expect(counts).toEqual({ runs: 0, params: 0, metrics: 0 });
}

interface Case {
  what: string;
  overrides: Record<string, string>;
  /** The flag the message must name. */
  flag: string;
  /** What else the message must say. */
  says?: RegExp;
}

const CASES: Case[] = [
  { what: 'an unknown dataset', overrides: { '--dataset': 'mnist' }, flag: '--dataset', says: /mnist/ },
  { what: 'a learning rate of 0', overrides: { '--lr': '0' }, flag: '--lr', says: /greater than 0/ },
  { what: 'a negative learning rate', overrides: { '--lr': '-1' }, flag: '--lr', says: /greater than 0/ },
  { what: 'a learning rate that is not a number (NaN)', overrides: { '--lr': 'abc' }, flag: '--lr', says: /number/ },
  { what: 'a batch size of 0', overrides: { '--batch-size': '0' }, flag: '--batch-size' },
  { what: 'zero epochs', overrides: { '--epochs': '0' }, flag: '--epochs' },
  { what: 'a dropout of 1', overrides: { '--dropout': '1' }, flag: '--dropout', says: /below 1/ },
  { what: 'a dropout of 1.5', overrides: { '--dropout': '1.5' }, flag: '--dropout', says: /below 1/ },
  { what: 'a hidden size of 0', overrides: { '--hidden': '0' }, flag: '--hidden' },
  { what: 'a hidden size of 0 after a valid one (8,0)', overrides: { '--hidden': '8,0' }, flag: '--hidden' },
  { what: 'an unknown backend', overrides: { '--backend': 'tpu' }, flag: '--backend', says: /wasm/ },
  { what: 'a validation split that leaves no validation data (0.001 on iris)', overrides: { '--val-split': '0.001' }, flag: '--val-split', says: /validation/ },
  { what: 'an unknown optimizer', overrides: { '--optimizer': 'lbfgs' }, flag: '--optimizer', says: /sgd/ },
  { what: 'an unknown activation', overrides: { '--activation': 'swish' }, flag: '--activation', says: /relu/ },
  { what: 'a seed that is not a whole number', overrides: { '--seed': '1.5' }, flag: '--seed' },
];

beforeAll(() => assertCliIsBuilt());
afterAll(() => {
  killAll();
  removeTempDirs();
});

describe.concurrent('runboard train refuses bad input before anything is written', () => {
  for (const c of CASES) {
    it(`refuses ${c.what} with exit status 2, naming ${c.flag}`, async () => {
      const db = join(makeTempDir(), 'x.db');
      const result = await runCli(trainArgs(c.overrides, db));
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(c.flag);
      if (c.says) expect(result.stderr).toMatch(c.says);
      expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
      expect(result.stdout).toBe('');
      assertNothingWritten(db);
    });
  }

  it('refuses a native backend whose package is not installed with exit status 2, saying why', async (ctx) => {
    const installed = existsSync(join(ROOT, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'));
    if (installed) ctx.skip('@tensorflow/tfjs-node is installed here: nothing to refuse (trainer-host.test.ts checks what an installed backend does)');
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(trainArgs({ '--backend': 'tensorflow' }, db));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/tensorflow/);
    expect(result.stderr).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect(result.stdout).toBe('');
    assertNothingWritten(db);
  });

  it('refuses a missing --dataset with exit status 2, naming it', async () => {
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(['train', '--epochs', '1', '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--dataset');
    expect(existsSync(db)).toBe(false);
  });
});
