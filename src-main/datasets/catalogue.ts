import { basename, join } from 'node:path';
import { AppError } from '../../src-shared/api/errors';
import { DATASET_NAME, type DatasetInfo } from '../../src-shared/entities/dataset';
import { SYNTHETIC_DATASETS, SYNTHETIC_DEFAULTS, parseSyntheticDataset, type SyntheticSpec } from '../../src-shared/entities/specs';
import { builtinDatasetsDir } from '../paths';
import type { LabelledTable } from './csv-dataset';
import { convertCsv, type CsvInput, type ImportProgress } from './csv-import';
import { ImportedDatasetFolder, conflict, type ImportedMetadata } from './imported-datasets';
import { loadTable, type DatasetSource, type Preprocessing } from './source';
import { describeSynthetic } from './synthetic';

export type { DatasetSource, Preprocessing } from './source';

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

/** Names an imported dataset may not take: they already mean something in `--dataset`. */
const RESERVED = new Set<string>([...BUILTINS.map((b) => b.name), ...SYNTHETIC_DATASETS]);

export interface CatalogueOptions {
  /** The built-in datasets' folder (default: the app's assets/datasets). */
  builtinDir?: string;
  /** Imported datasets' folder, `<folder of the database>/datasets`; null (the default) for a catalogue without imports. */
  userDir?: string | null;
}

/** What to import: the CSV's text or a file to stream, the dataset's name, and optionally its label column. */
export type ImportInput = {
  name: string;
  /** The label column's header; the last column when absent. */
  label?: string | undefined;
  /** The original file's name, for messages and the dataset's provenance (default: the file's own name). */
  filename?: string | undefined;
} & CsvInput;

export interface ImportOptions {
  /** Called as the file is read: the share read (0..1) and the data rows so far. */
  onProgress?: (progress: ImportProgress) => void;
  /** Cancels the import: nothing is written, and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** For tests: characters or bytes read at a time. */
  chunkSize?: number;
}

type Resolved =
  | { origin: 'builtin'; definition: BuiltinDefinition }
  | { origin: 'synthetic'; spec: SyntheticSpec }
  | { origin: 'imported'; metadata: ImportedMetadata };

const describeDate = (iso: string) => iso.slice(0, 16).replace('T', ' ') + ' UTC';

/**
 * The datasets a run can train on: the built-ins (digits, iris), the synthetic ones (spirals, moons, blobs, each
 * with options: `spirals:n=800,noise=0.1`) and the user's imported CSV files. One catalogue serves a host; imports
 * made by another process (the CLI while the app runs) show up at the next `list()`.
 */
export class DatasetCatalogue {
  private readonly builtinDir: string;
  private readonly imported: ImportedDatasetFolder | null;
  /** Tables by dataset string; imported ones keyed by their import too, so a re-import is never served stale. */
  private readonly tables = new Map<string, LabelledTable>();
  private readonly importing = new Set<string>();

  constructor(options: CatalogueOptions = {}) {
    this.builtinDir = options.builtinDir ?? builtinDatasetsDir();
    this.imported = options.userDir ? new ImportedDatasetFolder(options.userDir) : null;
  }

  /** The folder of imported datasets, or null when this catalogue takes no imports. */
  get userDir(): string | null {
    return this.imported?.dir ?? null;
  }

  /** Every dataset name, in catalogue order. */
  names(): string[] {
    return [...BUILTINS.map((d) => d.name), ...SYNTHETIC_DATASETS, ...(this.imported?.list().map((m) => m.name) ?? [])];
  }

  /** Built-ins, then the synthetic datasets with their default options, then imported datasets by name. */
  list(): DatasetInfo[] {
    return [
      ...BUILTINS.map((definition) => this.describe({ origin: 'builtin', definition })),
      ...SYNTHETIC_DATASETS.map((name) => this.describe({ origin: 'synthetic', spec: { name, ...SYNTHETIC_DEFAULTS[name] } })),
      ...(this.imported?.list().map((metadata) => this.describe({ origin: 'imported', metadata })) ?? []),
    ];
  }

  /**
   * One dataset: a name (`digits`, `my-data`) or a synthetic spec (`spirals:n=800,noise=0.1`).
   * @throws AppError(BAD_INPUT) on field `dataset` for an unknown name (listing the available ones) or a bad spec.
   */
  info(dataset: string): DatasetInfo {
    const resolved = this.resolve(dataset);
    const info = this.describe(resolved);
    return resolved.origin === 'synthetic' ? { ...info, name: dataset.trim() } : info;
  }

  /** Class index of every row, for checking splits before a run starts. */
  labels(dataset: string): Int32Array {
    return this.table(dataset).labels;
  }

  /**
   * The dataset's table, read or generated once per dataset string.
   * @throws AppError(BAD_INPUT) as `info`, or when a stored file does not read back as it was imported.
   */
  table(dataset: string): LabelledTable {
    const resolved = this.resolve(dataset);
    const key = resolved.origin === 'imported' ? `${dataset}\n${resolved.metadata.imported_at}\n${resolved.metadata.sha256}` : dataset;
    let table = this.tables.get(key);
    if (!table) {
      table = loadTable(this.sourceOf(dataset, resolved));
      if (resolved.origin === 'imported') checkMatches(table, resolved.metadata);
      this.tables.set(key, table);
    }
    return table;
  }

  /**
   * What a training worker needs to load the same table without the catalogue (see `loadTable`).
   * @throws AppError(BAD_INPUT) as `info`.
   */
  source(dataset: string): DatasetSource {
    return this.sourceOf(dataset, this.resolve(dataset));
  }

  /**
   * Imports a CSV as a dataset: parsed strictly and streamed to `<userDir>/<name>.csv` (stored form: header, features,
   * label last) and `<userDir>/<name>.json` (metadata). All or nothing: on any error, or when cancelled, nothing is kept.
   * @throws AppError BAD_INPUT (a bad name, or a bad CSV with the line and column of each problem), CONFLICT (the name is
   *   taken), PAYLOAD_TOO_LARGE, IO_ERROR; the signal's reason when cancelled.
   */
  async import(input: ImportInput, options: ImportOptions = {}): Promise<DatasetInfo> {
    const folder = this.imported;
    if (!folder) throw new AppError('BAD_INPUT', 'This Runboard has no data folder for imported datasets.');
    const name = input.name.trim();
    checkName(name);
    const lower = name.toLowerCase();
    if (folder.taken(name) || this.importing.has(lower)) throw conflict(name);
    this.importing.add(lower);
    try {
      const filename = input.filename ?? ('file' in input ? basename(input.file) : null);
      const metadata = await folder.write(name, async (write) => {
        const converted = await convertCsv(input, write, {
          displayName: filename ?? 'the CSV',
          label: input.label,
          onProgress: options.onProgress,
          signal: options.signal,
          chunkSize: options.chunkSize,
        });
        return {
          features: converted.featureNames,
          label: converted.labelName,
          classes: converted.classes,
          rows: converted.rows,
          filename,
          sha256: converted.sha256,
          bytes: converted.bytes,
        };
      });
      return this.describe({ origin: 'imported', metadata });
    } finally {
      this.importing.delete(lower);
    }
  }

  /**
   * Deletes an imported dataset. Returns false when there is none of that name.
   * @throws AppError(BAD_INPUT) for a built-in or synthetic dataset, which cannot be deleted.
   */
  delete(name: string): boolean {
    if (RESERVED.has(name.trim().toLowerCase())) {
      const message = `"${name}" is ${BUILTINS.some((b) => b.name === name.trim().toLowerCase()) ? 'a built-in' : 'a synthetic'} dataset; only imported datasets can be deleted`;
      throw new AppError('BAD_INPUT', `Cannot delete: ${message}.`, [{ field: 'name', message }]);
    }
    if (!this.imported) return false;
    const deleted = this.imported.delete(name);
    if (deleted) for (const key of this.tables.keys()) if (key.startsWith(`${name}\n`)) this.tables.delete(key);
    return deleted;
  }

  private resolve(dataset: string): Resolved {
    const definition = BUILTINS.find((d) => d.name === dataset);
    if (definition) return { origin: 'builtin', definition };
    const synthetic = parseSyntheticDataset(dataset);
    if (synthetic) {
      if (!synthetic.ok) throw new AppError('BAD_INPUT', `Invalid dataset "${dataset}": ${synthetic.message}.`, [{ field: 'dataset', message: synthetic.message }]);
      return { origin: 'synthetic', spec: synthetic.value };
    }
    const metadata = this.imported?.get(dataset);
    if (metadata) return { origin: 'imported', metadata };
    const available = this.names().join(', ');
    const message = `unknown dataset "${dataset}"; available: ${available} (and spirals, moons, blobs take options, e.g. spirals:n=800,noise=0.1)`;
    throw new AppError('BAD_INPUT', `Unknown dataset "${dataset}". Available: ${available}.`, [{ field: 'dataset', message }]);
  }

  private sourceOf(dataset: string, resolved: Resolved): DatasetSource {
    switch (resolved.origin) {
      case 'builtin': {
        const d = resolved.definition;
        return { name: d.name, kind: 'csv', file: join(this.builtinDir, d.file), preprocessing: d.preprocessing, imageShape: d.imageShape };
      }
      case 'synthetic':
        return { name: dataset.trim(), kind: 'synthetic', spec: resolved.spec, preprocessing: { kind: 'none' }, imageShape: null };
      case 'imported':
        return { name: resolved.metadata.name, kind: 'csv', file: (this.imported as ImportedDatasetFolder).csvPath(resolved.metadata.name), preprocessing: { kind: 'none' }, imageShape: null };
    }
  }

  private describe(resolved: Resolved): DatasetInfo {
    switch (resolved.origin) {
      case 'builtin': {
        const d = resolved.definition;
        const table = this.table(d.name);
        return {
          name: d.name,
          title: d.title,
          description: d.description,
          kind: d.kind,
          rows: table.rows,
          features: table.featureNames.length,
          classes: table.classes,
          image_shape: d.imageShape,
          source: d.source,
          builtin: true,
          origin: 'builtin',
        };
      }
      case 'synthetic': {
        const { spec } = resolved;
        const text = describeSynthetic(spec);
        const classes = spec.name === 'moons' ? 2 : spec.classes;
        return {
          name: spec.name,
          ...text,
          kind: 'tabular',
          rows: spec.n,
          features: 2,
          classes: Array.from({ length: classes }, (_, c) => String(c)),
          image_shape: null,
          builtin: false,
          origin: 'synthetic',
        };
      }
      case 'imported': {
        const m = resolved.metadata;
        const from = m.filename ?? 'a CSV file';
        return {
          name: m.name,
          title: m.name,
          description: `${m.rows} rows, ${m.features.length} numeric features, ${m.classes.length} classes from column "${m.label}".`,
          kind: 'tabular',
          rows: m.rows,
          features: m.features.length,
          classes: m.classes,
          image_shape: null,
          source: `Imported from ${from} on ${describeDate(m.imported_at)} (${m.bytes} bytes, SHA-256 ${m.sha256}).`,
          builtin: false,
          origin: 'imported',
        };
      }
    }
  }
}

/** @throws AppError(BAD_INPUT) on field `name` for a name that cannot name a file or that means another dataset. */
function checkName(name: string): void {
  if (!DATASET_NAME.test(name)) {
    const message = `"${name}" is not a dataset name: use letters, digits, - and _, starting with a letter, at most 64 characters`;
    throw new AppError('BAD_INPUT', `Cannot import: ${message}.`, [{ field: 'name', message }]);
  }
  if (RESERVED.has(name.toLowerCase())) {
    const message = `"${name}" is the name of a ${SYNTHETIC_DATASETS.includes(name.toLowerCase() as never) ? 'synthetic' : 'built-in'} dataset; choose another name`;
    throw new AppError('CONFLICT', `Cannot import: ${message}.`, [{ field: 'name', message }]);
  }
}

/** An imported file that no longer reads back as recorded was changed on disk since the import. */
function checkMatches(table: LabelledTable, metadata: ImportedMetadata): void {
  const same =
    table.rows === metadata.rows &&
    table.featureNames.length === metadata.features.length &&
    table.featureNames.every((name, i) => name === metadata.features[i]) &&
    table.classes.length === metadata.classes.length &&
    table.classes.every((name, i) => name === metadata.classes[i]);
  if (!same) {
    throw new AppError(
      'BAD_INPUT',
      `Dataset "${metadata.name}" was changed on disk since it was imported (its file no longer matches its metadata). Delete it and import it again.`,
      [{ field: 'dataset', message: `dataset "${metadata.name}" was changed on disk since it was imported` }],
    );
  }
}
