import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { displayCell, exportRuns } from '../../src-main/export';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();
const hasPandoc = ['/usr/bin/pandoc', '/usr/local/bin/pandoc'].some(existsSync);

async function store() {
  const s = SqliteStore.open({ path: join(tempDir(), 'x.db'), explicit: true });
  const runs = [
    { name: 'a_b & c 50% #1', params: { lr: 0.01, optimizer: 'sgd', nesterov: true, hidden: '256,128' }, loss: [0.9, -0.25] },
    { name: 'pipe|name {x}', params: { lr: 0.1, optimizer: 'adam', nesterov: false, hidden: '64' }, loss: [0.5, NaN] },
    { name: '=cmd|" /C calc"!A0', params: { lr: 0.001, optimizer: 'sgd', nesterov: false, hidden: '32' }, loss: [1.5, 1.2] },
  ];
  for (const r of runs) {
    const run = await s.createRun({ experiment: 'default', name: r.name, config: {}, params: r.params, seed: 1, backend: 'wasm' });
    await s.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: Date.UTC(2026, 10, 1) });
    for (const [i, loss] of r.loss.entries()) await s.logEpoch(run.run_id, { step: i + 1, time: i, metrics: { val_loss: loss, val_accuracy: 0.5 + i / 10 } });
    await s.endRun(run.run_id, { status: 'finished', time: Date.UTC(2026, 10, 1) + 2500 });
  }
  return s;
}

/** The text of a pandoc JSON table: header then rows, each a list of cell strings. */
function pandocTable(input: string, from: string): string[][] {
  const ast = JSON.parse(execFileSync('pandoc', ['-f', from, '-t', 'json'], { input, encoding: 'utf8' })) as { blocks: { t: string; c: unknown[] }[] };
  const table = ast.blocks.find((b) => b.t === 'Table');
  if (!table) throw new Error(`pandoc found no table in:\n${input}`);
  const inline = (nodes: { t: string; c?: unknown }[]): string => nodes.map((n) => (n.t === 'Str' ? (n.c as string) : n.t === 'Space' ? ' ' : n.t === 'Code' ? ((n.c as unknown[])[1] as string) : Array.isArray(n.c) ? inline(n.c as { t: string }[]) : '')).join('');
  const cells = (row: unknown[]) => (row[1] as unknown[][]).map((cell) => (cell[4] as { c: { t: string }[] }[]).map((block) => inline(block.c)).join(''));
  const head = ((table.c[3] as unknown[])[1] as unknown[][]).map(cells);
  const body = (table.c[4] as unknown[][]).flatMap((section) => (section[3] as unknown[][]).map(cells));
  return [...head, ...body];
}

const columns = ['run_id', 'name', 'params.lr', 'params.optimizer', 'params.nesterov', 'params.hidden', 'metrics.val_loss', 'best.val_loss', 'started_at'];

describe('exports of the same runs hold the same values in every format', () => {
  it('CSV is the reference: formula-safe text, numbers as numbers, NaN explicit', async () => {
    const s = await store();
    const rows = parse((await exportRuns(s, 'csv', { columns })).content, { columns: true, strict: true } as never) as Record<string, string>[];
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ name: 'a_b & c 50% #1', 'params.lr': '0.01', 'metrics.val_loss': '-0.25', 'params.nesterov': 'true' });
    expect(rows[1]?.['metrics.val_loss']).toBe('NaN');
    expect(rows[2]?.name).toBe(`'=cmd|" /C calc"!A0`);
    s.close();
  });

  it('Parquet reads back with a Parquet reader, typed, with the same values', async () => {
    const s = await store();
    const table = await exportRuns(s, 'parquet', { columns });
    expect(table.encoding).toBe('base64');
    const bytes = Buffer.from(table.content, 'base64');
    const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })) as Record<string, unknown>[];
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ name: 'a_b & c 50% #1', 'params.lr': 0.01, 'params.optimizer': 'sgd', 'params.nesterov': true, 'metrics.val_loss': -0.25, 'params.hidden': '256,128' });
    expect(Number(rows[0]?.run_id)).toBe(1);
    expect(Number.isNaN(rows[1]?.['metrics.val_loss'])).toBe(true);
    expect(rows[2]?.name).toBe('=cmd|" /C calc"!A0');
    expect((rows[0]?.started_at as Date).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    s.close();
  });

  describe.skipIf(!hasPandoc)('Markdown and LaTeX, read back with pandoc (skipped: pandoc is not installed)', () => {
    it('Markdown (GitHub tables) holds the same cells as the CSV, formatted as the runs table shows them', async () => {
      const s = await store();
      const csv = parse((await exportRuns(s, 'csv', { columns })).content, { strict: true } as never) as string[][];
      const md = pandocTable((await exportRuns(s, 'md', { columns })).content, 'gfm');
      const typed = (cell: string) => (cell === '' ? null : /^-?[\d.]+(e-?\d+)?$/.test(cell) ? Number(cell) : cell.replace(/^'=/, '='));
      expect(md).toEqual(csv.map((row, r) => (r === 0 ? row : row.map((cell, c) => displayCell(columns[c] as string, typed(cell))))));
      expect(md[1]).toContain('256, 128');
      s.close();
    });

    it('LaTeX (booktabs) holds the same cells as the CSV, special characters escaped', async () => {
      const s = await store();
      const csv = parse((await exportRuns(s, 'csv', { columns })).content, { strict: true } as never) as string[][];
      const latex = (await exportRuns(s, 'latex', { columns })).content;
      expect(latex).toContain('\\toprule');
      expect(latex).toContain('a\\_b \\& c 50\\% \\#1');
      expect(pandocTable(latex, 'latex')).toEqual(csv.map((row) => row.map((cell) => cell.replace(/^'=/, '='))));
      s.close();
    });
  });

  it('refuses an unknown column, listing the valid ones', async () => {
    const s = await store();
    await expect(exportRuns(s, 'csv', { columns: ['run_id', 'colour'] })).rejects.toThrow(/unknown column colour; valid columns: run_id, name/);
    s.close();
  });

  it('exports what the table shows: its filter and its sort', async () => {
    const s = await store();
    const rows = parse((await exportRuns(s, 'csv', { filter: 'params.lr >= 0.01', sort: { column: 'params.lr', direction: 'desc' }, columns: ['name', 'params.lr'] })).content, { columns: true } as never) as Record<string, string>[];
    expect(rows.map((r) => r['params.lr'])).toEqual(['0.1', '0.01']);
    s.close();
  });
});
