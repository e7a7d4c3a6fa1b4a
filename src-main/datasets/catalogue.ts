import { mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AppError } from '../../src-shared/api/errors';
import { DATASET_NAME, type DatasetInfo } from '../../src-shared/entities/dataset';
import { SYNTHETIC_DATASETS, SYNTHETIC_DEFAULTS, formatDatasetView, parseDatasetView, parseSyntheticDataset, type DatasetView, type SyntheticSpec } from '../../src-shared/entities/specs';
import { Prng } from '../../src-shared/prng';
import { builtinDatasetsDir } from '../paths';
import type { LabelledTable } from './csv-dataset';
import { convertCsv, type CsvInput, type ImportProgress } from './csv-import';
import { selectView, type ViewSelection } from './dataset-view';
import { fetchKnownDataset, fetchable, type FetchOptions } from './fetch';
import { findIdxFiles } from './idx';
import { importIdx, importImageFolder, readStoredLabels, readStoredSample } from './image-dataset';
import { ImportedDatasetFolder, conflict, type CsvMetadata, type ImageMetadata, type ImportedMetadata } from './imported-datasets';
import { loadTable, type DatasetSource, type ImageShape } from './source';
import { BUILTINS, describeBuiltin, describeCsvImport, describeImages, describeSyntheticDataset, type BuiltinDefinition } from './dataset-info';

export type { DatasetSource, ImageShape, Preprocessing } from './source';

/** Names an imported dataset may not take: they already mean something in `--dataset`. */
const RESERVED = new Set<string>([...BUILTINS.map((b) => b.name), ...SYNTHETIC_DATASETS]);

export interface CatalogueOptions {
  /** The built-in datasets' folder (default: the app's assets/datasets). */
  builtinDir?: string;
  /** Imported datasets' folder, `<folder of the database>/datasets`; null (the default) for a catalogue without imports. */
  userDir?: string | null;
}

/** Images to import: IDX files or an image folder at `path`. */
export interface ImageImportInput {
  name: string;
  path: string;
  /** Image folders: the size every image is resized to (default: the first image's). */
  size?: { width: number; height: number } | undefined;
  /** Image folders: one grey channel (default: when every image is grey). */
  grayscale?: boolean | undefined;
  /** IDX files: the class names, in label order (default: a known dataset's names, else the label values). */
  classes?: string[] | undefined;
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
  | { origin: 'builtin'; definition: BuiltinDefinition; view: DatasetView | null }
  | { origin: 'synthetic'; spec: SyntheticSpec }
  | { origin: 'imported'; metadata: ImportedMetadata; view: DatasetView | null };

const shapeOf = (m: ImageMetadata): ImageShape => ({ channels: m.channels, height: m.height, width: m.width });


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
      ...BUILTINS.map((definition) => this.describe({ origin: 'builtin', definition, view: null })),
      ...SYNTHETIC_DATASETS.map((name) => this.describe({ origin: 'synthetic', spec: { name, ...SYNTHETIC_DEFAULTS[name] } })),
      ...(this.imported?.list().map((metadata) => this.describe({ origin: 'imported', metadata, view: null })) ?? []),
    ];
  }

  /**
   * One dataset: a name (`digits`, `my-data`), a synthetic spec (`spirals:n=800,noise=0.1`) or a view of a stored
   * dataset (`fashion-mnist:classes=0-4,n=12000`: its rows and classes are the view's).
   * @throws AppError(BAD_INPUT) on field `dataset` for an unknown name (listing the available ones), a bad spec, or a
   *   view that does not fit the dataset.
   */
  info(dataset: string): DatasetInfo {
    const resolved = this.resolve(dataset);
    const info = this.describe(resolved);
    if (resolved.origin === 'synthetic') return { ...info, name: dataset.trim() };
    if (!resolved.view) return info;
    const labels = this.labels(dataset);
    const selection = this.selection(resolved, info);
    return { ...info, name: formatDatasetView(resolved.view), rows: labels.length, test_rows: selection.testRows, classes: selection.classes };
  }

  /** Class index of every sample (the dataset's own test part last), for checking splits before a run starts. */
  labels(dataset: string): Int32Array {
    const resolved = this.resolve(dataset);
    if (resolved.origin === 'synthetic') return this.table(dataset).labels;
    return this.selection(resolved, this.describe(resolved)).labels;
  }

  /** The view's rows (dataset rows, training part first) and renumbered labels; the whole dataset's when there is no view. */
  private selection(resolved: Exclude<Resolved, { origin: 'synthetic' }>, info: DatasetInfo): ViewSelection {
    const whole =
      resolved.origin === 'imported' && resolved.metadata.format === 2
        ? readStoredLabels((this.imported as ImportedDatasetFolder).dataPath(resolved.metadata), resolved.metadata)
        : this.table(resolved.origin === 'builtin' ? resolved.definition.name : resolved.metadata.name).labels;
    if (!resolved.view) return { rows: Int32Array.from(whole, (_, i) => i), labels: whole, classes: info.classes, testRows: info.test_rows };
    return selectView(info.name, whole, info.classes, info.test_rows, resolved.view);
  }

  /**
   * `count` training samples of a dataset (or a view), drawn with `seed`, with their values as stored (image bytes,
   * channels last): what the New run page shows and previews augmentation on. Reads only those samples' bytes.
   * @throws AppError(BAD_INPUT) as `info`.
   */
  samples(dataset: string, count: number, seed: number): { image_shape: [number, number, number] | null; value_max: number; samples: { row: number; label: string; values: number[] }[] } {
    const resolved = this.resolve(dataset);
    const info = this.info(dataset);
    const { rows, labels, classes, testRows } =
      resolved.origin === 'synthetic' ? { rows: Int32Array.from({ length: info.rows }, (_, i) => i), labels: this.labels(dataset), classes: info.classes, testRows: 0 } : this.selection(resolved, this.describe(resolved));
    const training = rows.length - testRows;
    // Forked: the first draws of a small seed (0, the form's first preview) are not mixed well enough.
    const picked = new Prng(seed).fork(1).permutation(training).subarray(0, Math.min(count, training));
    const width = info.features;
    let read: (row: number) => number[];
    let valueMax: number;
    if (resolved.origin === 'imported' && resolved.metadata.format === 2) {
      const file = (this.imported as ImportedDatasetFolder).dataPath(resolved.metadata);
      read = (row) => Array.from(readStoredSample(file, resolved.metadata as ImageMetadata, row));
      valueMax = 255;
    } else {
      const base = resolved.origin === 'synthetic' ? dataset : resolved.origin === 'builtin' ? resolved.definition.name : resolved.metadata.name;
      const table = this.table(base);
      read = (row) => Array.from(table.features.subarray(row * width, (row + 1) * width));
      const preprocessing = resolved.origin === 'builtin' ? resolved.definition.preprocessing : null;
      valueMax = 1e-9;
      if (preprocessing?.kind === 'scale') valueMax = preprocessing.divisor;
      else for (const value of table.features) valueMax = Math.max(valueMax, Math.abs(value));
    }
    return {
      image_shape: info.image_shape,
      value_max: valueMax,
      samples: Array.from(picked, (i) => ({ row: rows[i] as number, label: classes[labels[i] as number] as string, values: read(rows[i] as number) })),
    };
  }

  /**
   * A table or image dataset as stored, read once per import (a re-import is never served stale); for synthetic
   * datasets, generated once per spec.
   * @throws AppError(BAD_INPUT) as `info`, or when a stored file does not read back as it was imported.
   */
  table(dataset: string): LabelledTable {
    const resolved = this.resolve(dataset);
    const base = resolved.origin === 'synthetic' ? dataset : resolved.origin === 'builtin' ? resolved.definition.name : resolved.metadata.name;
    const key = resolved.origin === 'imported' ? `${base}\n${resolved.metadata.imported_at}` : base;
    let table = this.tables.get(key);
    if (!table) {
      const whole: Resolved = resolved.origin === 'synthetic' ? resolved : { ...resolved, view: null };
      table = loadTable(this.sourceOf(base, whole));
      if (resolved.origin === 'imported' && resolved.metadata.format === 1) checkMatches(table, resolved.metadata);
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
    const metadata = await this.holdName(input.name, (folder, name) => {
      const filename = input.filename ?? ('file' in input ? basename(input.file) : null);
      return folder.write(name, 1, async (write) => {
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
    });
    return this.describe({ origin: 'imported', metadata, view: null });
  }

  /**
   * Imports images: MNIST-style IDX files (a folder holding `train-images-idx3-ubyte[.gz]` and its label file, with the
   * `t10k-` pair kept as the dataset's own test part), or an image folder with one subfolder of PNG or JPEG files per
   * class. Stored as bytes; all or nothing, as `import`.
   * @throws AppError BAD_INPUT (a bad name, a bad file named with its problem, a folder with no images or one class, a
   *   class left empty), CONFLICT, PAYLOAD_TOO_LARGE, IO_ERROR; the signal's reason when cancelled.
   */
  async importImages(input: ImageImportInput, options: Pick<ImportOptions, 'onProgress' | 'signal'> = {}): Promise<{ info: DatasetInfo; skipped: { file: string; reason: string }[] }> {
    return this.holdName(input.name, async (folder, name) => {
      const idx = findIdxFiles(input.path);
      if (idx) {
        if (input.size || input.grayscale !== undefined) {
          const message = 'IDX files are imported as they are: --size and --grayscale apply to image folders';
          throw new AppError('BAD_INPUT', `Cannot import: ${message}.`, [{ field: 'size', message }]);
        }
        return { metadata: await importIdx(folder, name, idx, input.classes), skipped: [] };
      }
      if (input.classes) {
        const message = 'an image folder takes its class names from its subfolders: --classes applies to IDX files';
        throw new AppError('BAD_INPUT', `Cannot import: ${message}.`, [{ field: 'classes', message }]);
      }
      let isFolder = false;
      try {
        isFolder = statSync(input.path).isDirectory();
      } catch (error) {
        const message = `${input.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
        throw new AppError('BAD_INPUT', `Cannot import: ${message}.`, [{ field: 'path', message }]);
      }
      if (!isFolder) {
        const message = `${input.path} is neither a CSV file, IDX files nor an image folder (one subfolder of PNG or JPEG images per class)`;
        throw new AppError('BAD_INPUT', `Cannot import: ${message}.`, [{ field: 'path', message }]);
      }
      return importImageFolder(folder, name, input.path, { size: input.size, grayscale: input.grayscale, onProgress: options.onProgress, signal: options.signal });
    }).then(({ metadata, skipped }) => ({ info: this.describe({ origin: 'imported', metadata, view: null }), skipped }));
  }

  /**
   * Downloads a known dataset (`mnist`, `fashion-mnist`), checks every file's SHA-256, and imports it under its own
   * name (or `name`). All or nothing: a failed download or checksum leaves no file and no dataset.
   * @throws AppError BAD_INPUT (an unknown dataset, a checksum that does not match), CONFLICT (the name is taken),
   *   IO_ERROR (network); the signal's reason when cancelled.
   */
  async fetch(dataset: string, options: FetchOptions & { name?: string | undefined } = {}): Promise<DatasetInfo> {
    const known = fetchable(dataset);
    const metadata = await this.holdName(options.name ?? known.name, async (folder, name) => {
      mkdirSync(folder.dir, { recursive: true });
      const from = options.mirror ? `a mirror, ${options.mirror}` : known.baseUrl;
      return fetchKnownDataset(known, folder.dir, options, (files) => importIdx(folder, name, files, known.classes, `${known.title}, downloaded from ${from} (checksums verified): ${known.source}`));
    });
    return this.describe({ origin: 'imported', metadata, view: null });
  }

  /** Checks the name, holds it for the duration of `body` (two imports of one name cannot both write), and runs it. */
  private async holdName<T>(rawName: string, body: (folder: ImportedDatasetFolder, name: string) => Promise<T>): Promise<T> {
    const folder = this.imported;
    if (!folder) throw new AppError('BAD_INPUT', 'This Runboard has no data folder for imported datasets.');
    const name = rawName.trim();
    checkName(name);
    const lower = name.toLowerCase();
    if (folder.taken(name) || this.importing.has(lower)) throw conflict(name);
    this.importing.add(lower);
    try {
      return await body(folder, name);
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
    const synthetic = parseSyntheticDataset(dataset);
    if (synthetic) {
      if (!synthetic.ok) throw new AppError('BAD_INPUT', `Invalid dataset "${dataset}": ${synthetic.message}.`, [{ field: 'dataset', message: synthetic.message }]);
      return { origin: 'synthetic', spec: synthetic.value };
    }
    const parsed = parseDatasetView(dataset);
    if (!parsed.ok) throw new AppError('BAD_INPUT', `Invalid dataset "${dataset}": ${parsed.message}.`, [{ field: 'dataset', message: parsed.message }]);
    const view = parsed.value.classes || parsed.value.n !== null ? parsed.value : null;
    const definition = BUILTINS.find((d) => d.name === parsed.value.name);
    if (definition) return { origin: 'builtin', definition, view };
    const metadata = this.imported?.get(parsed.value.name);
    if (metadata) return { origin: 'imported', metadata, view };
    const available = this.names().join(', ');
    const message = `unknown dataset "${dataset}"; available: ${available} (and spirals, moons, blobs take options, e.g. spirals:n=800,noise=0.1)`;
    throw new AppError('BAD_INPUT', `Unknown dataset "${dataset}". Available: ${available}.`, [{ field: 'dataset', message }]);
  }

  private sourceOf(dataset: string, resolved: Resolved): DatasetSource {
    switch (resolved.origin) {
      case 'builtin': {
        const d = resolved.definition;
        const name = resolved.view ? formatDatasetView(resolved.view) : d.name;
        return { name, kind: 'csv', file: join(this.builtinDir, d.file), preprocessing: d.preprocessing, imageShape: d.imageShape, view: resolved.view };
      }
      case 'synthetic':
        return { name: dataset.trim(), kind: 'synthetic', spec: resolved.spec, preprocessing: { kind: 'none' }, imageShape: null };
      case 'imported': {
        const m = resolved.metadata;
        const name = resolved.view ? formatDatasetView(resolved.view) : m.name;
        const file = (this.imported as ImportedDatasetFolder).dataPath(m);
        if (m.format === 1) return { name, kind: 'csv', file, preprocessing: { kind: 'none' }, imageShape: null, view: resolved.view };
        return { name, kind: 'images', file, metadata: m, preprocessing: { kind: 'scale', divisor: 255 }, imageShape: shapeOf(m), view: resolved.view };
      }
    }
  }

  private describe(resolved: Resolved): DatasetInfo {
    switch (resolved.origin) {
      case 'builtin':
        return describeBuiltin(resolved.definition, this.table(resolved.definition.name));
      case 'synthetic':
        return describeSyntheticDataset(resolved.spec);
      case 'imported':
        return resolved.metadata.format === 2 ? describeImages(resolved.metadata) : describeCsvImport(resolved.metadata);
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
function checkMatches(table: LabelledTable, metadata: CsvMetadata): void {
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
