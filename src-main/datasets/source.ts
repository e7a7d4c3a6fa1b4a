import type { SyntheticSpec } from '../../src-shared/entities/specs';
import { readLabelledCsv, type LabelledTable } from './csv-dataset';
import { generateSynthetic } from './synthetic';

/**
 * How raw features become model inputs. `scale` divides by a known maximum (digits: 16); `standardize` uses
 * training-split statistics only (iris); `none` keeps them as they are (synthetic and imported datasets, unless the
 * run asks for `--standardize`).
 */
export type Preprocessing = { kind: 'scale'; divisor: number } | { kind: 'standardize' } | { kind: 'none' };

/**
 * Everything a training worker needs to load the exact table the catalogue checked, without the catalogue.
 * Plain data, so it crosses process boundaries.
 */
export type DatasetSource =
  | {
      name: string;
      kind: 'csv';
      /** Absolute path of a CSV in the stored form: header, numeric features, the label last. */
      file: string;
      preprocessing: Preprocessing;
      /** Height and width for image datasets (digits: 8 x 8), else null. */
      imageShape: [number, number] | null;
    }
  | { name: string; kind: 'synthetic'; spec: SyntheticSpec; preprocessing: Preprocessing; imageShape: null };

/**
 * Loads the table a source describes: reads its CSV, or generates the synthetic dataset from its spec.
 * @throws AppError(BAD_INPUT) when the CSV cannot be read or is not a sound labelled table.
 */
export function loadTable(source: DatasetSource): LabelledTable {
  return source.kind === 'csv' ? readLabelledCsv(source.file) : generateSynthetic(source.spec);
}
