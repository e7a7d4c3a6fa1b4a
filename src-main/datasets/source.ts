import type { DatasetView, SyntheticSpec } from '../../src-shared/entities/specs';
import { readLabelledCsv, type LabelledTable } from './csv-dataset';
import { applyView } from './dataset-view';
import { readStoredImages } from './image-dataset';
import type { ImageMetadata } from './imported-datasets';
import { generateSynthetic } from './synthetic';

/**
 * How raw values become model inputs. `scale` divides by a known maximum (digits: 16, image bytes: 255);
 * `standardize` uses training-split statistics only (iris); `none` keeps them as they are (synthetic and imported
 * tables, unless the run asks for `--standardize`).
 */
export type Preprocessing = { kind: 'scale'; divisor: number } | { kind: 'standardize' } | { kind: 'none' };

/** An image's shape, as PyTorch writes it: channels x height x width. Stored and fed channels last. */
export interface ImageShape {
  channels: number;
  height: number;
  width: number;
}

interface SourceBase {
  /** The dataset as the run names it: `digits`, `fashion-mnist:classes=0-4,n=12000`, `spirals:n=800`. */
  name: string;
  preprocessing: Preprocessing;
  /** The shape of one sample for image datasets (digits: 1 x 8 x 8), else null (a table). */
  imageShape: ImageShape | null;
}

/**
 * Everything a training worker needs to load the exact data the catalogue checked, without the catalogue.
 * Plain data, so it crosses process boundaries.
 */
export type DatasetSource =
  /** A CSV in the stored form: header, numeric features, the label last (built-in tables and imported ones). */
  | (SourceBase & { kind: 'csv'; file: string; view: DatasetView | null })
  /** An imported image dataset (`<name>.images`). */
  | (SourceBase & { kind: 'images'; file: string; metadata: ImageMetadata; view: DatasetView | null })
  | (SourceBase & { kind: 'synthetic'; spec: SyntheticSpec; imageShape: null });

/**
 * Loads the data a source describes: reads its CSV or its images, or generates the synthetic dataset from its spec,
 * then applies its view (some classes, a sample).
 * @throws AppError(BAD_INPUT) when the data cannot be read, is not sound, or the view does not fit it.
 */
export function loadTable(source: DatasetSource): LabelledTable {
  if (source.kind === 'synthetic') return generateSynthetic(source.spec);
  const table = source.kind === 'csv' ? readLabelledCsv(source.file) : readStoredImages(source.file, source.metadata);
  return source.view ? applyView(source.view.name, table, source.view) : table;
}
