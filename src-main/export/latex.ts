import type { Cell } from './run-table';

const SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

/** Escapes LaTeX's special characters so any run name or value typesets as itself. */
export function escapeLatex(value: string): string {
  return value.replace(/[\\&%$#_{}~^]/g, (c) => SPECIALS[c] as string).replace(/\r?\n/g, ' ');
}

/** A booktabs table (`\usepackage{booktabs}`): numbers right-aligned, text left-aligned, no vertical rules. */
export function toLatex(columns: readonly string[], rows: readonly Cell[][]): string {
  const numeric = columns.map((_, c) => rows.length > 0 && rows.every((row) => row[c] === null || typeof row[c] === 'number'));
  const cell = (value: Cell) => (value === null ? '' : escapeLatex(String(value)));
  const line = (cells: string[]) => `  ${cells.join(' & ')} \\\\`;
  return [
    '% Runboard export; needs \\usepackage{booktabs}',
    `\\begin{tabular}{${numeric.map((n) => (n ? 'r' : 'l')).join('')}}`,
    '  \\toprule',
    line(columns.map(escapeLatex)),
    '  \\midrule',
    ...rows.map((row) => line(row.map(cell))),
    '  \\bottomrule',
    '\\end{tabular}',
    '',
  ].join('\n');
}
