import { AppError, type FieldError } from '../../src-shared/api/errors';

/** Most data rows an import accepts. */
export const MAX_IMPORT_ROWS = 1_000_000;
/** Most columns (features and the label) an import accepts. */
export const MAX_IMPORT_COLUMNS = 10_000;
/** Most distinct labels: more almost always means the label column is a measurement, not a class. */
export const MAX_CLASSES = 1_000;

/** Bad cells shown per column, and columns shown per report: enough to see the pattern, short enough to read. */
const SAMPLES = 5;
const MAX_REPORTED_COLUMNS = 10;

/** A decimal number as people write them in CSV files: `3`, `-0.5`, `.5`, `1e-3`. Not `0x10`, `Infinity`, `1,5` or ``. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The value of a feature cell, or null when it is not a number a model can take (a 32-bit float).
 * Stricter than `Number()`, which reads `` as 0 and accepts `0x10` and `Infinity`.
 */
export function parseNumber(cell: string): number | null {
  if (!DECIMAL.test(cell)) return null;
  const value = Number(cell);
  return Number.isFinite(Math.fround(value)) ? value : null;
}

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

/**
 * Class names in natural order (`2` before `10`), ties (names the collator sees as equal) broken by code point,
 * so the order never depends on the order rows came in.
 */
export function compareClassNames(a: string, b: string): number {
  return naturalOrder(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

export interface CsvColumns {
  /** Feature names, in file order. */
  featureNames: string[];
  labelName: string;
  /** 0-based index of the label column in the file. */
  labelColumn: number;
  /** 0-based index in the file of each feature, in feature order. */
  featureColumns: number[];
  /** Columns in the file. */
  width: number;
}

export interface CheckerOptions {
  /** What is being read, first in every message: `Cannot import data.csv`. */
  context: string;
  /** The field errors are reported on (`csv` for an import). */
  field: string;
  /** The label column's header; the last column when absent. */
  label?: string | undefined;
  maxRows?: number;
  maxClasses?: number;
}

interface CellReport {
  count: number;
  samples: { line: number; value: string }[];
}

const quote = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function note(report: CellReport, line: number, value: string): void {
  report.count++;
  if (report.samples.length < SAMPLES) report.samples.push({ line, value });
}

function describeCells(report: CellReport): string {
  const shown = report.samples.map((s) => `line ${s.line} ${s.value === '' ? '(empty)' : quote(s.value)}`).join(', ');
  return report.count > report.samples.length ? `${shown}, ... (${report.count - report.samples.length} more)` : shown;
}

/** Why values like these are not numbers, when the reason is a common one. */
function hint(report: CellReport): string {
  const values = report.samples.map((s) => s.value);
  const hints: string[] = [];
  if (values.some((v) => /^[+-]?\d*,\d+$/.test(v))) hints.push('decimal commas are not read as numbers: write 1.5, not 1,5');
  if (values.some((v) => v === '' || /^(na|n\/a|nan|null|none|missing|\?|-)$/i.test(v))) hints.push('missing values: fill them in or drop those rows first');
  if (values.some((v) => DECIMAL.test(v))) hints.push('numbers beyond ±3.4e38 do not fit the 32-bit floats a model computes with');
  return hints.length > 0 ? ` (${hints.join('; ')})` : '';
}

/**
 * Checks a labelled CSV one record at a time, the same for the import (streamed) and for reading a stored dataset:
 * the header, then every row. Problems in rows are collected, not thrown, so one report names all of them
 * (each with its line and column); `finish` throws that report. Memory stays bounded: counts and a few samples.
 */
export class CsvChecker {
  private columns: CsvColumns | null = null;
  private headerLine = 1;
  private rowCount = 0;
  private firstRowLine = 0;
  private lastRowLine = 0;
  private readonly classIds = new Map<string, number>();
  private readonly ragged: { count: number; samples: { line: number; found: number }[] } = { count: 0, samples: [] };
  private badCells: CellReport[] = [];
  private readonly emptyLabels: CellReport = { count: 0, samples: [] };
  private readonly maxRows: number;
  private readonly maxClasses: number;

  constructor(private readonly options: CheckerOptions) {
    this.maxRows = options.maxRows ?? MAX_IMPORT_ROWS;
    this.maxClasses = options.maxClasses ?? MAX_CLASSES;
  }

  /** Data rows seen so far (good or bad). */
  get rows(): number {
    return this.rowCount;
  }

  /** Class names in order of first appearance; `readRow`'s class ids index this list. */
  get classesSeen(): string[] {
    return [...this.classIds.keys()];
  }

  /** True when a row so far had a problem: the caller may stop keeping output, the report will fail. */
  get hasProblems(): boolean {
    return this.ragged.count > 0 || this.emptyLabels.count > 0 || this.badCells.some((c) => c.count > 0);
  }

  private fail(message: string, extra: string[] = [], field = this.options.field): never {
    const problems = [message, ...extra];
    const fields: FieldError[] = problems.map((m) => ({ field, message: m }));
    const text = problems.length === 1 ? `${this.options.context}: ${message}.` : `${this.options.context}:\n${problems.map((p) => `  ${p}.`).join('\n')}`;
    throw new AppError('BAD_INPUT', text, fields);
  }

  /**
   * Checks the header row and finds the label column.
   * @throws AppError(BAD_INPUT) at once: without a sound header no row can be checked.
   */
  readHeader(record: string[], line: number): CsvColumns {
    this.headerLine = line;
    if (record.length > MAX_IMPORT_COLUMNS) {
      this.fail(`line ${line}, column ${MAX_IMPORT_COLUMNS + 1}: ${record.length} columns, more than the ${MAX_IMPORT_COLUMNS} a dataset may have`);
    }
    if (record.length < 2) {
      this.fail(
        `line ${line}, column 1: only one column (${quote(record[0] ?? '')}); a dataset needs at least one feature column and a label column, separated by commas`,
      );
    }
    const problems: string[] = [];
    const empty = record.flatMap((name, i) => (name === '' ? [i + 1] : []));
    if (empty.length > 0) {
      problems.push(`line ${line}, column ${empty.join(', ')}: ${empty.length === 1 ? 'a column has' : 'columns have'} no name in the header row; every column needs one`);
    }
    const firstSeen = new Map<string, number>();
    record.forEach((name, i) => {
      if (name === '') return;
      const first = firstSeen.get(name);
      if (first === undefined) firstSeen.set(name, i + 1);
      else problems.push(`line ${line}, column ${i + 1}: duplicate header ${quote(name)} (also column ${first}); header names must be unique`);
    });
    if (problems.length > 0) this.fail(problems[0] as string, problems.slice(1));

    let labelColumn = record.length - 1;
    if (this.options.label !== undefined) {
      const wanted = this.options.label.trim();
      labelColumn = record.indexOf(wanted);
      if (labelColumn < 0) {
        const near = record.find((name) => name.toLowerCase() === wanted.toLowerCase());
        this.fail(
          `line ${line}: no column is named ${quote(wanted)}${near ? ` (did you mean ${quote(near)}?)` : ''}; columns 1-${record.length} are ${record.map((n) => quote(n)).join(', ')}`,
          [],
          'label',
        );
      }
    }
    const featureColumns = record.map((_, i) => i).filter((i) => i !== labelColumn);
    this.columns = {
      featureNames: featureColumns.map((i) => record[i] as string),
      labelName: record[labelColumn] as string,
      labelColumn,
      featureColumns,
      width: record.length,
    };
    this.badCells = featureColumns.map(() => ({ count: 0, samples: [] }));
    return this.columns;
  }

  /**
   * Checks one data row. Fills `values` (one slot per feature) and returns the row's class id (into `classesSeen`),
   * or -1 when the row has a problem, which is noted for the report.
   * @throws AppError(BAD_INPUT) at once when a limit is passed (rows, classes).
   */
  readRow(record: string[], line: number, values: Float64Array): number {
    const columns = this.columns;
    if (!columns) throw new Error('readRow before readHeader');
    this.rowCount++;
    if (this.rowCount === 1) this.firstRowLine = line;
    this.lastRowLine = line;
    if (this.rowCount > this.maxRows) {
      this.fail(`line ${line}, column 1: more than ${this.maxRows.toLocaleString('en')} data rows, the most a dataset may have; import a sample of the file`);
    }
    if (record.length !== columns.width) {
      this.ragged.count++;
      if (this.ragged.samples.length < SAMPLES) this.ragged.samples.push({ line, found: record.length });
      return -1;
    }
    let ok = true;
    columns.featureColumns.forEach((column, i) => {
      const cell = record[column] as string;
      const value = parseNumber(cell);
      if (value === null) {
        note(this.badCells[i] as CellReport, line, cell);
        ok = false;
      } else {
        values[i] = value;
      }
    });
    const label = record[columns.labelColumn] as string;
    if (label === '') {
      note(this.emptyLabels, line, label);
      return -1;
    }
    let id = this.classIds.get(label);
    if (id === undefined) {
      if (this.classIds.size >= this.maxClasses) {
        this.fail(
          `line ${line}, column ${columns.labelColumn + 1}: the label column ${quote(columns.labelName)} has more than ${this.maxClasses} different values; ` +
            'a class label is a category (a species, a digit), not a measurement: choose the label column by name',
        );
      }
      id = this.classIds.size;
      this.classIds.set(label, id);
    }
    return ok ? id : -1;
  }

  /**
   * Ends the check after the last record.
   * @returns the class names in natural order
   * @throws AppError(BAD_INPUT) with every problem found: no data rows, rows with the wrong number of fields,
   *   cells that are not numbers (per column), empty labels, fewer than 2 classes.
   */
  finish(): string[] {
    const columns = this.columns;
    if (!columns) this.fail('line 1, column 1: the file is empty; a dataset needs a header row and data rows');
    if (this.rowCount === 0) {
      this.fail(`line ${this.headerLine + 1}, column 1: there are no data rows after the header (line ${this.headerLine}); a dataset needs rows`);
    }
    const problems: string[] = [];
    if (this.ragged.count > 0) {
      const [first, ...others] = this.ragged.samples as [{ line: number; found: number }, ...{ line: number; found: number }[]];
      const column = first.found < columns.width ? first.found + 1 : columns.width + 1;
      const what = first.found < columns.width ? `column ${column} is missing` : `column ${column} is one too many (an unquoted comma in a value?)`;
      let text = `line ${first.line}, column ${column}: ${plural(first.found, 'field')} where the header has ${columns.width} (${what})`;
      if (this.ragged.count > 1) {
        const more = others.map((s) => `line ${s.line} (${plural(s.found, 'field')})`).join(', ');
        text += `; ${plural(this.ragged.count - 1, 'more row')} with the wrong number of fields: ${more}${this.ragged.count - 1 > others.length ? ', ...' : ''}`;
      }
      problems.push(text);
    }
    const badColumns = columns.featureColumns.flatMap((column, i) => {
      const report = this.badCells[i] as CellReport;
      return report.count > 0 ? [{ column, name: columns.featureNames[i] as string, report }] : [];
    });
    for (const bad of badColumns.slice(0, MAX_REPORTED_COLUMNS)) {
      problems.push(`column ${bad.column + 1} ${quote(bad.name)}: ${plural(bad.report.count, 'value is not a number', 'values are not numbers')}: ${describeCells(bad.report)}${hint(bad.report)}`);
    }
    if (badColumns.length > MAX_REPORTED_COLUMNS) {
      const rest = badColumns.slice(MAX_REPORTED_COLUMNS);
      problems.push(`${plural(rest.length, 'more column')} with values that are not numbers: ${rest.map((b) => `${b.column + 1} ${quote(b.name)}`).join(', ')}`);
    }
    if (this.emptyLabels.count > 0) {
      problems.push(
        `column ${columns.labelColumn + 1} ${quote(columns.labelName)} (the label): ${plural(this.emptyLabels.count, 'row has', 'rows have')} no label: ` +
          this.emptyLabels.samples.map((s) => `line ${s.line}`).join(', ') +
          (this.emptyLabels.count > this.emptyLabels.samples.length ? ', ...' : ''),
      );
    }
    if (problems.length > 0) this.fail(problems[0] as string, problems.slice(1));
    if (this.classIds.size < 2) {
      const only = this.classesSeen[0] ?? '';
      this.fail(
        `column ${columns.labelColumn + 1} ${quote(columns.labelName)}, lines ${this.firstRowLine}-${this.lastRowLine}: every row has the label ${quote(only)}; ` +
          'a classifier needs at least 2 classes (is this the label column?)',
      );
    }
    return this.classesSeen.sort(compareClassNames);
  }
}
