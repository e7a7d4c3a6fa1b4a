import { AppError } from '../../src-shared/api/errors';
import type { DatasetView } from '../../src-shared/entities/specs';
import { Prng } from '../../src-shared/prng';
import type { LabelledTable } from './csv-dataset';

/** What a view keeps of a dataset: rows in dataset order (training part first), labels renumbered, class names. */
export interface ViewSelection {
  rows: Int32Array;
  labels: Int32Array;
  classes: string[];
  /** The last `testRows` of `rows` are the dataset's own test part. */
  testRows: number;
}

/** Views sample with their own fixed stream, so `name:n=1000` is the same 1000 samples in every run and version. */
const VIEW_SEED = 0x5eed_1e5;

function refuse(message: string): never {
  throw new AppError('BAD_INPUT', `Invalid dataset: ${message}.`, [{ field: 'dataset', message }]);
}

/** Up to `n` of `rows` (grouped by label), every class keeping its share (largest remainders), in dataset order. */
function stratifiedSample(rows: number[], labels: Int32Array, classCount: number, n: number): number[] {
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  for (const row of rows) byClass[labels[row] as number]?.push(row);
  const exact = byClass.map((members) => (members.length * n) / rows.length);
  const counts = exact.map(Math.floor);
  let missing = n - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((value, c) => ({ c, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.c - b.c);
  for (const { c } of order) {
    if (missing === 0) break;
    if ((counts[c] as number) < (byClass[c] as number[]).length) {
      counts[c] = (counts[c] as number) + 1;
      missing--;
    }
  }
  const random = new Prng(VIEW_SEED);
  return byClass.flatMap((members, c) => random.shuffle([...members]).slice(0, counts[c])).sort((a, b) => a - b);
}

/**
 * Applies a view to a dataset's labels. `classes` keeps those classes (renumbered from 0 in the view's order) in
 * both parts; `n` then samples the training part, stratified by class. The test part is kept whole.
 * @throws AppError(BAD_INPUT) on field `dataset` for a class that does not exist, a class with no sample, or more
 *   samples asked for than the training part has.
 */
export function selectView(name: string, labels: Int32Array, classes: readonly string[], testRows: number, view: DatasetView): ViewSelection {
  const kept = view.classes ?? classes.map((_, c) => c);
  const missing = kept.filter((c) => c >= classes.length);
  if (missing.length > 0) {
    const list = classes.length <= 12 ? ` (${classes.map((label, c) => `${c} ${label}`).join(', ')})` : '';
    refuse(`${name} has classes 0-${classes.length - 1}${list}; class ${missing.join(', ')} does not exist`);
  }
  const position = new Map(kept.map((c, i) => [c, i]));
  const trainEnd = labels.length - testRows;
  const train: number[] = [];
  const test: number[] = [];
  labels.forEach((label, row) => {
    if (position.has(label)) (row < trainEnd ? train : test).push(row);
  });
  for (const c of kept) {
    if (!train.some((row) => labels[row] === c)) refuse(`class ${c} (${classes[c]}) of ${name} has no training sample`);
  }
  let sampled = train;
  if (view.n !== null) {
    if (view.n > train.length) refuse(`n=${view.n} is more than the ${train.length} training samples of ${name}${view.classes ? ' in those classes' : ''}`);
    sampled = stratifiedSample(train, labels, classes.length, view.n);
  }
  const rows = Int32Array.from([...sampled, ...test]);
  return {
    rows,
    labels: Int32Array.from(rows, (row) => position.get(labels[row] as number) as number),
    classes: kept.map((c) => classes[c] as string),
    testRows: test.length,
  };
}

/** The table of a view: the selected rows' values copied out (a view of 12,000 images holds 12,000, not 70,000). */
export function applyView(name: string, table: LabelledTable, view: DatasetView): LabelledTable {
  if (view.classes === null && view.n === null) return table;
  const selection = selectView(name, table.labels, table.classes, table.testRows, view);
  const width = table.width;
  const values = new (table.features.constructor as Float32ArrayConstructor | Uint8ArrayConstructor)(selection.rows.length * width);
  selection.rows.forEach((row, i) => values.set(table.features.subarray(row * width, (row + 1) * width), i * width));
  return { ...table, features: values, labels: selection.labels, classes: selection.classes, rows: selection.rows.length, testRows: selection.testRows };
}
