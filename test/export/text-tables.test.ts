/**
 * The formats people read, written exactly: the LaTeX booktabs table and the Markdown table (alignment, escaping,
 * empty cells, line ends), and `displayCell`, the runs table's formatting that the Markdown export uses.
 */
import { describe, expect, it } from 'vitest';
import { displayCell } from '../../src-main/export';
import { escapeLatex, toLatex } from '../../src-main/export/latex';
import { toMarkdown } from '../../src-main/export/markdown';

describe('LaTeX: a booktabs table', () => {
  it('is the whole table: a note on booktabs, one column spec letter per column, the three rules, a final newline', () => {
    expect(toLatex(['name', 'lr', 'done'], [['a', 0.1, true], ['b', null, false]])).toBe(
      [
        '% Runboard export; needs \\usepackage{booktabs}',
        '\\begin{tabular}{lrl}',
        '  \\toprule',
        '  name & lr & done \\\\',
        '  \\midrule',
        '  a & 0.1 & true \\\\',
        '  b &  & false \\\\',
        '  \\bottomrule',
        '\\end{tabular}',
        '',
      ].join('\n'),
    );
  });

  it('right-aligns a column only when every cell is a number or empty', () => {
    const spec = (rows: (string | number | boolean | null)[][]) => /\\begin\{tabular\}\{(\w*)\}/.exec(toLatex(['x'], rows))?.[1];
    expect(spec([[1], [2.5]])).toBe('r');
    expect(spec([[null], [2]])).toBe('r');
    expect(spec([[1], ['NaN']])).toBe('l');
    expect(spec([['1'], [2]])).toBe('l');
    expect(spec([[true]])).toBe('l');
    // No rows: nothing shows the column holds numbers.
    expect(spec([])).toBe('l');
  });

  it('escapes every special character so a name typesets as itself', () => {
    expect(escapeLatex('\\ & % $ # _ { } ~ ^')).toBe('\\textbackslash{} \\& \\% \\$ \\# \\_ \\{ \\} \\textasciitilde{} \\textasciicircum{}');
    expect(escapeLatex('50% of $x_1')).toBe('50\\% of \\$x\\_1');
  });

  it('turns line breaks inside a cell into spaces, for Unix and Windows line ends', () => {
    expect(escapeLatex('first\nsecond\r\nthird')).toBe('first second third');
    expect(toLatex(['notes'], [['line one\nline two']])).toContain('  line one line two \\\\');
  });
});

describe('Markdown: a GitHub table', () => {
  it('is the whole table: header, alignment row (numbers right-aligned), one line per row, a final newline', () => {
    expect(toMarkdown(['name', 'lr', 'done'], [['a', 0.1, true], ['b', null, false]])).toBe('| name | lr | done |\n| --- | ---: | --- |\n| a | 0.1 | true |\n| b |  | false |\n');
  });

  it('right-aligns a column only when every cell is a number or empty', () => {
    const alignment = (rows: (string | number | boolean | null)[][]) => toMarkdown(['x'], rows).split('\n')[1];
    expect(alignment([[1], [null]])).toBe('| ---: |');
    expect(alignment([[1], ['NaN']])).toBe('| --- |');
    expect(alignment([['1'], [2]])).toBe('| --- |');
    expect(alignment([])).toBe('| --- |');
  });

  it('escapes backslashes and pipes, and writes line breaks as <br>', () => {
    expect(toMarkdown(['a|b'], [['x|y \\ z'], ['one\ntwo\r\nthree']])).toBe('| a\\|b |\n| --- |\n| x\\|y \\\\ z |\n| one<br>two<br>three |\n');
  });

  it('writes each cell through the formatter it is given, with the column name', () => {
    const seen: string[] = [];
    const text = toMarkdown(['run_id', 'params.lr'], [[1, 0.5]], (column, cell) => {
      seen.push(column);
      return `<${String(cell)}>`;
    });
    expect(seen).toEqual(['run_id', 'params.lr']);
    expect(text.split('\n')[2]).toBe('| <1> | <0.5> |');
  });
});

describe('displayCell: a cell as the runs table shows it', () => {
  it('writes a missing value as an empty cell, in every kind of column', () => {
    for (const column of ['name', 'backend', 'gap', 'duration_s', 'params.lr', 'metrics.val_loss', 'best.val_loss']) expect(displayCell(column, null), column).toBe('');
  });

  it('formats numbers by column: gap, duration, metrics and best, params', () => {
    expect(displayCell('gap', 0.0834)).toBe('+0.083');
    expect(displayCell('duration_s', 83.4)).toBe('1m 23s');
    expect(displayCell('metrics.val_loss', 0.123456)).toBe('0.1235');
    expect(displayCell('best.val_accuracy', 0.987654)).toBe('0.9877');
    expect(displayCell('params.lr', 0.0123456)).toBe('0.0123');
    expect(displayCell('params.hidden', '256,128')).toBe('256, 128');
  });

  it('writes other values as they are: ids, epochs, text, and text in a numeric column', () => {
    expect(displayCell('run_id', 12)).toBe('12');
    expect(displayCell('epochs', 0.5)).toBe('0.5');
    expect(displayCell('name', '256,128')).toBe('256,128');
    expect(displayCell('notes', '')).toBe('');
    expect(displayCell('archived', false)).toBe('false');
    expect(displayCell('gap', 'n/a')).toBe('n/a');
    expect(displayCell('duration_s', 'n/a')).toBe('n/a');
    expect(displayCell('metrics.val_loss', 'NaN')).toBe('NaN');
  });
});
