/** Helpers for the datasets suite: a catalogue over a temporary data folder, and CSV files made from a seeded model. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { AppError } from '../../src-shared/api/errors';
import { DatasetCatalogue } from '../../src-main/datasets/catalogue';
import { useTempDir } from '../helpers/temp';

/** A fresh catalogue per call, its imported datasets in a temporary `datasets/` folder removed after each test. */
export function useCatalogue(): () => { catalogue: DatasetCatalogue; userDir: string; tempDir: string } {
  const tempDir = useTempDir();
  return () => {
    const dir = tempDir();
    const userDir = join(dir, 'datasets');
    return { catalogue: new DatasetCatalogue({ userDir }), userDir, tempDir: dir };
  };
}

/** Everything in the datasets folder, temporary files included (none when the folder was never made). */
export function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Awaits `promise`, expecting an AppError with this code; returns it for more checks. */
export async function refusal(promise: Promise<unknown>, code = 'BAD_INPUT'): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected the import to be refused').toBeInstanceOf(AppError);
  expect((error as AppError).code, (error as AppError).message).toBe(code);
  return error as AppError;
}

/** mulberry32: the tests' own seeded numbers, so the files they write are the same on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A tabular CSV from a seeded linear model: `features` columns `f1..fN` of standard-normal-ish values on very different
 * scales (so standardising matters), and a `class` column (last) holding the arg-max of `classes` random linear scores.
 * A logistic regression fits it well; the lead's training check uses a file like this with --standardize.
 */
export function linearModelCsv(options: { rows: number; features: number; classes: number; seed: number }): string {
  const random = seeded(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const weights = Array.from({ length: options.classes }, () => Array.from({ length: options.features }, normal));
  const scales = Array.from({ length: options.features }, (_, j) => 10 ** ((j % 4) - 1)); // 0.1, 1, 10, 100
  const names = ['setosa', 'versicolor', 'virginica', 'other'];
  const lines = [[...Array.from({ length: options.features }, (_, j) => `f${j + 1}`), 'class'].join(',')];
  for (let r = 0; r < options.rows; r++) {
    const x = Array.from({ length: options.features }, normal);
    const scores = weights.map((w) => w.reduce((sum, wj, j) => sum + wj * (x[j] as number), 0));
    const label = scores.indexOf(Math.max(...scores));
    lines.push([...x.map((v, j) => (v * (scales[j] as number)).toFixed(4)), names[label] ?? `c${label}`].join(','));
  }
  return lines.join('\n') + '\n';
}
