import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Cell } from './run-table';

type ParquetType = 'DOUBLE' | 'INT64' | 'BOOLEAN' | 'STRING' | 'TIMESTAMP';

/** Metric values that JSON writes as text are numbers in Parquet (DOUBLE holds NaN and infinities). */
function asNumber(cell: Cell): number | null {
  if (typeof cell === 'number') return cell;
  if (cell === 'NaN') return NaN;
  if (cell === 'Infinity') return Infinity;
  if (cell === '-Infinity') return -Infinity;
  return null;
}

/** The Parquet type of a column: whole-number ids as INT64, other numbers DOUBLE, booleans, times, else text. */
function columnType(name: string, cells: readonly Cell[]): ParquetType {
  const present = cells.filter((c) => c !== null);
  if (name === 'started_at') return 'TIMESTAMP';
  if (present.length > 0 && present.every((c) => typeof c === 'boolean')) return 'BOOLEAN';
  if (present.length > 0 && present.every((c) => asNumber(c) !== null)) {
    const ids = ['run_id', 'trial', 'sweep_id', 'parent_run_id', 'epochs', 'seed'];
    return ids.includes(name) && present.every((c) => Number.isInteger(c)) ? 'INT64' : 'DOUBLE';
  }
  return 'STRING';
}

/** A Parquet file with one typed, nullable column per table column. */
export function toParquet(columns: readonly string[], rows: readonly Cell[][]): Uint8Array {
  const columnData = columns.map((name, c) => {
    const cells = rows.map((row) => row[c] ?? null);
    const type = columnType(name, cells);
    const data = cells.map((cell) => {
      if (cell === null) return null;
      switch (type) {
        case 'TIMESTAMP':
          return new Date(String(cell));
        case 'INT64':
          return BigInt(cell as number);
        case 'DOUBLE':
          return asNumber(cell);
        case 'BOOLEAN':
          return cell;
        default:
          return String(cell);
      }
    });
    return { name, data, type, nullable: true };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}
