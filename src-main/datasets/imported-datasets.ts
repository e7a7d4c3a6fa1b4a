import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../src-shared/api/errors';
import { diskFullCode, diskFullError } from '../disk-full';
import { DATASET_NAME } from '../../src-shared/entities/dataset';

/** What `<name>.json` records next to an imported table's `<name>.csv`. */
export const csvMetadataSchema = z.object({
  format: z.literal(1),
  name: z.string().regex(DATASET_NAME),
  /** Feature columns, in the order of the stored CSV (the original file's order). */
  features: z.array(z.string()).min(1),
  /** The label column's header in the original file; stored last. */
  label: z.string(),
  classes: z.array(z.string()).min(2),
  rows: z.number().int().positive(),
  /** The imported file's name, when known. */
  filename: z.string().nullable(),
  /** ISO 8601, UTC. */
  imported_at: z.string(),
  /** SHA-256 (hex) of the original file's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Size of the original file in bytes. */
  bytes: z.number().int().nonnegative(),
});
export type CsvMetadata = z.infer<typeof csvMetadataSchema>;

/**
 * What `<name>.json` records next to an imported image dataset's `<name>.images`: the images as bytes (count x height x
 * width x channels, the training part first, then the dataset's own test part), then one little-endian uint16 label
 * per image in the same order.
 */
export const imageMetadataSchema = z.object({
  format: z.literal(2),
  kind: z.literal('image'),
  name: z.string().regex(DATASET_NAME),
  channels: z.number().int().min(1).max(4),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  classes: z.array(z.string()).min(2),
  /** Images of the training part (what runs split into training and validation). */
  train_rows: z.number().int().positive(),
  /** Images of the dataset's own test part (MNIST's t10k files), evaluated once after training; 0 when none. */
  test_rows: z.number().int().nonnegative(),
  /** Where the images came from, in words: `IDX files in /data/fashion`, `image folder ~/pets (3 files skipped)`. */
  origin: z.string(),
  /** The source files' names and SHA-256, as read. */
  files: z.array(z.object({ name: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() })),
  imported_at: z.string(),
});
export type ImageMetadata = z.infer<typeof imageMetadataSchema>;

export const importedMetadataSchema = z.union([csvMetadataSchema, imageMetadataSchema]);
export type ImportedMetadata = z.infer<typeof importedMetadataSchema>;
type Produced = Omit<CsvMetadata, 'format' | 'name' | 'imported_at'> | Omit<ImageMetadata, 'format' | 'kind' | 'name' | 'imported_at'>;

/** The stored data file's extension: `.csv` for tables, `.images` for image datasets. */
const extensionOf = (format: ImportedMetadata['format']) => (format === 1 ? 'csv' : 'images');

/**
 * The folder of imported datasets (`<data directory>/datasets`): the data in its stored form (`<name>.csv` for a table,
 * `<name>.images` for images) and `<name>.json`, its metadata. The metadata file is written last and is what makes a dataset exist, so a crash at any moment
 * leaves either a whole dataset or none (at most a stray temporary file, which nothing reads).
 */
export class ImportedDatasetFolder {
  constructor(readonly dir: string) {}

  /** The stored data of a dataset. */
  dataPath(metadata: Pick<ImportedMetadata, 'name' | 'format'>): string {
    return join(this.dir, `${metadata.name}.${extensionOf(metadata.format)}`);
  }

  private metadataPath(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  /** Every imported dataset whose metadata reads back sound and whose CSV is there, by name. */
  list(): ImportedMetadata[] {
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch {
      return []; // no folder yet: nothing imported
    }
    return entries
      .filter((entry) => entry.endsWith('.json') && !entry.startsWith('.'))
      .flatMap((entry) => {
        const metadata = this.get(entry.slice(0, -'.json'.length));
        return metadata ? [metadata] : [];
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The metadata of `name`, or null when there is no sound imported dataset of that exact name. */
  get(name: string): ImportedMetadata | null {
    if (!DATASET_NAME.test(name)) return null;
    try {
      const parsed = importedMetadataSchema.safeParse(JSON.parse(readFileSync(this.metadataPath(name), 'utf8')));
      // On a case-insensitive file system `Foo.json` opens `foo.json`: only the exact name counts.
      if (!parsed.success || parsed.data.name !== name || !existsSync(this.dataPath(parsed.data))) return null;
      return parsed.data;
    } catch {
      return null;
    }
  }

  /**
   * Writes a dataset of the given stored form (format 1, a CSV table; format 2, images): `produce` streams the data
   * into a temporary file and returns the metadata; then the data and the metadata are renamed into place, metadata
   * last. When `produce` throws, or anything fails, the temporary files are removed and nothing of the dataset exists.
   * @throws AppError(CONFLICT) when a dataset of that name appeared meanwhile; whatever `produce` throws.
   */
  async write<F extends ImportedMetadata['format']>(
    name: string,
    format: F,
    produce: (write: (chunk: string | Uint8Array) => Promise<void>) => Promise<F extends 1 ? Omit<CsvMetadata, 'format' | 'name' | 'imported_at'> : Omit<ImageMetadata, 'format' | 'kind' | 'name' | 'imported_at'>>,
  ): Promise<Extract<ImportedMetadata, { format: F }>> {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      throw new AppError('IO_ERROR', `Cannot create the datasets folder ${this.dir}: ${(error as Error).message}`);
    }
    this.removeStaleTemporaryFiles();
    const stem = join(this.dir, `.${name}.${process.pid}-${randomBytes(4).toString('hex')}`);
    const dataPath = this.dataPath({ name, format });
    const temporaryData = `${stem}.${extensionOf(format)}.tmp`;
    const temporaryMetadata = `${stem}.json.tmp`;
    let renamedData = false;
    try {
      const handle = await open(temporaryData, 'wx');
      let produced: Produced;
      try {
        produced = await produce(async (chunk) => {
          if (typeof chunk === 'string') await handle.write(chunk);
          else await handle.write(chunk);
        });
        await handle.sync();
      } finally {
        await handle.close();
      }
      const metadata = importedMetadataSchema.parse({ format, ...(format === 2 ? { kind: 'image' } : {}), name, ...produced, imported_at: new Date().toISOString() }) as Extract<ImportedMetadata, { format: F }>;
      const json = await open(temporaryMetadata, 'wx');
      try {
        await json.write(JSON.stringify(metadata, null, 2) + '\n');
        await json.sync();
      } finally {
        await json.close();
      }
      if (this.taken(name)) throw conflict(name);
      renameSync(temporaryData, dataPath);
      renamedData = true;
      syncFolder(this.dir); // the data is in place on disk before the metadata that makes it a dataset
      renameSync(temporaryMetadata, this.metadataPath(name));
      syncFolder(this.dir);
      return metadata;
    } catch (error) {
      rmSync(temporaryData, { force: true });
      rmSync(temporaryMetadata, { force: true });
      if (renamedData) rmSync(dataPath, { force: true });
      if (typeof (error as NodeJS.ErrnoException).syscall !== 'string') throw error;
      const full = diskFullCode(error);
      if (full !== null) throw diskFullError(dataPath, `dataset "${name}"`, full, 'Nothing of it was kept.');
      throw new AppError('IO_ERROR', `Cannot save dataset "${name}" in ${this.dir}: ${(error as Error).message}`);
    }
  }

  /** Temporary files left by an import that crashed or was killed; none of them is a day into an import. */
  private removeStaleTemporaryFiles(): void {
    const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
    for (const entry of readdirSync(this.dir)) {
      if (!entry.startsWith('.') || !entry.endsWith('.tmp')) continue;
      try {
        if (statSync(join(this.dir, entry)).mtimeMs < dayAgo) rmSync(join(this.dir, entry), { force: true });
      } catch {
        // Gone already, or not ours to remove: it is harmless either way.
      }
    }
  }

  /** Whether a dataset has this name, ignoring case (`Foo` and `foo` would be one file on macOS and Windows). */
  taken(name: string): boolean {
    const lower = name.toLowerCase();
    return this.list().some((metadata) => metadata.name.toLowerCase() === lower);
  }

  /** Removes `name` (metadata first, so it stops existing at once). Returns false when there was no such dataset. */
  delete(name: string): boolean {
    const metadata = this.get(name);
    if (!metadata) return false;
    try {
      rmSync(this.metadataPath(name));
      rmSync(this.dataPath(metadata), { force: true });
    } catch (error) {
      throw new AppError('IO_ERROR', `Cannot delete dataset "${name}" in ${this.dir}: ${(error as Error).message}`);
    }
    return true;
  }
}

/** Makes renames in `dir` durable (POSIX); best effort, as Windows cannot open a folder to sync it. */
function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported here: the rename is still atomic, only its durability on power loss is the OS's.
  }
}

export function conflict(name: string): AppError {
  const message = `a dataset named "${name}" already exists; delete it first or choose another name`;
  return new AppError('CONFLICT', `Cannot import: ${message}.`, [{ field: 'name', message }]);
}
