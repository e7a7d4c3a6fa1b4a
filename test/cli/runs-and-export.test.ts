import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY, assertCliIsBuilt, killAll, listRuns, makeTempDir, removeTempDirs, runCli, type RunJson } from './helpers';

const FORMULA_NAME = "=cmd|' /C calc'!A0";
const BASE_COLUMNS = ['run_id', 'name', 'experiment', 'status', 'backend', 'started_at', 'duration_s'];
const EPOCH_METRICS = ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'lr'];

let dir: string;
let db: string;
let runs: RunJson[];

/** Parses CSV the strict way a standard reader does: a header row, every row as wide as the header, quotes well formed. */
function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, relax_quotes: false, relax_column_count: false, skip_empty_lines: false }) as Record<string, string>[];
}

function headerOf(text: string): string[] {
  return (parse(text, { to_line: 1 }) as string[][])[0] as string[];
}

/** A CSV cell compared with the value `runs --json` gives: numbers numerically, text as is, null as an empty cell. */
function expectCellMatches(cell: string | undefined, value: unknown, what: string): void {
  if (value === null || value === undefined) expect(cell, what).toBe('');
  else if (typeof value === 'number') expect(Number(cell), what).toBe(value);
  else expect(cell, what).toBe(String(value));
}

beforeAll(async () => {
  assertCliIsBuilt();
  dir = makeTempDir();
  db = join(dir, 'runs.db');
  const trainings = [
    ['--experiment', 'alpha', '--name', 'alpha-first', '--seed', '1'],
    ['--experiment', 'alpha', '--seed', '2', '--lr', '0.05', '--optimizer', 'adam'],
    ['--experiment', 'beta', '--name', FORMULA_NAME, '--seed', '3', '--epochs', '2'],
  ];
  for (const extra of trainings) {
    const result = await runCli(['train', ...TINY, ...extra, '--json', '--db', db]);
    if (result.code !== 0) throw new Error(`training a fixture run failed (${result.code}): ${result.stderr}`);
  }
  // A hyperparameter with a negative value, as a later version (or another client) may log: it must stay a number.
  const writable = new BetterSqlite3(db);
  writable.prepare("INSERT INTO params (run_id, key, type, num_value, text_value) VALUES (1, 'offset', 'number', -0.5, NULL)").run();
  writable.close();
  runs = await listRuns(db);
}, 120_000);

afterAll(() => {
  killAll();
  removeTempDirs();
});

describe('runboard runs --json', () => {
  it('lists every run, newest first, with run_id, name, experiment, status, backend, parent_run_id, params, final metrics and epochs', () => {
    expect(runs.map((r) => r.run_id)).toEqual([3, 2, 1]);
    const [third, second, first] = runs as [RunJson, RunJson, RunJson];
    expect(first).toMatchObject({ run_id: 1, name: 'alpha-first', experiment: 'alpha', status: 'finished', backend: 'wasm', parent_run_id: null, epochs: 3 });
    expect(second).toMatchObject({ run_id: 2, name: 'iris-2', experiment: 'alpha', status: 'finished', backend: 'wasm', parent_run_id: null, epochs: 3 });
    expect(third).toMatchObject({ run_id: 3, name: FORMULA_NAME, experiment: 'beta', status: 'finished', backend: 'wasm', parent_run_id: null, epochs: 2 });
    expect(second.params).toMatchObject({ lr: 0.05, optimizer: 'adam', hidden: '8', batch_size: 32, seed: 2 });
    expect(first.params.offset).toBe(-0.5);
    for (const run of runs) {
      expect(Object.keys(run.metrics).sort()).toEqual([...EPOCH_METRICS].sort());
      for (const key of EPOCH_METRICS) expect(typeof run.metrics[key], `${run.run_id} ${key}`).toBe('number');
      expect(typeof run.started_at).toBe('number');
      expect(typeof run.ended_at).toBe('number');
    }
  });

  it('gives the final epoch’s values as metrics', async () => {
    const exported = await runCli(['export', '--format', 'json', '--db', db]);
    const rows = JSON.parse(exported.stdout) as { run_id: number; history: Record<string, { step: number; value: number }[]> }[];
    for (const run of runs) {
      const history = rows.find((r) => r.run_id === run.run_id)?.history ?? {};
      for (const key of EPOCH_METRICS) expect(run.metrics[key], `${run.run_id} ${key}`).toBe(history[key]?.at(-1)?.value);
    }
  });

  it('--experiment keeps only that experiment’s runs', async () => {
    expect((await listRuns(db, ['--experiment', 'alpha'])).map((r) => r.run_id)).toEqual([2, 1]);
    expect((await listRuns(db, ['--experiment', 'beta'])).map((r) => r.run_id)).toEqual([3]);
    // An experiment that does not exist is refused, not shown as an empty list (test/cli/runs-filter.test.ts).
    await expect(listRuns(db, ['--experiment', 'nobody'])).rejects.toThrow(/exited 2: .*there is no experiment "nobody"; experiments: .*alpha, beta/);
  });

  it('prints a readable table without --json', async () => {
    const result = await runCli(['runs', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^id\s+name\s+experiment\s+status/);
    expect(result.stdout).toContain('alpha-first');
  });
});

describe('runboard export --format csv', () => {
  let csv: string;
  beforeAll(async () => {
    const result = await runCli(['export', '--format', 'csv', '--db', db]);
    if (result.code !== 0) throw new Error(result.stderr);
    csv = result.stdout;
  });

  it('reads cleanly with a standard CSV reader, with exactly one row per run', () => {
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(runs.length);
    expect(rows.map((r) => Number(r.run_id)).sort()).toEqual(runs.map((r) => r.run_id).sort());
  });

  it('has the columns run_id, name, experiment, status, backend, started_at, duration_s, then params.*, metrics.* and best.* (none for lr, a setting)', () => {
    const header = headerOf(csv);
    expect(header.slice(0, BASE_COLUMNS.length)).toEqual(BASE_COLUMNS);
    expect(new Set(header).size).toBe(header.length);
    const rest = header.slice(BASE_COLUMNS.length);
    const groups = rest.map((column) => column.split('.')[0]);
    // params first, then metrics, then best, each as one block.
    expect(groups).toEqual([...groups].sort((a, b) => ['params', 'metrics', 'best'].indexOf(a as string) - ['params', 'metrics', 'best'].indexOf(b as string)));
    const paramKeys = new Set(runs.flatMap((r) => Object.keys(r.params)));
    expect(rest.filter((c) => c.startsWith('params.')).map((c) => c.slice(7)).sort()).toEqual([...paramKeys].sort());
    for (const key of EPOCH_METRICS) {
      expect(rest).toContain(`metrics.${key}`);
      if (key === 'lr') expect(rest).not.toContain('best.lr');
      else expect(rest).toContain(`best.${key}`);
    }
  });

  it('holds the same values as runs --json (numbers compared numerically)', () => {
    const rows = parseCsv(csv);
    for (const run of runs) {
      const row = rows.find((r) => Number(r.run_id) === run.run_id) as Record<string, string>;
      const id = `run ${run.run_id}`;
      if (run.name !== FORMULA_NAME) expect(row.name, id).toBe(run.name);
      expect(row.experiment, id).toBe(run.experiment);
      expect(row.status, id).toBe(run.status);
      expect(row.backend, id).toBe(run.backend);
      expect(row.started_at, id).toBe(new Date(run.started_at as number).toISOString());
      expect(Number(row.duration_s), id).toBeCloseTo(run.duration_s as number, 3);
      for (const [key, value] of Object.entries(run.params)) expectCellMatches(row[`params.${key}`], value, `${id} params.${key}`);
      for (const [key, value] of Object.entries(run.metrics)) expectCellMatches(row[`metrics.${key}`], value, `${id} metrics.${key}`);
      for (const [key, value] of Object.entries(run.best)) expectCellMatches(row[`best.${key}`], value, `${id} best.${key}`);
      // A param this run does not have is an empty cell.
      if (!('offset' in run.params)) expect(row['params.offset'], id).toBe('');
    }
  });

  it('escapes a run name a spreadsheet would run as a formula, while negative numbers stay numbers', () => {
    const rows = parseCsv(csv);
    const formulaRow = rows.find((r) => r.run_id === '3') as Record<string, string>;
    expect(formulaRow.name).toBe(`'${FORMULA_NAME}`);
    const first = rows.find((r) => r.run_id === '1') as Record<string, string>;
    expect(first['params.offset']).toBe('-0.5');
    expect(Number(first['params.offset'])).toBe(-0.5);
    // No cell anywhere starts with a formula character unless it is a number.
    for (const row of rows) {
      for (const [column, cell] of Object.entries(row)) {
        if (/^[=+\-@\t\r]/.test(cell)) expect(Number.isFinite(Number(cell)), `${column} = ${cell}`).toBe(true);
      }
    }
    // JSON is not a spreadsheet: the name is kept as it is there.
    expect(runs.find((r) => r.run_id === 3)?.name).toBe(FORMULA_NAME);
  });

  it('--experiment exports only that experiment’s runs', async () => {
    const result = await runCli(['export', '--format', 'csv', '--experiment', 'alpha', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    expect(parseCsv(result.stdout).map((r) => r.run_id).sort()).toEqual(['1', '2']);
  });

  it('--out writes the same content to a file, and nothing to stdout', async () => {
    const out = join(dir, 'table.csv');
    const result = await runCli(['export', '--format', 'csv', '--out', out, '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(csv);
  });
});

describe('runboard export --format json', () => {
  it('carries each run’s history per metric, with steps 1..epochs, and its params, metrics and best', async () => {
    const result = await runCli(['export', '--format', 'json', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as (Record<string, unknown> & { run_id: number; history: Record<string, { step: number; value: unknown; time: unknown }[]> })[];
    expect(rows.map((r) => r.run_id)).toEqual([1, 2, 3]);
    for (const run of runs) {
      const row = rows.find((r) => r.run_id === run.run_id);
      expect(row).toBeDefined();
      if (!row) continue;
      expect(Object.keys(row).slice(0, BASE_COLUMNS.length)).toEqual(BASE_COLUMNS);
      expect(row).toMatchObject({ name: run.name, experiment: run.experiment, status: run.status, backend: run.backend, params: run.params, metrics: run.metrics, best: run.best, epochs: run.epochs });
      expect(Object.keys(row.history).sort()).toEqual([...EPOCH_METRICS].sort());
      for (const key of EPOCH_METRICS) {
        const points = row.history[key] ?? [];
        expect(points.map((p) => p.step), `${run.run_id} ${key}`).toEqual(Array.from({ length: run.epochs }, (_, i) => i + 1));
        for (const point of points) {
          expect(typeof point.value).toBe('number');
          expect(typeof point.time).toBe('number');
        }
      }
    }
  });
});

describe('runboard export refuses bad options', () => {
  it('refuses --out into a folder that does not exist with exit status 2 and a clear message, writing no file', async () => {
    const missing = join(dir, 'no-such-folder');
    const before = readdirSync(dir).sort();
    const result = await runCli(['export', '--format', 'csv', '--out', join(missing, 'table.csv'), '--db', db]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/no-such-folder does not exist/);
    expect(result.stdout).toBe('');
    expect(existsSync(missing)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('refuses --format xml with exit status 2, listing the valid formats', async () => {
    const result = await runCli(['export', '--format', 'xml', '--db', db]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('xml');
    expect(result.stderr).toMatch(/csv/);
    expect(result.stderr).toMatch(/json/);
    expect(result.stdout).toBe('');
  });
});
