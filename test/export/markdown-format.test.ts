import { parse } from 'csv-parse/sync';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportRuns } from '../../src-main/export';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { formatMetric, formatParamShort } from '../../src-renderer/lib/format';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();

/** A run whose numbers have many digits, as real ones do. */
async function storeWithRun() {
  const store = SqliteStore.open({ path: join(tempDir(), 'x.db'), explicit: true });
  const run = await store.createRun({ experiment: 'default', name: 'long-numbers', config: {}, params: { lr: 0.00123456789, dropout: 0.2, hidden: '256,128', batch_size: 32 }, seed: 1, backend: 'wasm' });
  await store.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: Date.UTC(2026, 0, 1) });
  await store.logEpoch(run.run_id, { step: 1, time: 1, metrics: { train_accuracy: 0.9512345678, val_accuracy: 0.8123456789, val_loss: 0.123456789, lr: 0.00123456789 } });
  await store.logEpoch(run.run_id, { step: 2, time: 2, metrics: { train_accuracy: 0.9712345678, val_accuracy: 0.8023456789, val_loss: 0.0000123456, lr: 0.000617283945 } });
  await store.endRun(run.run_id, { status: 'finished', time: Date.UTC(2026, 0, 1) + 83_456 });
  return store;
}

/** The Markdown table's body cells by column name. */
function markdownRow(text: string): Record<string, string> {
  const [header, , row] = text.trim().split('\n').map((line) => line.replace(/^\| | \|$/g, '').split(' | '));
  return Object.fromEntries((header ?? []).map((name, i) => [name, row?.[i] ?? '']));
}

describe('Markdown export: numbers as the runs table shows them', () => {
  it('metrics to four significant digits, params as the table cells, the gap signed, the duration in words', async () => {
    const store = await storeWithRun();
    const columns = ['name', 'params.lr', 'params.hidden', 'params.batch_size', 'metrics.val_loss', 'metrics.val_accuracy', 'best.val_loss', 'gap', 'duration_s', 'run_id'];
    const cells = markdownRow((await exportRuns(store, 'md', { columns })).content);
    expect(cells).toEqual({
      name: 'long-numbers',
      'params.lr': formatParamShort(0.00123456789),
      'params.hidden': '256, 128',
      'params.batch_size': '32',
      'metrics.val_loss': formatMetric(0.0000123456),
      'metrics.val_accuracy': formatMetric(0.8023456789),
      'best.val_loss': formatMetric(0.0000123456),
      gap: '+0.169',
      duration_s: '1m 23s',
      run_id: '1',
    });
    expect(cells['params.lr']).toBe('0.00123');
    expect(cells['metrics.val_accuracy']).toBe('0.8023');
    expect(cells['metrics.val_loss']).toBe('1.23e-5');
    store.close();
  });

  it('leaves the machine-read formats at full precision', async () => {
    const store = await storeWithRun();
    const rows = parse((await exportRuns(store, 'csv', { columns: ['params.lr', 'metrics.val_accuracy', 'gap'] })).content, { columns: true }) as Record<string, string>[];
    expect(rows[0]).toEqual({ 'params.lr': '0.00123456789', 'metrics.val_accuracy': '0.8023456789', gap: String(0.9712345678 - 0.8023456789) });
    store.close();
  });
});

describe('best.* only where best means something', () => {
  it('has no best.lr column (the learning rate is a setting), but best of every result metric', async () => {
    const store = await storeWithRun();
    for (const format of ['csv', 'md'] as const) {
      const header = (await exportRuns(store, format)).content.split('\n')[0] ?? '';
      expect(header, format).toContain('metrics.lr');
      expect(header, format).toContain('best.val_loss');
      expect(header, format).toContain('best.val_accuracy');
      expect(header, format).not.toContain('best.lr');
    }
    await expect(exportRuns(store, 'csv', { columns: ['name', 'best.lr'] })).rejects.toThrow(/unknown column best\.lr/);
    expect((await store.listRuns())[0]?.best).not.toHaveProperty('lr');
    store.close();
  });
});
