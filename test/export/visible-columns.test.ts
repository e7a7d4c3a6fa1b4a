import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_COLUMNS, columnFor, columnsFor, DEFAULT_COLUMN_IDS, exportColumns, type RunColumn } from '../../src-renderer/lib/run-columns';
import { useCore } from '../helpers/core';

/**
 * The UI's Export saves what the table shows: each visible column, in its order, through `runs/export` (the issue:
 * gap, created and tags were left out although the table showed them).
 */

const newCore = useCore();

async function coreWithRuns() {
  const { core } = await newCore();
  const store = core.store;
  const add = async (name: string, metrics: Record<string, number>, tags: Record<string, string>) => {
    const run = await store.createRun({ experiment: 'default', name, config: {}, params: { dataset: 'iris', hidden: '8', optimizer: 'sgd', lr: 0.01, batch_size: 16, epochs: 1, dropout: 0.2 }, seed: 1, backend: 'wasm' });
    await store.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: Date.UTC(2026, 0, 1) });
    await store.logEpoch(run.run_id, { step: 1, time: 1, metrics });
    await store.endRun(run.run_id, { status: 'finished', time: Date.UTC(2026, 0, 1) + 2000 });
    if (Object.keys(tags).length > 0) await store.annotations.setTags(run.run_id, tags);
    return (await store.getRun(run.run_id))!;
  };
  const tagged = await add('tagged', { train_loss: 0.3, train_accuracy: 0.95, val_accuracy: 0.8, val_loss: 0.4 }, { stage: 'paper', reviewed: '' });
  const plain = await add('plain', { train_loss: 0.5, val_accuracy: 0.7 }, {});
  return { core, tagged, plain };
}

/** The export columns of the table's visible columns, as the page sends them. */
const exported = (columns: readonly RunColumn[]) => columns.flatMap((column) => exportColumns(column));

describe('Export saves exactly the columns the table shows, in their order', () => {
  it('maps every table column to one export column, the sweep column to its two numbers', () => {
    for (const id of ATTRIBUTE_COLUMNS) {
      const column = columnFor(id) as RunColumn;
      expect(exportColumns(column), id).toHaveLength(id === 'sweep' ? 2 : 1);
    }
    expect(exported(columnsFor(['gap', 'created', 'tags', 'duration', 'run_id']))).toEqual(['gap', 'created_at', 'tags', 'duration_s', 'run_id']);
  });

  it("the default table's columns (gap, created and tags among them) come back as the file's header, with their values", async () => {
    const { core, tagged } = await coreWithRuns();
    const columns = exported(columnsFor(DEFAULT_COLUMN_IDS));
    expect(columns).toEqual(expect.arrayContaining(['gap', 'created_at', 'tags']));
    const result = await core.api.call('runs/export', { format: 'csv', columns, sort: { column: 'run_id', direction: 'asc' } });
    if (!result.ok) throw new Error(result.error.message);
    const text = result.value.content;
    expect(text.split(/\r?\n/)[0]?.split(',')).toEqual(columns);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.name)).toEqual(['tagged', 'plain']);
    expect(Number(rows[0]?.gap)).toBeCloseTo(0.15, 10);
    expect(rows[1]?.gap).toBe('');
    expect(rows[0]?.created_at).toBe(new Date(tagged.created_at).toISOString());
    expect(rows[0]?.tags).toBe('reviewed, stage=paper');
    expect(rows[1]?.tags).toBe('');
  });

  it('keeps a chosen order, in every format', async () => {
    const { core } = await coreWithRuns();
    const columns = exported(columnsFor(['tags', 'name', 'gap', 'created']));
    for (const format of ['csv', 'md', 'json'] as const) {
      const result = await core.api.call('runs/export', { format, columns, run_ids: [1], include_archived: true });
      if (!result.ok) throw new Error(result.error.message);
      const header = format === 'json' ? Object.keys((JSON.parse(result.value.content) as Record<string, unknown>[])[0] ?? {}).filter((k) => k !== 'history') : (result.value.content.split(/\r?\n/)[0] ?? '').replace(/^\| | \|$/g, '').split(format === 'md' ? ' | ' : ',');
      expect(header, format).toEqual(['tags', 'name', 'gap', 'created_at']);
    }
  });
});
