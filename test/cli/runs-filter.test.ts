import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src-shared/entities/run';
import { assertCliIsBuilt, killAll, makeTempDir, removeTempDirs, runCli } from './helpers';

/**
 * `runboard runs` selects runs as the app's table does: `--filter` (the filter language), `--sort`, `--columns`,
 * `--limit`; and an experiment that does not exist is said to be one, with those that do, rather than "No runs yet".
 */

const RUNS = 24;
let db: string;
let all: RunSummary[];

beforeAll(async () => {
  assertCliIsBuilt();
  db = join(makeTempDir(), 'runs.db');
  const seeded = await runCli(['dev', 'seed', '--runs', String(RUNS), '--epochs', '5', '--db', db]);
  if (seeded.code !== 0) throw new Error(seeded.stderr);
  const listed = await runCli(['runs', '--json', '--db', db]);
  if (listed.code !== 0) throw new Error(listed.stderr);
  all = JSON.parse(listed.stdout) as RunSummary[];
});
afterEach(() => killAll());
afterAll(() => removeTempDirs());

const runs = async (...args: string[]) => runCli(['runs', ...args, '--db', db]);

describe('runboard runs --filter, --sort, --columns, --limit', () => {
  it('lists every run, newest first, without flags', () => {
    expect(all).toHaveLength(RUNS);
    expect(all.map((r) => r.run_id)).toEqual([...all.map((r) => r.run_id)].sort((a, b) => b - a));
  });

  it('--filter keeps exactly the matching runs, in the filter language of the app and of export', async () => {
    const result = await runs('--filter', 'params.optimizer in ("adam", "adamw") and status = "FINISHED"', '--json');
    expect(result.code, result.stderr).toBe(0);
    const matched = (JSON.parse(result.stdout) as RunSummary[]).map((r) => r.run_id);
    const expected = all.filter((r) => ['adam', 'adamw'].includes(String(r.params.optimizer)) && r.status === 'finished').map((r) => r.run_id);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(RUNS);
    expect(matched).toEqual(expected);
  });

  it('--sort, --limit and --columns: the best runs first, as a table of the chosen columns, formatted as the app shows them', async () => {
    const result = await runs('--sort', 'best.val_accuracy:desc', '--limit', '3', '--columns', 'run_id,name,params.lr,best.val_accuracy,gap');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual(['run_id', 'name', 'params.lr', 'best.val_accuracy', 'gap']);
    const best = [...all].filter((r) => typeof r.best.val_accuracy === 'number').sort((a, b) => (b.best.val_accuracy as number) - (a.best.val_accuracy as number) || b.run_id - a.run_id);
    const rows = lines.slice(2, 5).map((line) => line.split(/\s+/));
    expect(rows.map((row) => Number(row[0]))).toEqual(best.slice(0, 3).map((r) => r.run_id));
    for (const row of rows) {
      // Four significant digits for metrics, three for a fractional param, a signed gap: never a long fraction.
      expect(row[3]).toMatch(/^0\.\d{1,4}$/);
      expect(row[2]).toMatch(/^(\d\.\d{1,2}e-\d|0\.0*[1-9]\d{0,2})$/);
      expect(row[4]).toMatch(/^([+-]\d\.\d{3}|0\.000|-)$/);
    }
    expect(lines[5]).toBe(`3 of ${RUNS} runs shown (--limit 3).`);
  });

  it('--json with --columns prints the chosen columns of each run', async () => {
    const result = await runs('--columns', 'run_id,params.optimizer,tags', '--limit', '2', '--json');
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(rows).toEqual(all.slice(0, 2).map((r) => ({ run_id: r.run_id, 'params.optimizer': r.params.optimizer, tags: '' })));
  });

  it('says when nothing matches, instead of "No runs yet"', async () => {
    const result = await runs('--filter', 'params.lr > 50');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('No run matches params.lr > 50.\n');
  });

  it('refuses a bad filter, sort, column or limit with exit status 2 and the reason', async () => {
    const filter = await runs('--filter', 'params.lr >> 1');
    expect(filter.code).toBe(2);
    expect(filter.stderr).toMatch(/Filter: .*at column 12/);
    const sort = await runs('--sort', 'best.lr');
    expect(sort.code).toBe(2);
    expect(sort.stderr).toMatch(/lr has no best value/);
    const column = await runs('--columns', 'name,best.lr');
    expect(column.code).toBe(2);
    expect(column.stderr).toMatch(/unknown column best\.lr; valid columns: run_id, name/);
    const limit = await runs('--limit', '0');
    expect(limit.code).toBe(2);
    expect(limit.stderr).toMatch(/--limit: a whole number from 1/);
  });
});

describe('runboard runs --experiment', () => {
  it('names an experiment that does not exist, lists those that do, and exits 2', async () => {
    const result = await runs('--experiment', 'nonexistent');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const match = /^runboard: --experiment: there is no experiment "nonexistent"; experiments: (.+)\.\n$/.exec(result.stderr);
    expect(match, result.stderr).not.toBeNull();
    // Every experiment with runs (and the default one, which every database has).
    const listed = (match?.[1] ?? '').split(', ');
    expect(listed).toEqual(expect.arrayContaining([...new Set(all.map((r) => r.experiment))]));
    expect(listed).toContain('default');
  });

  it('is refused by export the same way, rather than writing an empty table', async () => {
    const result = await runCli(['export', '--experiment', 'nonexistent', '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^runboard: --experiment: there is no experiment "nonexistent"; experiments: .*seeded-1/);
  });

  it('lists the runs of one that does', async () => {
    const result = await runs('--experiment', 'seeded-2', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as RunSummary[]).map((r) => r.run_id)).toEqual(all.filter((r) => r.experiment === 'seeded-2').map((r) => r.run_id));
  });
});
