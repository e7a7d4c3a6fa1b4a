import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PARAM_KEYS } from '../../src-shared/entities/train-config';
import { TINY, assertCliIsBuilt, epochLines, killAll, listRuns, makeTempDir, removeTempDirs, runCli, withReadonlyDb } from './helpers';

/** Every hyperparameter is logged; the fine-tuning and sanity-check ones only when they are used. */
// An MLP made from --hidden records its expanded layer list too, but no model name.
const HYPERPARAMETERS = PARAM_KEYS.filter((key) => key !== 'overfit_batch' && key !== 'from_run' && key !== 'model');
const EPOCH_METRICS = ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'lr'];

interface TrainJson {
  run_id: number;
  status: string;
  backend: string;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  epochs: number;
  error: string | null;
}

/** stdout must be exactly one line holding one JSON object. */
function parseSingleJsonLine(stdout: string): TrainJson {
  expect(stdout.endsWith('\n')).toBe(true);
  const lines = stdout.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  const value: unknown = JSON.parse(lines[0] as string);
  expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  return value as TrainJson;
}

beforeAll(() => assertCliIsBuilt());
afterEach(() => killAll());
afterAll(() => removeTempDirs());

describe('runboard train --json', () => {
  it('prints exactly one JSON object with run_id, status, backend, typed params and final metrics, and exits 0 when the run finished', async () => {
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(['train', ...TINY, '--seed', '11', '--json', '--db', db]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const summary = parseSingleJsonLine(result.stdout);

    expect(summary.run_id).toBe(1);
    expect(summary.status).toBe('finished');
    expect(summary.backend).toBe('wasm');
    expect(summary.epochs).toBe(3);
    expect(summary.error).toBeNull();

    // Every hyperparameter, typed: numbers as numbers, the layer list as text.
    expect(Object.keys(summary.params).sort()).toEqual([...HYPERPARAMETERS].sort());
    expect(summary.params).toEqual({
      dataset: 'iris',
      layers: 'linear(8),relu,dropout(0.2)',
      hidden: '8',
      activation: 'relu',
      init: 'glorot-uniform',
      bias_init: 'zeros',
      dropout: 0.2,
      optimizer: 'sgd',
      lr: 0.01,
      momentum: 0.9,
      nesterov: false,
      weight_decay: 0,
      lr_schedule: 'constant',
      batch_size: 32,
      epochs: 3,
      seed: 11,
      val_split: 0.2,
      test_split: 0,
      standardize: false,
      augment: 'none',
      early_stopping: 'off',
      freeze: 'none',
      backend: 'wasm',
    });

    expect(Object.keys(summary.metrics).sort()).toEqual([...EPOCH_METRICS].sort());
    for (const key of EPOCH_METRICS) {
      const value = summary.metrics[key];
      expect(typeof value, key).toBe('number');
      expect(Number.isFinite(value), key).toBe(true);
    }
    for (const key of ['train_accuracy', 'val_accuracy']) {
      expect(summary.metrics[key]).toBeGreaterThanOrEqual(0);
      expect(summary.metrics[key]).toBeLessThanOrEqual(1);
    }

    // The summary is what was stored: the final epoch's values.
    const stored = withReadonlyDb(db, (d) =>
      d.prepare("SELECT key, value FROM metrics WHERE run_id = 1 AND step = 3").all() as { key: string; value: number }[],
    );
    expect(Object.fromEntries(stored.map((r) => [r.key, r.value]))).toEqual(summary.metrics);
  });

  it('gives identical metrics for the same seed on the same backend', async () => {
    const dir = makeTempDir();
    const [a, b] = await Promise.all([
      runCli(['train', ...TINY, '--seed', '42', '--json', '--db', join(dir, 'a.db')]),
      runCli(['train', ...TINY, '--seed', '42', '--json', '--db', join(dir, 'b.db')]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const first = parseSingleJsonLine(a.stdout);
    const second = parseSingleJsonLine(b.stdout);
    expect(second.metrics).toEqual(first.metrics);
    expect(second.params).toEqual(first.params);
  });

  it('chooses a seed when none is given, and records it as a param', async () => {
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(['train', ...TINY, '--json', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    const summary = parseSingleJsonLine(result.stdout);
    expect(Number.isInteger(summary.params.seed)).toBe(true);
    expect((summary as unknown as { seed: number }).seed).toBe(summary.params.seed);
  });
});

describe('runboard train (text output)', () => {
  it('prints one line per epoch and no JSON on stdout, and exits 0', async () => {
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(['train', ...TINY, '--seed', '3', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    expect(epochLines(result.stdout)).toBe(3);
    for (const n of [1, 2, 3]) expect(result.stdout).toMatch(new RegExp(`^epoch ${n}: train_loss \\S+  train_accuracy \\S+  val_loss \\S+  val_accuracy \\S+$`, 'm'));
    expect(result.stdout).toMatch(/finished after 3 epoch\(s\)/);
    for (const line of result.stdout.split('\n')) expect(line.trimStart()).not.toMatch(/^[[{]/);
    // Not a terminal: no progress bar redrawn with escape codes.
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stderr).not.toContain('\x1b');
  });
});

describe('a run whose loss diverges', () => {
  it('ends as diverged with exit status 1, keeps the earlier epochs, and shows the non-finite loss as a string, never null', async () => {
    const db = join(makeTempDir(), 'x.db');
    // Found by trial: this learning rate and momentum overflow iris's loss within a few epochs, for any seed.
    const result = await runCli(['train', '--dataset', 'iris', '--hidden', '8', '--lr', '100', '--momentum', '0.99', '--epochs', '20', '--seed', '1', '--backend', 'wasm', '--json', '--db', db]);
    expect(result.code, result.stderr).toBe(1);
    const summary = parseSingleJsonLine(result.stdout);
    expect(summary.status).toBe('diverged');
    expect(summary.error).toMatch(/NaN|infinite/i);
    expect(summary.epochs).toBeGreaterThanOrEqual(2);
    expect(summary.epochs).toBeLessThan(20);
    expect(['NaN', 'Infinity']).toContain(summary.metrics.train_loss);
    for (const value of Object.values(summary.metrics)) expect(value).not.toBeNull();

    // The stored run agrees, and every epoch before the one that diverged is complete.
    const [run] = await listRuns(db);
    expect(run?.status).toBe('diverged');
    expect(run?.epochs).toBe(summary.epochs);
    expect(['NaN', 'Infinity']).toContain(run?.metrics.train_loss);
    const perStep = withReadonlyDb(db, (d) => d.prepare('SELECT step, count(*) AS n FROM metrics WHERE run_id = 1 GROUP BY step ORDER BY step').all() as { step: number; n: number }[]);
    expect(perStep.map((r) => r.step)).toEqual(Array.from({ length: summary.epochs }, (_, i) => i + 1));
    for (const row of perStep.slice(0, -1)) expect(row.n, `epoch ${row.step}`).toBe(5);

    // The export names the value explicitly too.
    const exported = await runCli(['export', '--format', 'json', '--db', db]);
    expect(exported.code, exported.stderr).toBe(0);
    const [row] = JSON.parse(exported.stdout) as { metrics: Record<string, unknown>; history: Record<string, { step: number; value: unknown }[]> }[];
    expect(['NaN', 'Infinity']).toContain(row?.metrics.train_loss);
    const losses = row?.history.train_loss ?? [];
    expect(losses).toHaveLength(summary.epochs);
    expect(['NaN', 'Infinity']).toContain(losses.at(-1)?.value);
    for (const point of losses.slice(0, -1)) expect(typeof point.value).toBe('number');

    const csv = await runCli(['export', '--format', 'csv', '--db', db]);
    expect(csv.code, csv.stderr).toBe(0);
    const [csvRow] = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(['NaN', 'Infinity']).toContain(csvRow?.['metrics.train_loss']);
  });
});
