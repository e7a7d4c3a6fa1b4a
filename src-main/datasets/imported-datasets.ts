import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../src-shared/api/errors';
import { DATASET_NAME } from '../../src-shared/entities/dataset';

/** What `<name>.json` records next to an imported dataset's `<name>.csv`. */
export const importedMetadataSchema = z.object({
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
export type ImportedMetadata = z.infer<typeof importedMetadataSchema>;

/**
 * The folder of imported datasets (`<data directory>/datasets`): `<name>.csv` in the stored form and `<name>.json`,
 * its metadata. The metadata file is written last and is what makes a dataset exist, so a crash at any moment
 * leaves either a whole dataset or none (at most a stray temporary file, which nothing reads).
 */
export class ImportedDatasetFolder {
  constructor(readonly dir: string) {}

  csvPath(name: string): string {
    return join(this.dir, `${name}.csv`);
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
      if (!parsed.success || parsed.data.name !== name || !existsSync(this.csvPath(name))) return null;
      return parsed.data;
    } catch {
      return null;
    }
  }

  /**
   * Writes a dataset: `produce` streams the stored CSV into a temporary file and returns the metadata; then the CSV
   * and the metadata are renamed into place, metadata last. When `produce` throws, or anything fails, the temporary
   * files are removed and nothing of the dataset exists.
   * @throws AppError(CONFLICT) when a dataset of that name appeared meanwhile; whatever `produce` throws.
   */
  async write(name: string, produce: (write: (text: string) => Promise<void>) => Promise<Omit<ImportedMetadata, 'format' | 'name' | 'imported_at'>>): Promise<ImportedMetadata> {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      throw new AppError('IO_ERROR', `Cannot create the datasets folder ${this.dir}: ${(error as Error).message}`);
    }
    this.removeStaleTemporaryFiles();
    const stem = join(this.dir, `.${name}.${process.pid}-${randomBytes(4).toString('hex')}`);
    const temporaryCsv = `${stem}.csv.tmp`;
    const temporaryMetadata = `${stem}.json.tmp`;
    let renamedCsv = false;
    try {
      const handle = await open(temporaryCsv, 'wx');
      let produced: Awaited<ReturnType<typeof produce>>;
      try {
        produced = await produce(async (text) => {
          await handle.write(text);
        });
        await handle.sync();
      } finally {
        await handle.close();
      }
      const metadata: ImportedMetadata = { format: 1, name, ...produced, imported_at: new Date().toISOString() };
      importedMetadataSchema.parse(metadata);
      const json = await open(temporaryMetadata, 'wx');
      try {
        await json.write(JSON.stringify(metadata, null, 2) + '\n');
        await json.sync();
      } finally {
        await json.close();
      }
      if (this.taken(name)) throw conflict(name);
      renameSync(temporaryCsv, this.csvPath(name));
      renamedCsv = true;
      syncFolder(this.dir); // the CSV is in place on disk before the metadata that makes it a dataset
      renameSync(temporaryMetadata, this.metadataPath(name));
      syncFolder(this.dir);
      return metadata;
    } catch (error) {
      rmSync(temporaryCsv, { force: true });
      rmSync(temporaryMetadata, { force: true });
      if (renamedCsv) rmSync(this.csvPath(name), { force: true });
      if (typeof (error as NodeJS.ErrnoException).syscall !== 'string') throw error;
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
    if (!this.get(name)) return false;
    try {
      rmSync(this.metadataPath(name));
      rmSync(this.csvPath(name), { force: true });
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
