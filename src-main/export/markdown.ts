import type { Cell } from './run-table';

const text = (_column: string, cell: Cell) => (cell === null ? '' : String(cell));

/**
 * A GitHub-flavoured Markdown table; `|` and line breaks inside cells are escaped. Numbers are right-aligned.
 * @param format Writes a cell as text (the runs export passes the table's own formatting, `displayCell`); by default
 *   every value as it is.
 */
export function toMarkdown(columns: readonly string[], rows: readonly Cell[][], format: (column: string, cell: Cell) => string = text): string {
  const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
  const numeric = columns.map((_, c) => rows.length > 0 && rows.every((row) => row[c] === null || typeof row[c] === 'number'));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(columns.map(escape)), line(numeric.map((n) => (n ? '---:' : '---'))), ...rows.map((row) => line(row.map((cell, c) => escape(format(columns[c] as string, cell)))))].join('\n') + '\n';
}
