import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertCsv } from '../../src-main/datasets/csv-import';
import { AppError } from '../../src-shared/api/errors';

/**
 * Property tests of CSV import (issue 15 item 3): whatever the text, `convertCsv` answers the dataset or an AppError
 * (BAD_INPUT naming a line and column, or PAYLOAD_TOO_LARGE), never another error; and any table written as CSV, in any
 * of the ways RFC 4180 allows (quoted or not, LF or CRLF, a BOM, no final newline) and read in chunks of any size,
 * is stored as the same header, numbers and labels, in a canonical form that imports to itself. Seeds are fixed.
 */
const SEED = 15;

/** Imports a CSV text as the API does, collecting the canonical text it writes. */
async function importText(csv: string, chunkSize?: number): Promise<string> {
  let stored = '';
  await convertCsv({ csv }, async (text) => void (stored += text), { displayName: 'fuzzed.csv', ...(chunkSize ? { chunkSize } : {}) });
  return stored;
}

interface Table {
  header: string[];
  rows: Array<{ features: number[]; label: string }>;
}

/** A cell as a writer might write it: bare where RFC 4180 allows, or quoted anyway, with quotes doubled. */
function cell(text: string, quoted: boolean): string {
  const needsQuotes = /[",\r\n]/.test(text) || text !== text.trim() || text === '';
  return quoted || needsQuotes ? `"${text.replace(/"/g, '""')}"` : text;
}

const name = fc.string({ minLength: 1, maxLength: 8, unit: 'binary' }).filter((text) => !text.includes('\0'));
const table: fc.Arbitrary<Table> = fc.integer({ min: 1, max: 4 }).chain((features) =>
  fc.record({
    header: fc.uniqueArray(name, { minLength: features + 1, maxLength: features + 1 }),
    rows: fc.array(
      fc.record({
        // Numbers a model can take (32-bit floats), written as JavaScript writes them.
        features: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: features, maxLength: features }),
        label: name,
      }),
      { minLength: 2, maxLength: 6 },
    ),
  }),
).filter((t) => new Set(t.rows.map((row) => row.label)).size >= 2); // a classifier needs two classes
const layout = fc.record({ quoteAll: fc.boolean(), crlf: fc.boolean(), bom: fc.boolean(), finalNewline: fc.boolean(), chunkSize: fc.integer({ min: 1, max: 64 }) });

function write(t: Table, how: { quoteAll: boolean; crlf: boolean; bom: boolean; finalNewline: boolean }): string {
  const end = how.crlf ? '\r\n' : '\n';
  const lines = [t.header.map((h) => cell(h, how.quoteAll)).join(','), ...t.rows.map((row) => [...row.features.map(String), cell(row.label, how.quoteAll)].join(','))];
  return `${how.bom ? '\uFEFF' : ''}${lines.join(end)}${how.finalNewline ? end : ''}`;
}

/** CSV-looking noise: cells, quotes, separators and line breaks in any order, and arbitrary text. */
const PIECES = ['x', 'label', '1', '-2.5e3', '1e999', 'NaN', '0x10', '', ' ', ',', '"', '""', '\n', '\r\n', '\r', '\uFEFF', 'é', '\0', 'a"b', '"a,b"', '"unclosed'];
const csvish = fc.oneof(fc.string({ maxLength: 80 }), fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((pieces) => pieces.join('')));

describe('CSV import, by properties', () => {
  it('answers any text with a dataset or an AppError, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(csvish, fc.integer({ min: 1, max: 16 }), async (csv, chunkSize) => {
        try {
          await importText(csv, chunkSize);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          expect(['BAD_INPUT', 'PAYLOAD_TOO_LARGE']).toContain((error as AppError).code);
        }
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('stores any table, however it is written and read, as the same header, numbers and labels, in a form that imports to itself', async () => {
    await fc.assert(
      fc.asyncProperty(table, layout, async (t, how) => {
        const stored = await importText(write(t, how), how.chunkSize);
        const records = parse(stored, { relax_column_count: false }) as string[][];
        expect(records[0]).toEqual(t.header);
        expect(records.slice(1).map((record) => ({ features: record.slice(0, -1).map(Number), label: record.at(-1) }))).toEqual(
          t.rows.map((row) => ({ features: row.features.map((value) => Number(String(value))), label: row.label })),
        );
        expect(await importText(stored)).toBe(stored);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
