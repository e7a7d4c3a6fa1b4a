import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { AppError } from '../../src-shared/api/errors';
import { CsvChecker, compareClassNames, type CsvColumns } from './csv-checker';
import { LineCounter, csvParseOptions, describeParseError } from './csv-records';

/**
 * A labelled dataset in memory: `width` values per sample in row-major order, one class index per row. Tables hold
 * float features; image datasets hold their pixels as bytes (height x width x channels per sample), converted to
 * model inputs one batch at a time.
 */
export interface LabelledTable {
  /** Column names of a table; empty for images. */
  featureNames: string[];
  /** Values per sample. */
  width: number;
  /** rows x width, row-major. */
  features: Float32Array | Uint8Array;
  /** Class index of each row, into `classes`. */
  labels: Int32Array;
  /** Class names, sorted in natural order (`2` before `10`). */
  classes: string[];
  rows: number;
  /** The last `testRows` rows are the dataset's own test part (MNIST's t10k files); 0 when it has none. */
  testRows: number;
}

export { compareClassNames };

/** Grows by doubling, so reading never holds more than the table and one spare copy of it. */
class GrowingTable {
  features: Float32Array;
  labels: Int32Array;
  rows = 0;

  constructor(private readonly width: number) {
    this.features = new Float32Array(width * 1024);
    this.labels = new Int32Array(1024);
  }

  push(values: Float64Array, label: number): void {
    if (this.rows === this.labels.length) {
      const features = new Float32Array(this.features.length * 2);
      features.set(this.features);
      this.features = features;
      const labels = new Int32Array(this.labels.length * 2);
      labels.set(this.labels);
      this.labels = labels;
    }
    this.features.set(values, this.rows * this.width);
    this.labels[this.rows++] = label;
  }
}

/**
 * Reads a CSV with a header row, numeric feature columns and a label column (the last, unless `label` names another):
 * the built-in datasets and imported ones in their stored form. As strict as the import, and every failure names
 * the file, line and column. Records are turned into numbers as they are parsed, not kept as text.
 * @throws AppError(BAD_INPUT) when the file cannot be read or is not a sound labelled table.
 */
export function readLabelledCsv(file: string, options: { label?: string } = {}): LabelledTable {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new AppError('BAD_INPUT', `Cannot read dataset ${file}: ${(error as Error).message}`);
  }
  const checker = new CsvChecker({ context: `Cannot read dataset ${file}`, field: 'dataset', label: options.label, maxRows: Number.MAX_SAFE_INTEGER });
  const lines = new LineCounter();
  const state: { columns: CsvColumns | null; table: GrowingTable | null; values: Float64Array } = { columns: null, table: null, values: new Float64Array(0) };
  try {
    parse(
      bytes,
      csvParseOptions((record, raw) => {
        const line = lines.next(raw);
        if (!state.table) {
          state.columns = checker.readHeader(record, line);
          state.table = new GrowingTable(state.columns.featureNames.length);
          state.values = new Float64Array(state.columns.featureNames.length);
        } else {
          const label = checker.readRow(record, line, state.values);
          if (label >= 0) state.table.push(state.values, label);
        }
        return null;
      }),
    );
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('BAD_INPUT', `Cannot read dataset ${file}: ${describeParseError(error, lines) ?? (error as Error).message}.`);
  }
  const classes = checker.finish();
  const { columns, table } = state;
  if (!columns || !table) throw new Error('unreachable: finish() refuses a file without a header');
  const width = columns.featureNames.length;
  // Class ids were handed out in order of first appearance; renumber them in the classes' natural order.
  const order = new Map(classes.map((name, i) => [name, i]));
  const remap = Int32Array.from(checker.classesSeen, (name) => order.get(name) as number);
  const labels = Int32Array.from(table.labels.subarray(0, table.rows), (id) => remap[id] as number);
  return { featureNames: columns.featureNames, width, features: table.features.slice(0, table.rows * width), labels, classes, rows: table.rows, testRows: 0 };
}
