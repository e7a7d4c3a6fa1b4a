/**
 * Parquet's typed columns (`export/parquet.ts`), read back with a Parquet reader: whole-number ids as INT64, other
 * numbers (non-finite metrics included) as DOUBLE, booleans, times, and text for anything mixed; every column
 * nullable, missing values null.
 */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { toParquet } from '../../src-main/export/parquet';
import type { Cell } from '../../src-main/export/run-table';

function read(columns: string[], rows: Cell[][]) {
  const bytes = toParquet(columns, rows);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const schema = parquetMetadata(file).schema.slice(1);
  const types = Object.fromEntries(schema.map((s) => [s.name, s.converted_type ? `${s.type}/${s.converted_type}` : s.type]));
  return { types, schema, rows: () => parquetReadObjects({ file }) as Promise<Record<string, unknown>[]> };
}

describe('Parquet column types', () => {
  it('writes whole-number id columns as INT64', async () => {
    const ids = ['run_id', 'trial', 'sweep_id', 'parent_run_id', 'epochs', 'seed'];
    const { types, rows } = read(ids, [[1, 2, 3, 4, 5, 6], [7, null, null, null, 0, null]]);
    expect(types).toEqual(Object.fromEntries(ids.map((id) => [id, 'INT64'])));
    expect((await rows())[1]).toEqual({ run_id: 7n, trial: null, sweep_id: null, parent_run_id: null, epochs: 0n, seed: null });
  });

  it('writes other numbers as DOUBLE, whole ones included, and an id column with a fraction in it', async () => {
    const { types, rows } = read(['params.batch_size', 'duration_s', 'run_id'], [[32, 1.5, 1], [64, 2, 1.5]]);
    expect(types).toEqual({ 'params.batch_size': 'DOUBLE', duration_s: 'DOUBLE', run_id: 'DOUBLE' });
    expect((await rows())[1]).toEqual({ 'params.batch_size': 64, duration_s: 2, run_id: 1.5 });
  });

  it('writes metrics that JSON carries as text (NaN, Infinity, -Infinity) as DOUBLE values', async () => {
    const { types, rows } = read(['metrics.val_loss'], [['NaN'], ['Infinity'], ['-Infinity'], [0.5], [null]]);
    expect(types).toEqual({ 'metrics.val_loss': 'DOUBLE' });
    const values = (await rows()).map((row) => row['metrics.val_loss']);
    expect(values.slice(1)).toEqual([Infinity, -Infinity, 0.5, null]);
    expect(Number.isNaN(values[0])).toBe(true);
  });

  it('writes booleans as BOOLEAN, missing values included', async () => {
    const { types, rows } = read(['archived'], [[true], [null], [false]]);
    expect(types).toEqual({ archived: 'BOOLEAN' });
    expect((await rows()).map((row) => row.archived)).toEqual([true, null, false]);
  });

  it('writes started_at as a timestamp', async () => {
    const { types, rows } = read(['started_at'], [['2026-11-28T12:00:00.000Z'], [null]]);
    expect(types).toEqual({ started_at: 'INT64/TIMESTAMP_MILLIS' });
    const [first, second] = await rows();
    expect((first?.started_at as Date).toISOString()).toBe('2026-11-28T12:00:00.000Z');
    expect(second?.started_at).toBeNull();
  });

  it('writes text, a column mixing kinds, and a column with no value at all as text', async () => {
    const { types, rows } = read(['name', 'params.x', 'params.y', 'notes'], [['a', 1, true, null], [null, 'many', 'yes', null]]);
    expect(types).toEqual({ name: 'BYTE_ARRAY/UTF8', 'params.x': 'BYTE_ARRAY/UTF8', 'params.y': 'BYTE_ARRAY/UTF8', notes: 'BYTE_ARRAY/UTF8' });
    expect(await rows()).toEqual([
      { name: 'a', 'params.x': '1', 'params.y': 'true', notes: null },
      { name: null, 'params.x': 'many', 'params.y': 'yes', notes: null },
    ]);
  });

  it('makes every column nullable', () => {
    const { schema } = read(['run_id', 'name', 'archived', 'metrics.x'], [[1, 'a', true, 0.5]]);
    expect(schema.map((s) => s.repetition_type)).toEqual(['OPTIONAL', 'OPTIONAL', 'OPTIONAL', 'OPTIONAL']);
  });
});
