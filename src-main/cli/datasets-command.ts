import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../../src-shared/api/errors';
import type { DatasetInfo } from '../../src-shared/entities/dataset';
import { DatasetCatalogue, type ImageImportInput } from '../datasets/catalogue';
import { parseImageSize } from '../datasets/image-folder';
import { KNOWN_DATASETS } from '../datasets/known-datasets';
import type { ImportProgress } from '../datasets/csv-import';
import { isServerLocation, localFilesDir, resolveDbLocation, userDatasetsDir, type DbLocation } from '../paths';
import { textTable } from './format';
import { EXIT, type CliIo } from './io';

const DB_HELP = 'database file; imported datasets live in datasets/ next to it (default: $RUNBOARD_DB, else ~/.local/share/runboard/runboard.db)';

/** Files larger than this show a progress line while they import (on a terminal). */
const PROGRESS_FROM_BYTES = 1024 * 1024;

interface ListFlags {
  db?: string;
  json?: boolean;
}

interface ImportFlags extends ListFlags {
  name: string;
  label?: string;
  size?: string;
  grayscale?: boolean;
  classes?: string;
}

/** Imported datasets live in `datasets/` in the database's folder; the database itself is never opened here. */
function datasetsDir(location: DbLocation): string {
  return userDatasetsDir(localFilesDir(location));
}

/** A database file's folder that must exist (the user named the file) and does not; null otherwise. */
function missingFolder(location: DbLocation): string | null {
  if (isServerLocation(location) || !location.explicit) return null;
  const folder = dirname(location.path);
  return existsSync(folder) ? null : folder;
}

function catalogueFor(location: DbLocation): DatasetCatalogue {
  return new DatasetCatalogue({ userDir: datasetsDir(location) });
}

export function datasetsAsText(datasets: readonly DatasetInfo[]): string {
  const rows = datasets.map((d) => [d.name, d.origin, d.kind, String(d.rows), String(d.features), String(d.classes.length)]);
  return (
    textTable(['name', 'origin', 'kind', 'rows', 'features', 'classes'], rows) +
    '\nSynthetic datasets take options: --dataset spirals:n=800,noise=0.1,seed=3 (n, classes, noise, seed).\n' +
    'Import your own: runboard datasets import FILE.csv --name NAME [--label COLUMN]\n'
  );
}

function listCommand(flags: ListFlags, io: CliIo): number {
  const datasets = catalogueFor(resolveDbLocation(flags.db, io.env)).list();
  io.stdout.write(flags.json ? JSON.stringify(datasets) + '\n' : datasetsAsText(datasets));
  return EXIT.ok;
}

/** `runboard datasets import`: streams the file in (progress on a terminal for big files); Ctrl+C cancels, keeping nothing. */
async function importCommand(file: string, flags: ImportFlags, io: CliIo): Promise<number> {
  const location = resolveDbLocation(flags.db, io.env);
  const folder = missingFolder(location);
  if (folder !== null) {
    throw new AppError('DB_DIR_MISSING', `Cannot import into ${datasetsDir(location)}: the folder ${folder} of the database does not exist. Create it first, or choose another path with --db.`);
  }
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // The import names the problem (no such file) in its own words.
  }
  const live = io.stderr.isTTY === true && size >= PROGRESS_FROM_BYTES;
  let lastDrawn = 0;
  const onProgress = ({ fraction, rows }: ImportProgress) => {
    const now = Date.now();
    if (now - lastDrawn < 100 && fraction < 1) return;
    lastDrawn = now;
    io.stderr.write(`\rImporting ${file}: ${Math.floor(fraction * 100)}% (${rows.toLocaleString('en')} rows)\x1b[K`);
  };
  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals > 1) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (isCsv(file)) {
      const info = await catalogueFor(location).import(
        { name: flags.name, file, ...(flags.label !== undefined ? { label: flags.label } : {}) },
        { signal: controller.signal, ...(live ? { onProgress } : {}) },
      );
      if (live) io.stderr.write('\r\x1b[K');
      if (flags.json) {
        io.stdout.write(JSON.stringify(info) + '\n');
      } else {
        const classes = info.classes.length <= 10 ? ` (${info.classes.join(', ')})` : '';
        io.stdout.write(
          `Imported "${info.name}" from ${file}: ${info.rows} rows, ${info.features} features, ${info.classes.length} classes${classes}.\n` +
            `Train on it with: runboard train --dataset ${info.name} --standardize\n`,
        );
      }
      return EXIT.ok;
    }
    const { info, skipped } = await catalogueFor(location).importImages(imageInput(file, flags), { signal: controller.signal, ...(io.stderr.isTTY ? { onProgress } : {}) });
    if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
    for (const { file: name, reason } of skipped) io.stderr.write(`Skipped ${name}: ${reason}\n`);
    if (flags.json) {
      io.stdout.write(JSON.stringify({ ...info, skipped }) + '\n');
    } else {
      const [channels, height, width] = info.image_shape ?? [0, 0, 0];
      const classes = info.classes.length <= 10 ? ` (${info.classes.join(', ')})` : '';
      const test = info.test_rows > 0 ? `, of which ${info.test_rows} are its own test set` : '';
      io.stdout.write(
        `Imported "${info.name}" from ${file}: ${info.rows} images of ${channels}x${height}x${width}${test}, ${info.classes.length} classes${classes}${skipped.length > 0 ? `; ${skipped.length} file(s) skipped` : ''}.\n` +
          `Train on it with: runboard train --dataset ${info.name} --model cnn\n`,
      );
    }
    return EXIT.ok;
  } catch (error) {
    if (live) io.stderr.write('\r\x1b[K');
    if (controller.signal.aborted) {
      io.stderr.write('Import cancelled: nothing was imported.\n');
      return EXIT.interrupted;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const isCsv = (file: string) => /\.(csv|tsv|txt)$/i.test(file);

/** The image import's options from the flags; `--label` is a CSV option, `--size` and friends are not CSV ones. */
function imageInput(path: string, flags: ImportFlags): ImageImportInput {
  if (flags.label !== undefined) {
    const message = '--label names a CSV column; an image dataset takes its labels from its IDX label file or its class folders';
    throw new AppError('BAD_INPUT', message, [{ field: '--label', message }]);
  }
  let size: ImageImportInput['size'];
  if (flags.size !== undefined) {
    const parsed = parseImageSize(flags.size);
    if (!parsed) {
      const message = `"${flags.size}" is not a size: write WIDTHxHEIGHT such as 32x32 (each from 1 to 1024), or one number for a square`;
      throw new AppError('BAD_INPUT', `--size: ${message}`, [{ field: '--size', message }]);
    }
    size = parsed;
  }
  const classes = flags.classes?.split(',').map((name) => name.trim());
  return { name: flags.name, path, size, grayscale: flags.grayscale, classes };
}

interface FetchFlags extends ListFlags {
  name?: string;
  mirror?: string;
}

/** `runboard datasets fetch NAME`: downloads, checks and imports a known dataset; Ctrl+C cancels, keeping nothing. */
async function fetchCommand(dataset: string, flags: FetchFlags, io: CliIo): Promise<number> {
  const location = resolveDbLocation(flags.db, io.env);
  const folder = missingFolder(location);
  if (folder !== null) {
    throw new AppError('DB_DIR_MISSING', `Cannot fetch into ${datasetsDir(location)}: the folder ${folder} of the database does not exist. Create it first, or choose another path with --db.`);
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let lastDrawn = 0;
  const live = io.stderr.isTTY === true;
  try {
    const info = await catalogueFor(location).fetch(dataset, {
      name: flags.name,
      mirror: flags.mirror ?? io.env.RUNBOARD_DATASETS_MIRROR,
      signal: controller.signal,
      onProgress: ({ bytes, total, file }) => {
        const now = Date.now();
        if (!live || (now - lastDrawn < 100 && bytes < total)) return;
        lastDrawn = now;
        io.stderr.write(`\rDownloading ${file}: ${(bytes / 1024 / 1024).toFixed(1)} of ${(total / 1024 / 1024).toFixed(1)} MB\x1b[K`);
      },
    });
    if (live) io.stderr.write('\r\x1b[K');
    if (flags.json) io.stdout.write(JSON.stringify(info) + '\n');
    else {
      io.stdout.write(
        `Fetched "${info.name}": ${info.rows} images (${info.test_rows} of them its test set), ${info.classes.length} classes (${info.classes.join(', ')}); every file's SHA-256 checked.\n` +
          `Train on it with: runboard train --dataset ${info.name} --model cnn\n`,
      );
    }
    return EXIT.ok;
  } catch (error) {
    if (live) io.stderr.write('\r\x1b[K');
    if (controller.signal.aborted) {
      io.stderr.write('Fetch cancelled: nothing was imported.\n');
      return EXIT.interrupted;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function deleteCommand(name: string, flags: { db?: string }, io: CliIo): number {
  const location = resolveDbLocation(flags.db, io.env);
  if (!catalogueFor(location).delete(name)) {
    throw new AppError('NOT_FOUND', `No imported dataset is named "${name}" in ${datasetsDir(location)}. List them with: runboard datasets`);
  }
  io.stdout.write(`Deleted dataset "${name}". Runs trained on it keep their results.\n`);
  return EXIT.ok;
}

/**
 * Adds `runboard datasets [--json]`, `runboard datasets import FILE.csv --name NAME [--label COLUMN] [--json]` and
 * `runboard datasets delete NAME`, each with `--db PATH`. None opens the database. Errors are AppErrors, which the
 * program prints and turns into exit status 2; a cancelled import exits 130.
 */
export function registerDatasetsCommand(program: Command, io: CliIo, result: { code: number }): void {
  const datasets = program
    .command('datasets')
    .description('list the datasets (built-in, synthetic, imported); import a CSV file or delete an imported dataset')
    .option('--db <path|url>', DB_HELP)
    .option('--json', 'print a JSON array')
    .action((flags: ListFlags) => {
      result.code = listCommand(flags, io);
    });

  // Commander may hand `--db` and `--json` typed after a subcommand to the parent `datasets`: read both.
  const inherited = (flags: ListFlags): ListFlags => {
    const parent = datasets.opts<ListFlags>();
    return { db: flags.db ?? parent.db, json: flags.json ?? parent.json };
  };

  datasets
    .command('import')
    .description('import a dataset: a CSV file (header row, numeric features, a label column), MNIST-style IDX files, or an image folder (one subfolder of PNG or JPEG images per class)')
    .argument('<path>', 'a .csv file, a folder holding train-images-idx3-ubyte[.gz] (and t10k-* for a test set), or an image folder')
    .requiredOption('--name <name>', 'the dataset name: letters, digits, - and _, starting with a letter')
    .option('--label <column>', 'CSV: the label column, by its header (default: the last column)')
    .option('--size <WxH>', 'image folder: resize every image to this size, e.g. 32x32 (default: the first image\'s size)')
    .option('--grayscale', 'image folder: keep one grey channel (default: grey when every image is grey)')
    .option('--classes <names>', 'IDX files: class names in label order, comma separated (default: known names for MNIST and Fashion-MNIST, else the label values)')
    .option('--db <path|url>', DB_HELP)
    .option('--json', 'print the imported dataset as JSON')
    .action(async (file: string, flags: ImportFlags) => {
      result.code = await importCommand(file, { ...flags, ...inherited(flags) }, io);
    });

  datasets
    .command('fetch')
    .description('download a known dataset (mnist, fashion-mnist), check every file\'s SHA-256 and import it')
    .argument('<dataset>', KNOWN_DATASETS.map((d) => d.name).join(' | '))
    .option('--name <name>', 'import it under another name (default: the dataset\'s own)')
    .option('--mirror <url>', 'download from a mirror that serves the same file names (default: $RUNBOARD_DATASETS_MIRROR, else the official address)')
    .option('--db <path|url>', DB_HELP)
    .option('--json', 'print the imported dataset as JSON')
    .action(async (dataset: string, flags: FetchFlags) => {
      result.code = await fetchCommand(dataset, { ...flags, ...inherited(flags) }, io);
    });

  datasets
    .command('delete')
    .description('delete an imported dataset')
    .argument('<name>', 'the dataset name')
    .option('--db <path|url>', DB_HELP)
    .action((name: string, flags: ListFlags) => {
      result.code = deleteCommand(name, inherited(flags), io);
    });
}
