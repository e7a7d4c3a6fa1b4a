import { join } from 'node:path';
import { AppError } from '../../src-shared/api/errors';
import type { DatasetInfo } from '../../src-shared/entities/dataset';
import { builtinDatasetsDir } from '../paths';
import { readLabelledCsv, type LabelledTable } from './csv-dataset';

/** How raw features become model inputs. `scale` divides by a known maximum; `standardize` uses training-split statistics only. */
export type Preprocessing = { kind: 'scale'; divisor: number } | { kind: 'standardize' };

/** Everything a training worker needs to load a dataset. Plain data, so it crosses process boundaries. */
export interface DatasetSource {
  name: string;
  file: string;
  preprocessing: Preprocessing;
}

interface BuiltinDefinition {
  name: string;
  file: string;
  title: string;
  description: string;
  kind: 'image' | 'tabular';
  imageShape: [number, number] | null;
  preprocessing: Preprocessing;
  source: string;
}

const BUILTINS: readonly BuiltinDefinition[] = [
  {
    name: 'digits',
    file: 'digits.csv',
    title: 'Handwritten digits (8x8)',
    description: '1797 handwritten digits as 8x8 grey images, pixel values 0-16, ten classes.',
    kind: 'image',
    imageShape: [8, 8],
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

/** The datasets a run can train on, with their size and classes read once from the files. */
export class DatasetCatalogue {
  private readonly tables = new Map<string, LabelledTable>();

  constructor(private readonly directory: string = builtinDatasetsDir()) {}

  names(): string[] {
    return BUILTINS.map((d) => d.name);
  }

  list(): DatasetInfo[] {
    return BUILTINS.map((definition) => this.info(definition.name));
  }

  info(name: string): DatasetInfo {
    const definition = this.definition(name);
    const table = this.table(name);
    return {
      name: definition.name,
      title: definition.title,
      description: definition.description,
      kind: definition.kind,
      rows: table.rows,
      features: table.featureNames.length,
      classes: table.classes,
      image_shape: definition.imageShape,
      source: definition.source,
      builtin: true,
    };
  }

  /** Class index of every row, for checking splits before a run starts. */
  labels(name: string): Int32Array {
    return this.table(name).labels;
  }

  source(name: string): DatasetSource {
    const definition = this.definition(name);
    return { name, file: join(this.directory, definition.file), preprocessing: definition.preprocessing };
  }

  private definition(name: string): BuiltinDefinition {
    const definition = BUILTINS.find((d) => d.name === name);
    if (!definition) {
      throw new AppError('BAD_INPUT', `Unknown dataset "${name}". Available: ${this.names().join(', ')}.`, [
        { field: 'dataset', message: `unknown dataset "${name}"; available: ${this.names().join(', ')}` },
      ]);
    }
    return definition;
  }

  private table(name: string): LabelledTable {
    let table = this.tables.get(name);
    if (!table) {
      table = readLabelledCsv(this.source(name).file);
      this.tables.set(name, table);
    }
    return table;
  }
}
