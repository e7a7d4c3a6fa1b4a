import { isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { AppError } from '../../src-shared/api/errors';
import { MAX_IMPORT_BYTES } from '../../src-shared/entities/dataset';
import { CsvChecker, type CsvColumns } from './csv-checker';
import { LineCounter, csvParseOptions, describeParseError } from './csv-records';

/** Where an import stands: the share of the input read (0..1) and the data rows read so far. */
export interface ImportProgress {
  fraction: number;
  rows: number;
}

/** The CSV to import: its text (from the app or the API), or a file (the CLI), which is streamed. */
export type CsvInput = { csv: string } | { file: string };

export interface ConvertOptions {
  /** Names the input in every message: `data.csv`. */
  displayName: string;
  /** The label column's header; the last column when absent. */
  label?: string | undefined;
  /** Called after each chunk read. */
  onProgress?: ((progress: ImportProgress) => void) | undefined;
  /** Stops the import; the promise then rejects with the signal's reason (an AbortError). */
  signal?: AbortSignal | undefined;
  /** Bytes (or characters, for text) read at a time; tests use small ones to split records across chunks. */
  chunkSize?: number | undefined;
  /** Largest input accepted, in bytes (default MAX_IMPORT_BYTES). */
  maxBytes?: number | undefined;
  /** Most data rows accepted (default MAX_IMPORT_ROWS). */
  maxRows?: number | undefined;
}

/** What a sound CSV turned out to hold. */
export interface ConvertedCsv {
  featureNames: string[];
  labelName: string;
  /** Class names in natural order. */
  classes: string[];
  rows: number;
  /** SHA-256 (hex) of the input's bytes, as read (a BOM included). */
  sha256: string;
  bytes: number;
}

const DEFAULT_CHUNK = 64 * 1024;
/** Canonical text is handed to the sink in pieces of about this many characters. */
const FLUSH_AT = 1 << 20;

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;

/** A cell of the stored form, quoted when it holds a delimiter, a quote or a line break (RFC 4180). */
export function csvCell(text: string): string {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

function tooLarge(displayName: string, bytes: number, maxBytes: number): AppError {
  const message = `the file is ${megabytes(bytes)}, more than the ${megabytes(maxBytes)} an import may be; import a sample of it`;
  return new AppError('PAYLOAD_TOO_LARGE', `Cannot import ${displayName}: ${message}.`, [{ field: 'csv', message }]);
}

function notUtf8(displayName: string, line: number, detail: string): AppError {
  const message = `line ${line}: the file is not UTF-8 text (${detail}); save it as "CSV UTF-8" (not a spreadsheet or UTF-16) and import it again`;
  return new AppError('BAD_INPUT', `Cannot import ${displayName}: ${message}.`, [{ field: 'csv', message }]);
}

/** Bytes of `buffer` that end on a whole UTF-8 character; the rest waits for the next chunk. */
function wholeCharacters(buffer: Buffer): number {
  for (let back = 1; back <= Math.min(4, buffer.length); back++) {
    const byte = buffer[buffer.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead byte
    const size = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return size > back ? buffer.length - back : buffer.length;
  }
  return buffer.length;
}

/**
 * Where the first bytes in `piece` that are not UTF-8 are: the line (the piece starts on `at.line`, `at.character`
 * characters into it) and the character on that line, counted from 1.
 */
function firstInvalid(piece: Buffer, at: { line: number; character: number }): { line: number; character: number } {
  let line = at.line;
  let before = at.character;
  let start = 0;
  for (;;) {
    const end = piece.indexOf(0x0a, start);
    const segment = piece.subarray(start, end < 0 ? piece.length : end);
    // A line feed never occurs inside a multi-byte character, so every line can be checked on its own.
    if (!isUtf8(segment)) return { line, character: before + segment.toString('utf8').indexOf('\ufffd') + 1 };
    if (end < 0) return { line, character: before + 1 };
    line++;
    before = 0;
    start = end + 1;
  }
}

function countLineFeeds(buffer: Buffer): number {
  let count = 0;
  for (let at = buffer.indexOf(0x0a); at >= 0; at = buffer.indexOf(0x0a, at + 1)) count++;
  return count;
}

interface Reading {
  hash: Hash;
  bytes: number;
}

/** The text's chunks, never splitting a surrogate pair; counts and hashes their UTF-8 bytes. */
async function* textChunks(text: string, size: number, reading: Reading, progress: (fraction: number) => void, signal?: AbortSignal): AsyncGenerator<string> {
  for (let at = 0; at < text.length; ) {
    signal?.throwIfAborted();
    let end = Math.min(text.length, at + size);
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff && end < text.length) end++;
    const chunk = text.slice(at, end);
    reading.hash.update(chunk, 'utf8');
    at = end;
    progress(at / text.length);
    yield chunk;
  }
}

/** The file's bytes in chunks cut on whole characters, checked to be UTF-8; counts and hashes them and enforces the limit. */
async function* fileChunks(
  file: string,
  total: number,
  options: { size: number; maxBytes: number; displayName: string },
  reading: Reading,
  progress: (fraction: number) => void,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  /** Where the next piece starts: its line, and the characters of that line already read. */
  const position = { line: 1, character: 0 };
  let first = true;
  for await (const chunk of createReadStream(file, { highWaterMark: options.size, ...(signal ? { signal } : {}) }) as AsyncIterable<Buffer>) {
    signal?.throwIfAborted();
    reading.bytes += chunk.length;
    if (reading.bytes > options.maxBytes) throw tooLarge(options.displayName, reading.bytes, options.maxBytes);
    reading.hash.update(chunk);
    if (first && chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
      throw notUtf8(options.displayName, 1, 'it starts with a UTF-16 byte order mark');
    }
    first = false;
    const joined = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const cut = wholeCharacters(joined);
    const piece = joined.subarray(0, cut);
    carry = Buffer.from(joined.subarray(cut));
    if (!isUtf8(piece)) {
      const at = firstInvalid(piece, position);
      throw notUtf8(options.displayName, at.line, `character ${at.character} of the line cannot be read as UTF-8`);
    }
    const lastFeed = piece.lastIndexOf(0x0a);
    position.line += countLineFeeds(piece);
    position.character = (lastFeed < 0 ? position.character : 0) + piece.subarray(lastFeed + 1).toString('utf8').length;
    progress(total > 0 ? Math.min(1, reading.bytes / total) : 1);
    yield piece;
  }
  if (carry.length > 0) throw notUtf8(options.displayName, position.line, 'it ends in the middle of a character');
}

/**
 * Parses a CSV strictly (RFC 4180, a UTF-8 BOM, a missing final newline) as a labelled table and hands its stored
 * form to `write` as it goes: the header, the features in file order, the label last, numbers as parsed. Streamed:
 * memory holds one chunk, one record and the problem report, whatever the size of the input.
 * Nothing is handed over after the first problem; the caller discards what it got when this rejects.
 * @throws AppError(BAD_INPUT) naming the line and column of each problem; AppError(PAYLOAD_TOO_LARGE) over the
 *   byte limit; the signal's reason when cancelled.
 */
export async function convertCsv(input: CsvInput, write: (text: string) => Promise<void>, options: ConvertOptions): Promise<ConvertedCsv> {
  const { displayName, signal } = options;
  const size = options.chunkSize ?? DEFAULT_CHUNK;
  const maxBytes = options.maxBytes ?? MAX_IMPORT_BYTES;
  const reading: Reading = { hash: createHash('sha256'), bytes: 0 };
  const checker = new CsvChecker({ context: `Cannot import ${displayName}`, field: 'csv', label: options.label, ...(options.maxRows ? { maxRows: options.maxRows } : {}) });
  const progress = (fraction: number) => options.onProgress?.({ fraction, rows: checker.rows });

  let chunks: AsyncGenerator<string | Buffer>;
  if ('csv' in input) {
    reading.bytes = Buffer.byteLength(input.csv, 'utf8');
    if (reading.bytes > maxBytes) throw tooLarge(displayName, reading.bytes, maxBytes);
    chunks = textChunks(input.csv, size, reading, progress, signal);
  } else {
    let total: number;
    try {
      const stat = statSync(input.file);
      if (!stat.isFile()) throw new Error('it is not a file');
      total = stat.size;
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new AppError('BAD_INPUT', `Cannot import ${input.file}: ${reason}.`, [{ field: 'csv', message: reason }]);
    }
    if (total > maxBytes) throw tooLarge(displayName, total, maxBytes);
    chunks = fileChunks(input.file, total, { size, maxBytes, displayName }, reading, progress, signal);
  }

  const lines = new LineCounter();
  let columns: CsvColumns | null = null;
  let values = new Float64Array(0);
  let pending = '';
  const parser = parse(csvParseOptions((record, raw) => ({ record, line: lines.next(raw) })));
  try {
    await pipeline(
      Readable.from(chunks),
      parser,
      async (records: AsyncIterable<{ record: string[]; line: number }>) => {
        for await (const { record, line } of records) {
          if (!columns) {
            columns = checker.readHeader(record, line);
            values = new Float64Array(columns.featureNames.length);
            pending += [...columns.featureNames, columns.labelName].map(csvCell).join(',') + '\n';
            continue;
          }
          const id = checker.readRow(record, line, values);
          if (id < 0 || checker.hasProblems) continue;
          let text = '';
          for (const value of values) text += `${value},`;
          pending += text + csvCell(record[columns.labelColumn] as string) + '\n';
          if (pending.length >= FLUSH_AT) {
            await write(pending);
            pending = '';
          }
        }
      },
      { signal: signal ?? new AbortController().signal },
    );
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof AppError) throw error;
    const described = describeParseError(error, lines);
    if (described === null) throw error;
    throw new AppError('BAD_INPUT', `Cannot import ${displayName}: ${described}.`, [{ field: 'csv', message: described }]);
  }
  const classes = checker.finish();
  const done = columns as CsvColumns | null;
  if (!done) throw new Error('unreachable: finish() refuses a file without a header');
  if (pending) await write(pending);
  progress(1);
  return { featureNames: done.featureNames, labelName: done.labelName, classes, rows: checker.rows, sha256: reading.hash.digest('hex'), bytes: reading.bytes };
}
