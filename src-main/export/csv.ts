import { stringify } from 'csv-stringify/sync';
import type { Cell } from './run-table';

/**
 * Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) gets a leading
 * apostrophe. Numbers are never touched, so -0.5 stays a number, and neither is a metric's `-Infinity`.
 */
export function escapeFormula(cell: Cell): Cell {
  if (typeof cell === 'string' && /^[=+\-@\t\r]/.test(cell) && cell !== '-Infinity') return `'${cell}`;
  return cell;
}

/** RFC 4180 CSV with a header row; CRLF line ends; nulls as empty cells. */
export function toCsv(columns: readonly string[], rows: readonly Cell[][]): string {
  return stringify([columns as string[], ...rows.map((row) => row.map(escapeFormula))], {
    record_delimiter: 'windows',
    cast: { boolean: (value) => (value ? 'true' : 'false'), number: (value) => String(value) },
  });
}
