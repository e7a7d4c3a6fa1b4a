/**
 * What `exportRuns` hands back besides the table: the file name (scope, time stamp, extension), the media type and
 * encoding of each format, a sweep's trial column, and its refusals (an unknown format or column, with the field).
 */
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src-shared/api/errors';
import type { ExportFormat } from '../../src-shared/api/contract';
import { exportRuns } from '../../src-main/export';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();

async function storeWithRuns() {
  const store = SqliteStore.open({ path: join(tempDir(), 'x.db'), explicit: true });
  const sweepId = await store.sweeps.create({
    name: 'search',
    experiment: 'default',
    strategy: 'grid',
    space: [{ name: 'lr', distribution: '[0.1,0.01]' }],
    fixed: {},
    objective: { metric: 'val_accuracy', direction: 'max' },
    trials: [{ lr: 0.1 }, { lr: 0.01 }],
    seed: 1,
    parallel: 1,
    asha: null,
  });
  for (const trial of [2, 1]) {
    const run = await store.createRun({ experiment: 'default', config: {}, params: { lr: trial === 1 ? 0.1 : 0.01 }, seed: 1, backend: 'wasm', sweep: { sweepId, trial } });
    await store.logEpoch(run.run_id, { step: 1, time: 1, metrics: { val_accuracy: 0.5 } });
  }
  await store.createRun({ experiment: 'my exp/2026: "final"', config: {}, params: { lr: 0.5 }, seed: 1, backend: 'wasm' });
  return { store, sweepId };
}

describe('exported files', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-28T09:05:07.123Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('name, media type and encoding per format', async () => {
    const { store } = await storeWithRuns();
    const expected: Record<ExportFormat, [string, string, string]> = {
      csv: ['runboard-runs-2026-11-28-09-05-07.csv', 'text/csv', 'utf8'],
      json: ['runboard-runs-2026-11-28-09-05-07.json', 'application/json', 'utf8'],
      md: ['runboard-runs-2026-11-28-09-05-07.md', 'text/markdown', 'utf8'],
      latex: ['runboard-runs-2026-11-28-09-05-07.tex', 'application/x-tex', 'utf8'],
      parquet: ['runboard-runs-2026-11-28-09-05-07.parquet', 'application/vnd.apache.parquet', 'base64'],
    };
    for (const [format, [filename, mime, encoding]] of Object.entries(expected)) {
      const table = await exportRuns(store, format as ExportFormat);
      expect([table.filename, table.mime_type, table.encoding], format).toEqual([filename, mime, encoding]);
      expect(table.rows, format).toBe(3);
    }
    store.close();
  });

  it("names an experiment's file after it, with anything but letters, digits, dots and dashes made one underscore", async () => {
    const { store } = await storeWithRuns();
    expect((await exportRuns(store, 'csv', { experiment: 'my exp/2026: "final"' })).filename).toBe('runboard-runs-my_exp_2026_final_-2026-11-28-09-05-07.csv');
    store.close();
  });

  it("exports a sweep's trials with a trial column after the duration, in a file named after the sweep", async () => {
    const { store, sweepId } = await storeWithRuns();
    const table = await exportRuns(store, 'csv', { sweepId });
    expect(table.filename).toBe(`runboard-runs-sweep-${sweepId}-2026-11-28-09-05-07.csv`);
    expect(table.rows).toBe(2);
    const rows = parse(table.content, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0] ?? {}).slice(5, 9)).toEqual(['started_at', 'duration_s', 'trial', 'params.lr']);
    expect(rows.map((row) => [row.trial, row['params.lr']])).toEqual([['2', '0.01'], ['1', '0.1']]);
    const json = JSON.parse((await exportRuns(store, 'json', { sweepId })).content) as Record<string, unknown>[];
    expect(json.map((row) => row.trial)).toEqual([2, 1]);
    store.close();
  });

  it('ends a JSON file with a newline', async () => {
    const { store } = await storeWithRuns();
    const content = (await exportRuns(store, 'json')).content;
    expect(content.endsWith(']\n')).toBe(true);
    store.close();
  });
});

describe('export refusals', () => {
  it('refuses an unknown format, naming the valid ones', async () => {
    const { store } = await storeWithRuns();
    const error = await exportRuns(store, 'xlsx' as ExportFormat).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'BAD_INPUT', message: 'Unknown export format "xlsx"; valid formats: csv, json, md, latex, parquet.', fields: [{ field: 'format', message: 'unknown format' }] });
    store.close();
  });

  it('refuses unknown columns as a bad columns field, listing them and the valid ones', async () => {
    const { store } = await storeWithRuns();
    const one = await exportRuns(store, 'csv', { columns: ['name', 'colour'] }).catch((e: unknown) => e);
    expect(one).toMatchObject({ code: 'BAD_INPUT', fields: [{ field: 'columns' }] });
    expect((one as AppError).message).toMatch(/^Cannot export: unknown column colour; valid columns: run_id, name, experiment, status, /);
    const two = await exportRuns(store, 'csv', { columns: ['shade', 'name', 'colour'] }).catch((e: unknown) => e);
    expect((two as AppError).message).toMatch(/^Cannot export: unknown columns shade, colour; valid columns: /);
    expect((two as AppError).fields?.[0]?.message).toMatch(/^unknown columns shade, colour; valid columns: /);
    store.close();
  });
});
