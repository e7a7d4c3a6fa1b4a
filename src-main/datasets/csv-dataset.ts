import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { AppError } from '../../src-shared/api/errors';

/** A labelled table: numeric features in row-major order, one class index per row. */
export interface LabelledTable {
  featureNames: string[];
  /** rows x featureNames.length, row-major. */
  features: Float32Array;
  /** Class index of each row, into `classes`. */
  labels: Int32Array;
  /** Class names, sorted in natural order (`2` before `10`). */
  classes: string[];
  rows: number;
}

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

/**
 * Reads a CSV with a header row, numeric feature columns and the label in the last column.
 * Built-in datasets are read this way; every failure names the file, line and column.
 */
export function readLabelledCsv(file: string): LabelledTable {
  let records: string[][];
  try {
    records = parse(readFileSync(file), { bom: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (error) {
    throw new AppError('BAD_INPUT', `Cannot read dataset ${file}: ${(error as Error).message}`);
  }
  const header = records[0];
  if (!header || header.length < 2 || records.length < 2) throw new AppError('BAD_INPUT', `Dataset ${file} needs a header row, at least one feature column and one data row.`);
  const featureNames = header.slice(0, -1);
  const width = featureNames.length;
  const rows = records.length - 1;
  const features = new Float32Array(rows * width);
  const labelNames: string[] = new Array<string>(rows);
  for (let r = 0; r < rows; r++) {
    const record = records[r + 1] as string[];
    for (let c = 0; c < width; c++) {
      const cell = record[c] as string;
      const value = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(value)) {
        throw new AppError('BAD_INPUT', `Dataset ${file}, line ${r + 2}, column ${c + 1} (${featureNames[c]}): "${cell}" is not a number.`);
      }
      features[r * width + c] = value;
    }
    labelNames[r] = record[width] as string;
  }
  const classes = [...new Set(labelNames)].sort(naturalOrder);
  const index = new Map(classes.map((name, i) => [name, i]));
  const labels = Int32Array.from(labelNames, (name) => index.get(name) as number);
  return { featureNames, features, labels, classes, rows };
}
