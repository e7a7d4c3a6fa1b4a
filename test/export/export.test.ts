import { parse } from 'csv-parse/sync';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportRuns, escapeFormula, toCsv } from '../../src-main/export';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();

async function storeWithRuns() {
  const store = SqliteStore.open({ path: join(tempDir(), 'x.db'), explicit: true });
  const a = await store.createRun({ experiment: 'default', name: '=HYPERLINK("http://evil")', config: {}, params: { lr: 0.01, hidden: '16,8', note: '-rm' }, seed: 1, backend: 'wasm' });
  await store.markRunning(a.run_id, { backend: 'wasm', device: 'cpu', time: Date.UTC(2026, 0, 1) });
  await store.logEpoch(a.run_id, { step: 1, time: 1, metrics: { train_loss: 0.9, val_accuracy: 0.5, delta: -0.25 } });
  await store.logEpoch(a.run_id, { step: 2, time: 2, metrics: { train_loss: 0.4, val_accuracy: 0.8, delta: -0.5 } });
  await store.endRun(a.run_id, { status: 'finished', time: Date.UTC(2026, 0, 1) + 1500 });
  const b = await store.createRun({ experiment: 'other', config: {}, params: { lr: 0.1 }, seed: 2, backend: 'wasm', dataset: 'iris' });
  await store.logEpoch(b.run_id, { step: 1, time: 3, metrics: { train_loss: NaN } });
  return { store, a, b };
}

describe('run table export', () => {
  it('writes one CSV row per run: base columns, then params, final metrics and best metrics', async () => {
    const { store } = await storeWithRuns();
    const table = await exportRuns(store, 'csv');
    const rows = parse(table.content, { columns: true, strict: true } as never) as Record<string, string>[];
    expect(table.rows).toBe(2);
    expect(Object.keys(rows[0] as object)).toEqual([
      'run_id', 'name', 'experiment', 'status', 'backend', 'started_at', 'duration_s',
      'params.hidden', 'params.lr', 'params.note',
      'metrics.train_loss', 'metrics.val_accuracy', 'metrics.delta',
      'best.train_loss', 'best.val_accuracy', 'best.delta',
    ]);
    expect(rows[0]).toMatchObject({ run_id: '1', status: 'finished', started_at: '2026-01-01T00:00:00.000Z', duration_s: '1.5', 'params.lr': '0.01', 'metrics.train_loss': '0.4', 'best.val_accuracy': '0.8', 'best.delta': '-0.5' });
    expect(rows[1]).toMatchObject({ run_id: '2', 'metrics.train_loss': 'NaN', 'best.train_loss': '', 'params.hidden': '' });
    store.close();
  });

  it('escapes text that a spreadsheet would run as a formula, but leaves numbers alone', async () => {
    const { store } = await storeWithRuns();
    const rows = parse((await exportRuns(store, 'csv')).content, { columns: true } as never) as Record<string, string>[];
    expect(rows[0]?.name).toBe(`'=HYPERLINK("http://evil")`);
    expect(rows[0]?.['params.note']).toBe("'-rm");
    expect(rows[0]?.['metrics.delta']).toBe('-0.5');
    expect(['=1', '+1', '-x', '@x', '\tx', '\rx'].map((s) => escapeFormula(s))).toEqual(["'=1", "'+1", "'-x", "'@x", "'\tx", "'\rx"]);
    expect(escapeFormula(-3)).toBe(-3);
    expect(escapeFormula('-Infinity')).toBe('-Infinity');
    expect(toCsv(['a'], [['x,"y"']])).toBe('a\r\n"x,""y"""\r\n');
    store.close();
  });

  it('writes JSON with params, final and best metrics, and every epoch of history', async () => {
    const { store } = await storeWithRuns();
    const runs = JSON.parse((await exportRuns(store, 'json')).content) as Array<Record<string, unknown> & { history: Record<string, { step: number; value: unknown }[]> }>;
    expect(runs[0]).toMatchObject({ run_id: 1, params: { lr: 0.01 }, metrics: { train_loss: 0.4 }, best: { val_accuracy: 0.8 } });
    expect(runs[0]?.history.train_loss?.map((p) => [p.step, p.value])).toEqual([[1, 0.9], [2, 0.4]]);
    expect(runs[1]?.history.train_loss?.[0]?.value).toBe('NaN');
    store.close();
  });

  it('exports only the selected runs or experiment', async () => {
    const { store, b } = await storeWithRuns();
    expect((await exportRuns(store, 'csv', { runIds: [b.run_id] })).rows).toBe(1);
    expect((await exportRuns(store, 'csv', { experiment: 'other' })).rows).toBe(1);
    expect((await exportRuns(store, 'csv', { experiment: 'other' })).filename).toMatch(/^runboard-runs-other-.*\.csv$/);
    store.close();
  });
});
