/**
 * What the catalogue says about each dataset (`DatasetInfo`): the built-in ones (defined here, shipped in
 * `assets/datasets/`), the synthetic ones and the imported ones, from their definition or their import's metadata.
 */
import type { DatasetInfo } from '../../src-shared/entities/dataset';
import type { SyntheticSpec } from '../../src-shared/entities/specs';
import type { LabelledTable } from './csv-dataset';
import type { CsvMetadata, ImageMetadata } from './imported-datasets';
import type { ImageShape, Preprocessing } from './source';
import { describeSynthetic } from './synthetic';

export interface BuiltinDefinition {
  name: string;
  file: string;
  title: string;
  description: string;
  kind: 'image' | 'tabular';
  imageShape: ImageShape | null;
  preprocessing: Preprocessing;
  source: string;
}

export const BUILTINS: readonly BuiltinDefinition[] = [
  {
    name: 'digits',
    file: 'digits.csv',
    title: 'Handwritten digits (8x8)',
    description: '1797 handwritten digits as 8x8 grey images, pixel values 0-16, ten classes.',
    kind: 'image',
    imageShape: { channels: 1, height: 8, width: 8 },
    preprocessing: { kind: 'scale', divisor: 16 },
    source: 'UCI Optical Recognition of Handwritten Digits (Alpaydin & Kaynak, 1998), as distributed with scikit-learn. CC BY 4.0.',
  },
  {
    name: 'iris',
    file: 'iris.csv',
    title: 'Iris flowers',
    description: '150 iris flowers, four measurements in cm, three species.',
    kind: 'tabular',
    imageShape: null,
    preprocessing: { kind: 'standardize' },
    source: 'UCI Iris (R. A. Fisher, 1936), as distributed with scikit-learn. CC BY 4.0.',
  },
];


const describeDate = (iso: string) => iso.slice(0, 16).replace('T', ' ') + ' UTC';
const shapeTuple = (shape: ImageShape | null): [number, number, number] | null => (shape ? [shape.channels, shape.height, shape.width] : null);

export function describeBuiltin(d: BuiltinDefinition, table: LabelledTable): DatasetInfo {
  return {
    name: d.name,
    title: d.title,
    description: d.description,
    kind: d.kind,
    rows: table.rows,
    test_rows: 0,
    features: table.width,
    classes: table.classes,
    image_shape: shapeTuple(d.imageShape),
    source: d.source,
    builtin: true,
    origin: 'builtin',
  };
}

export function describeSyntheticDataset(spec: SyntheticSpec): DatasetInfo {
  const classes = spec.name === 'moons' ? 2 : spec.classes;
  return {
    name: spec.name,
    ...describeSynthetic(spec),
    kind: 'tabular',
    rows: spec.n,
    test_rows: 0,
    features: 2,
    classes: Array.from({ length: classes }, (_, c) => String(c)),
    image_shape: null,
    builtin: false,
    origin: 'synthetic',
  };
}

export function describeCsvImport(m: CsvMetadata): DatasetInfo {
  return {
    name: m.name,
    title: m.name,
    description: `${m.rows} rows, ${m.features.length} numeric features, ${m.classes.length} classes from column "${m.label}".`,
    kind: 'tabular',
    rows: m.rows,
    test_rows: 0,
    features: m.features.length,
    classes: m.classes,
    image_shape: null,
    source: `Imported from ${m.filename ?? 'a CSV file'} on ${describeDate(m.imported_at)} (${m.bytes} bytes, SHA-256 ${m.sha256}).`,
    builtin: false,
    origin: 'imported',
  };
}

export function describeImages(m: ImageMetadata): DatasetInfo {
  const parts = m.test_rows > 0 ? `${m.train_rows.toLocaleString('en-US')} for training, ${m.test_rows.toLocaleString('en-US')} for testing` : 'no test part of its own';
  const tone = m.channels === 1 ? 'grey' : 'colour';
  const hashes = m.files.length > 0 ? ` Files: ${m.files.map((f) => `${f.name} (SHA-256 ${f.sha256.slice(0, 12)}...)`).join(', ')}.` : '';
  return {
    name: m.name,
    title: m.name,
    description: `${(m.train_rows + m.test_rows).toLocaleString('en-US')} ${tone} ${m.height}x${m.width} images (${parts}), ${m.classes.length} classes.`,
    kind: 'image',
    rows: m.train_rows + m.test_rows,
    test_rows: m.test_rows,
    features: m.channels * m.height * m.width,
    classes: m.classes,
    image_shape: [m.channels, m.height, m.width],
    source: `Imported from ${m.origin} on ${describeDate(m.imported_at)}.${hashes}`,
    builtin: false,
    origin: 'imported',
  };
}
