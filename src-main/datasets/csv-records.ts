import type { Options } from 'csv-parse';

const LINE_BREAK = /\r\n|\r|\n/g;
const LEADING_BREAKS = /^(?:\r\n|\r|\n)*/;

function countBreaks(text: string): number {
  return text.match(LINE_BREAK)?.length ?? 0;
}

/**
 * Line numbers of records, from the raw text csv-parse hands over with each record (option `raw`). csv-parse's own
 * `info.lines` counts a CRLF inside a quoted field as two lines; the raw text holds the empty lines skipped before a
 * record, the record and its line break, so counting breaks in it gives the line each record starts on.
 */
export class LineCounter {
  private breaks = 0;

  /** The line the record with this raw text starts on (1-based); advances past it. */
  next(raw: string): number {
    const start = 1 + this.breaks + countBreaks(LEADING_BREAKS.exec(raw)?.[0] ?? '');
    this.breaks += countBreaks(raw);
    return start;
  }

  /** Where a record that failed to parse starts, from the raw text the parser's error carries. */
  startOf(raw: string | undefined): number {
    return 1 + this.breaks + countBreaks(LEADING_BREAKS.exec(raw ?? '')?.[0] ?? '');
  }

  /** The line a parser error happened on: the lines before the failed record plus those it read of it. */
  at(raw: string | undefined): number {
    return 1 + this.breaks + countBreaks(raw ?? '');
  }
}

/**
 * csv-parse options shared by the import and the reader: RFC 4180, a BOM, blank lines skipped, spaces around values
 * trimmed, and every record handed to `onRecord` with its raw text (for line numbers) as it is parsed. Whatever
 * `onRecord` returns is what the parser emits (null: nothing). Rows of any length pass, so the checker can name them.
 */
export function csvParseOptions(onRecord: (record: string[], raw: string) => unknown): Options {
  // With `raw`, csv-parse hands on_record `{ record, raw }`, which its types do not model.
  const on_record = (parsed: unknown) => {
    const { record, raw } = parsed as { record: string[]; raw: string };
    return onRecord(record, raw);
  };
  return { bom: true, raw: true, relax_column_count: true, skip_empty_lines: true, trim: true, on_record: on_record as Options['on_record'] };
}

interface CsvParseError {
  code: string;
  column?: unknown;
  raw?: unknown;
}

function isCsvParseError(error: unknown): error is CsvParseError {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(CSV_|INVALID_)/.test(code);
}

/**
 * A csv-parse error as a message with the line and column, or null for an error that is not csv-parse's.
 * Its own message has only a line number, which CRLF in quoted fields can throw off.
 */
export function describeParseError(error: unknown, lines: LineCounter): string | null {
  if (!isCsvParseError(error)) return null;
  const raw = typeof error.raw === 'string' ? error.raw : undefined;
  const column = typeof error.column === 'number' ? error.column + 1 : 1;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `line ${lines.startOf(raw)}, column ${column}: a quoted value is never closed (a " opens it but the file ends first)`;
    case 'INVALID_OPENING_QUOTE':
      return `line ${lines.at(raw)}, column ${column}: a " inside a value that is not quoted; quote the whole value and double the quote ("like ""this""")`;
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return `line ${lines.at(raw)}, column ${column}: text after the closing quote of a quoted value; a quote inside a quoted value is written ""`;
    case 'CSV_MAX_RECORD_SIZE':
      return `line ${lines.startOf(raw)}, column ${column}: a row is too long`;
    default:
      return `line ${lines.at(raw)}, column ${column}: ${(error as unknown as Error).message}`;
  }
}
