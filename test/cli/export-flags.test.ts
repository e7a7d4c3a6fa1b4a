/**
 * `runboard export` flags through the built CLI (a subprocess, as a user runs it): `--filter`, `--columns`, `--sort`,
 * `--include-archived` and `--format md | latex | parquet`. The database is written directly (no training needed),
 * with runs whose values tell a right answer from a wrong one. Markdown and LaTeX are checked for their structure,
 * column order, rows and filtering; numbers are compared as numbers (their printed precision is a formatting choice).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { BIN, ROOT, assertCliIsBuilt, cliEnv, killAll, makeTempDir, removeTempDirs, runCli } from './helpers';

/** run_id, name, experiment, lr, optimizer, final and best val_accuracy; run 5 is archived. */
const RUNS = [
  { name: 'slow', experiment: 'alpha', lr: 0.001, optimizer: 'sgd', accuracy: [0.5, 0.6], tag: 'draft' },
  { name: 'fast', experiment: 'alpha', lr: 0.1, optimizer: 'adam', accuracy: [0.8, 0.7], tag: 'paper' },
  { name: 'middle', experiment: 'beta', lr: 0.01, optimizer: 'sgd', accuracy: [0.85, 0.95], tag: 'paper' },
  { name: 'tuned', experiment: 'beta', lr: 0.005, optimizer: 'adam', accuracy: [0.75, 0.9], tag: 'draft' },
  { name: 'shelved', experiment: 'alpha', lr: 0.05, optimizer: 'sgd', accuracy: [0.99, 0.2], tag: 'paper' },
] as const;

let dir: string;
let db: string;

beforeAll(async () => {
  assertCliIsBuilt();
  dir = makeTempDir();
  db = join(dir, 'runs.db');
  const store = SqliteStore.open({ path: db, explicit: true });
  try {
    for (const r of RUNS) {
      const run = await store.createRun({ experiment: r.experiment, name: r.name, config: {}, params: { lr: r.lr, optimizer: r.optimizer }, seed: 1, backend: 'wasm' });
      await store.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: Date.UTC(2026, 10, 1) });
      for (const [i, accuracy] of r.accuracy.entries()) await store.logEpoch(run.run_id, { step: i + 1, time: i, metrics: { val_accuracy: accuracy, val_loss: 1 - accuracy } });
      await store.endRun(run.run_id, { status: 'finished', time: Date.UTC(2026, 10, 1) + 1000 });
      await store.annotations.setTags(run.run_id, { stage: r.tag });
    }
    await store.annotations.setArchived([5], true);
  } finally {
    store.close();
  }
});

afterAll(() => {
  killAll();
  removeTempDirs();
});

async function exportText(args: readonly string[]): Promise<string> {
  const result = await runCli(['export', ...args, '--db', db]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

async function csvRows(args: readonly string[]): Promise<Record<string, string>[]> {
  return parse(await exportText(['--format', 'csv', ...args]), { columns: true, strict: true } as never) as Record<string, string>[];
}

/** The rows of a Parquet file, read with a Parquet reader (hyparquet). */
async function readParquet(bytes: Buffer): Promise<Record<string, unknown>[]> {
  return (await parquetReadObjects({ file: new Uint8Array(bytes).buffer })) as Record<string, unknown>[];
}

/** The cells of a GitHub Markdown table: header, alignment row and body, split on unescaped pipes. */
function markdownTable(text: string): { header: string[]; alignment: string[]; body: string[][] } {
  const lines = text.trimEnd().split('\n');
  const cells = (line: string) => {
    expect(line, 'a table line starts and ends with a pipe').toMatch(/^\|.*\|$/);
    return line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
  };
  const [header, alignment, ...body] = lines.map(cells);
  return { header: header ?? [], alignment: alignment ?? [], body };
}

/** The cells of a booktabs tabular: the column spec, the header row and the body rows. */
function latexTable(text: string): { spec: string; header: string[]; body: string[][] } {
  const lines = text.split('\n').map((line) => line.trim());
  const spec = /^\\begin\{tabular\}\{([lrc]+)\}$/.exec(lines.find((line) => line.startsWith('\\begin{tabular}')) ?? '')?.[1] ?? '';
  const top = lines.indexOf('\\toprule');
  const middle = lines.indexOf('\\midrule');
  const bottom = lines.indexOf('\\bottomrule');
  expect(top, 'booktabs rules in order').toBeGreaterThanOrEqual(0);
  expect(middle).toBe(top + 2);
  expect(bottom).toBeGreaterThan(middle);
  expect(lines.at(-1) === '' ? lines.at(-2) : lines.at(-1)).toBe('\\end{tabular}');
  const row = (line: string) => {
    expect(line).toMatch(/ \\\\$/);
    return line
      .replace(/ \\\\$/, '')
      .split(/(?<!\\)&/)
      .map((cell) => cell.trim());
  };
  return { spec, header: row(lines[top + 1] as string), body: lines.slice(middle + 1, bottom).map(row) };
}

describe('runboard export --filter', () => {
  it('exports only the runs the filter selects', async () => {
    expect((await csvRows(['--filter', 'params.lr > 0.005'])).map((r) => r.name)).toEqual(['fast', 'middle']);
    expect((await csvRows(['--filter', 'best.val_accuracy >= 0.9 or tags.stage = "draft"'])).map((r) => r.name)).toEqual(['slow', 'middle', 'tuned']);
    expect((await csvRows(['--filter', 'params.optimizer = "adam" and metrics.val_accuracy < 0.8'])).map((r) => r.name)).toEqual(['fast']);
  });

  it('keeps archived runs out unless --include-archived, which the filter then applies to', async () => {
    expect((await csvRows(['--filter', 'tags.stage = "paper"'])).map((r) => r.name)).toEqual(['fast', 'middle']);
    expect((await csvRows(['--filter', 'tags.stage = "paper"', '--include-archived'])).map((r) => r.name)).toEqual(['fast', 'middle', 'shelved']);
    expect((await csvRows(['--include-archived'])).map((r) => r.run_id)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('refuses a filter with a mistake with exit status 2, naming its column, and prints no table', async () => {
    const typo = await runCli(['export', '--filter', 'params.learning_rate > 0.005', '--db', db]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown param "learning_rate".*at column 1/);
    expect(typo.stdout).toBe('');
    const syntax = await runCli(['export', '--filter', 'params.lr >', '--db', db]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/at column 12/);
    expect(syntax.stdout).toBe('');
  });
});

describe('runboard export --columns and --sort', () => {
  it('--columns gives exactly those columns, in that order', async () => {
    const text = await exportText(['--format', 'csv', '--columns', 'best.val_accuracy,name,params.lr,tags.stage']);
    const [header, ...rows] = parse(text, { strict: true } as never) as string[][];
    expect(header).toEqual(['best.val_accuracy', 'name', 'params.lr', 'tags.stage']);
    expect(rows.map((row) => [Number(row[0]), row[1], Number(row[2]), row[3]])).toEqual([
      [0.6, 'slow', 0.001, 'draft'],
      [0.8, 'fast', 0.1, 'paper'],
      [0.95, 'middle', 0.01, 'paper'],
      [0.9, 'tuned', 0.005, 'draft'],
    ]);
  });

  it('--columns refuses an unknown column with exit status 2, listing the valid ones', async () => {
    const result = await runCli(['export', '--columns', 'name,colour', '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown column colour; valid columns: run_id, name/);
    expect(result.stdout).toBe('');
  });

  it('--sort COLUMN:asc and :desc order the rows; the direction defaults to descending; run_id ascending without --sort', async () => {
    const names = async (...args: string[]) => (await csvRows(args)).map((r) => r.name);
    expect(await names()).toEqual(['slow', 'fast', 'middle', 'tuned']);
    expect(await names('--sort', 'best.val_accuracy:desc')).toEqual(['middle', 'tuned', 'fast', 'slow']);
    expect(await names('--sort', 'best.val_accuracy:asc')).toEqual(['slow', 'fast', 'tuned', 'middle']);
    expect(await names('--sort', 'params.lr')).toEqual(['fast', 'middle', 'tuned', 'slow']);
    expect(await names('--sort', 'metrics.val_accuracy:asc')).toEqual(['slow', 'fast', 'tuned', 'middle']);
    expect(await names('--sort', 'name:asc')).toEqual(['fast', 'middle', 'slow', 'tuned']);
  });

  it('--sort refuses a column that is not one, with exit status 2', async () => {
    const result = await runCli(['export', '--sort', 'colour:asc', '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Cannot sort by "colour"/);
    expect(result.stdout).toBe('');
  });
});

describe('runboard export --format md, latex, parquet', () => {
  const FLAGS = ['--filter', 'params.lr >= 0.005', '--columns', 'name,params.lr,best.val_accuracy', '--sort', 'best.val_accuracy:desc'];
  const EXPECTED = [
    ['middle', 0.01, 0.95],
    ['tuned', 0.005, 0.9],
    ['fast', 0.1, 0.8],
  ] as const;

  it('md: a GitHub table with the chosen columns in order, numbers right-aligned, one row per selected run in sort order', async () => {
    const table = markdownTable(await exportText(['--format', 'md', ...FLAGS]));
    expect(table.header).toEqual(['name', 'params.lr', 'best.val_accuracy']);
    expect(table.alignment).toEqual(['---', '---:', '---:']);
    expect(table.body.map((row) => row.length)).toEqual([3, 3, 3]);
    expect(table.body.map((row) => row[0])).toEqual(EXPECTED.map((row) => row[0]));
    table.body.forEach((row, i) => {
      expect(Number(row[1]), `params.lr of ${row[0]}`).toBeCloseTo(EXPECTED[i]?.[1] as number, 3);
      expect(Number(row[2]), `best.val_accuracy of ${row[0]}`).toBeCloseTo(EXPECTED[i]?.[2] as number, 3);
    });
  });

  it('latex: the README example, a booktabs tabular written with --out, special characters escaped', async () => {
    const out = join(dir, 'table.tex');
    const result = await runCli(['export', '--format', 'latex', ...FLAGS, '--out', out, '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Exported 3 run\(s\) to .*table\.tex/);
    const table = latexTable(readFileSync(out, 'utf8'));
    expect(table.spec).toBe('lrr');
    expect(table.header).toEqual(['name', 'params.lr', 'best.val\\_accuracy']);
    expect(table.body.map((row) => row[0])).toEqual(EXPECTED.map((row) => row[0]));
    table.body.forEach((row, i) => {
      expect(row).toHaveLength(3);
      expect(Number(row[1]), `params.lr of ${row[0]}`).toBeCloseTo(EXPECTED[i]?.[1] as number, 3);
      expect(Number(row[2]), `best.val_accuracy of ${row[0]}`).toBeCloseTo(EXPECTED[i]?.[2] as number, 3);
    });
  });

  it('parquet: typed columns that read back with a Parquet reader, filtered and sorted', async () => {
    const out = join(dir, 'runs.parquet');
    const result = await runCli(['export', '--format', 'parquet', ...FLAGS, '--out', out, '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 4).toString('latin1'), 'Parquet magic number').toBe('PAR1');
    const rows = await readParquet(bytes);
    expect(rows.map((row) => Object.keys(row))).toEqual(EXPECTED.map(() => ['name', 'params.lr', 'best.val_accuracy']));
    expect(rows.map((row) => [row.name, row['params.lr'], row['best.val_accuracy']])).toEqual(EXPECTED.map((row) => [...row]));
  });

  it('parquet to stdout (redirected to a file by a shell) is the same table as with --out', async () => {
    const out = join(dir, 'same.parquet');
    const toFile = await runCli(['export', '--format', 'parquet', ...FLAGS, '--out', out, '--db', db]);
    expect(toFile.code, toFile.stderr).toBe(0);
    // runCli decodes stdout as text; binary output is read here as bytes.
    const stdout = execFileSync(process.execPath, [BIN, 'export', '--format', 'parquet', ...FLAGS, '--db', db], { cwd: ROOT, env: cliEnv(), timeout: 60_000 });
    expect(await readParquet(stdout)).toEqual(await readParquet(readFileSync(out)));
  });
});
