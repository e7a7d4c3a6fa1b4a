import { DATASET_NAME } from '../../src-shared/entities/dataset';

/**
 * The column names of a CSV's header row, for the label picker. Quoted names (with commas or doubled quotes inside)
 * are read as csv-parse reads them; everything else about the file is the host's to check, strictly.
 */
export function csvHeader(text: string): string[] {
  return readHeader(text).names;
}

/**
 * What makes a file not worth sending to the host at all: nothing in it, or a header row and no data row. Null
 * otherwise: everything else (ragged rows, non-numeric features) is the host's to check, strictly.
 */
export function csvFileProblem(text: string): string | null {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return 'The file is empty: there is nothing to import.';
  const { names, end } = readHeader(text);
  if (names.length > 0 && body.slice(end).trim() === '') return 'The file has a header row but no data rows: there is nothing to import.';
  return null;
}

/** The header row's column names, and where the header row ends in the text (its BOM left out). */
function readHeader(text: string): { names: string[]; end: number } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const names: string[] = [];
  let current = '';
  let quoted = false;
  let i = 0;
  for (; i < body.length; i++) {
    const char = body[i] as string;
    if (quoted) {
      if (char === '"' && body[i + 1] === '"') {
        current += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        current += char;
      }
    } else if (char === '"' && current.trim() === '') {
      quoted = true;
      current = '';
    } else if (char === ',') {
      names.push(current.trim());
      current = '';
    } else if (char === '\n' || char === '\r') {
      break;
    } else {
      current += char;
    }
  }
  names.push(current.trim());
  return { names: names.length === 1 && names[0] === '' ? [] : names, end: i };
}

/** A dataset name from a file name: `My data (v2).csv` -> `My_data_v2`, valid for DATASET_NAME. */
export function datasetNameFromFile(filename: string): string {
  const stem = filename.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  let name = stem
    .replace(/[^a-z0-9_-]+/gi, '_')
    .replace(/_+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '');
  if (!/^[a-z]/i.test(name)) name = `data_${name}`.replace(/_+$/, '');
  name = name.slice(0, 64).replace(/[_-]+$/, '');
  return DATASET_NAME.test(name) ? name : 'imported';
}

/** Whether a dropped or chosen file looks like CSV text (by name or type); the host checks its content. */
export function looksLikeCsv(file: { name: string; type: string }): boolean {
  return /\.(csv|txt)$/i.test(file.name) || file.type === 'text/csv' || file.type === 'text/plain';
}

/** Whether a drag carries files (and not, say, selected text). */
export function dragHasFiles(event: DragEvent): boolean {
  return event.dataTransfer !== null && [...event.dataTransfer.types].includes('Files');
}
