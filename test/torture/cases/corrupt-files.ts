/**
 * `corrupt-files`: every kind of file a user hands Runboard, damaged as disks, downloads and other programs damage
 * them (a truncated database, garbage in its `-wal`, another program's SQLite file, a truncated or garbled checkpoint,
 * truncated CSV, IDX, PNG, JPEG, TensorBoard and MLflow files, CSVs in UTF-16 and with a BOM and CRLF), each given to
 * the built CLI as a user would. Each must give a clear error naming the file (exit status not 0, no stack trace), or
 * read right where a user expects it to (a UTF-8 BOM with CRLF line ends; a `-wal` whose tail is garbage), and leave
 * every file the user gave it byte for byte as it was. Each iteration cuts the files at other random places.
 */
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { outcome, type TortureCase, type TortureOptions } from '../case';
import { eventFile } from '../../interop/tfevents';
import { jpg, png, writeIdxFolder, writeImageFolder } from '../../datasets/image-files';
import { changedFiles, cliEnv, hashTree, runCli, shown, stackTraceIn, type CliResult } from './runboard-cli';

/** A seeded generator, so a failing iteration can be told apart and its cut points are printed. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** What a probe expects of the command it runs. */
type Expect =
  | { error: true; names: string; mentions?: RegExp }
  | { error: false; check: (result: CliResult) => string | null };

interface Probe {
  name: string;
  /** Makes the damaged files in `dir`; returns the command's arguments and the files (or folders) the user owns. */
  make(dir: string, random: () => number): { args: string[]; inputs: string[]; expect: Expect };
}

const cut = (file: string, random: () => number, from = 0.1, to = 0.9) => {
  const size = statSync(file).size;
  const length = Math.max(1, Math.floor(size * (from + (to - from) * random())));
  truncateSync(file, length);
  return length;
};

function irisLikeCsv(rows: number, random: () => number): string {
  const lines = ['sepal_length,sepal_width,petal_length,petal_width,species'];
  const species = ['setosa', 'versicolor', 'virginica'];
  for (let i = 0; i < rows; i++) lines.push(`${(4 + random() * 4).toFixed(2)},${(2 + random() * 2).toFixed(2)},${(1 + random() * 5).toFixed(2)},${(random() * 2.5).toFixed(2)},${species[i % 3]}`);
  return lines.join('\n') + '\n';
}

function mlflowStore(root: string, runs: number): string {
  writeFileSync(join(mkdirp(join(root, '0')), 'meta.yaml'), "artifact_location: file:///x/0\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n");
  for (let r = 0; r < runs; r++) {
    const run = mkdirp(join(root, '0', `run${r}abc`));
    writeFileSync(join(run, 'meta.yaml'), `run_id: run${r}abc\nrun_name: r${r}\nexperiment_id: '0'\nstatus: 3\nstart_time: 1000\nend_time: 9000\nlifecycle_stage: active\n`);
    writeFileSync(join(mkdirp(join(run, 'params')), 'lr'), '0.01');
    writeFileSync(join(mkdirp(join(run, 'metrics')), 'loss'), Array.from({ length: 50 }, (_, i) => `${1000 + i} ${(1 / (i + 1)).toFixed(6)} ${i}`).join('\n') + '\n');
  }
  return root;
}

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

function mlflowSqlite(path: string): string {
  const db = new BetterSqlite3(path);
  db.exec(`
    CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT, artifact_location TEXT, lifecycle_stage TEXT, creation_time INTEGER, last_update_time INTEGER);
    CREATE TABLE runs (run_uuid TEXT PRIMARY KEY, name TEXT, source_type TEXT, source_name TEXT, entry_point_name TEXT, user_id TEXT, status TEXT, start_time INTEGER, end_time INTEGER, source_version TEXT, lifecycle_stage TEXT, artifact_uri TEXT, experiment_id INTEGER, deleted_time INTEGER);
    CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT);
    CREATE TABLE metrics (key TEXT, value REAL, timestamp INTEGER, run_uuid TEXT, step INTEGER, is_nan INTEGER);
    CREATE TABLE tags (key TEXT, value TEXT, run_uuid TEXT);
    INSERT INTO experiments VALUES (0, 'Default', '', 'active', 1, 1);
  `);
  const run = db.prepare("INSERT INTO runs VALUES (?, ?, 'LOCAL', '', '', 'bo', 'FINISHED', 100, 500, '', 'active', '', 0, NULL)");
  const metric = db.prepare('INSERT INTO metrics VALUES (?, ?, ?, ?, ?, 0)');
  db.transaction(() => {
    for (let r = 0; r < 40; r++) {
      run.run(`r${r}`, `run-${r}`);
      for (let step = 0; step < 100; step++) metric.run('loss', 1 / (step + 1), 1000 + step, `r${r}`, step);
    }
  })();
  db.close();
  return path;
}

/** A Runboard database with `runs` finished runs and their checkpoints, made once per case and copied per probe. */
interface Template {
  db: string;
  runs: number;
}

function copyTemplate(template: Template, dir: string): string {
  const db = join(dir, 'runboard.db');
  copyFileSync(template.db, db);
  return db;
}

function probes(template: Template): Probe[] {
  const datasetsImport = (path: string, db: string, extra: string[] = []) => ['datasets', 'import', path, '--name', 'torture', '--db', db, '--json', ...extra];
  const runsOf = (db: string) => ['runs', '--db', db, '--json'];
  const listsAllRuns = (result: CliResult): string | null => {
    if (result.code !== 0) return 'it did not read the database';
    const runs = JSON.parse(result.stdout) as { status: string }[];
    return runs.length === template.runs ? null : `it lists ${runs.length} runs, not ${template.runs}`;
  };
  return [
    {
      name: 'truncated database',
      make(dir, random) {
        const db = copyTemplate(template, dir);
        cut(db, random);
        return { args: runsOf(db), inputs: [db], expect: { error: true, names: db } };
      },
    },
    {
      name: 'garbage -wal (whole file)',
      make(dir, random) {
        const db = copyTemplate(template, dir);
        writeFileSync(`${db}-wal`, Buffer.from(Array.from({ length: 4096 + Math.floor(random() * 20_000) }, () => Math.floor(random() * 256))));
        // SQLite ignores a -wal whose header is not its own: the database reads as it was.
        return { args: runsOf(db), inputs: [db], expect: { error: false, check: listsAllRuns } };
      },
    },
    {
      name: 'garbage after the -wal\'s last commit',
      make(dir, random) {
        const db = copyTemplate(template, dir);
        // A commit left in the -wal (as a crash leaves it), then garbage where the next frames would have been.
        const connection = new BetterSqlite3(db);
        connection.pragma('wal_autocheckpoint = 0');
        connection.prepare("UPDATE runs SET notes = 'kept in the wal' WHERE id = 1").run();
        copyFileSync(db, join(dir, 'copy.db'));
        copyFileSync(`${db}-wal`, join(dir, 'copy.db-wal'));
        connection.close();
        const wal = join(dir, 'copy.db-wal');
        writeFileSync(wal, Buffer.concat([readFileSync(wal), Buffer.from(Array.from({ length: 1000 + Math.floor(random() * 10_000) }, () => Math.floor(random() * 256)))]));
        const copy = join(dir, 'copy.db');
        return {
          args: ['runs', '--db', copy, '--json', '--columns', 'run_id,notes'],
          inputs: [],
          expect: {
            error: false,
            check: (result) => {
              if (result.code !== 0) return 'it did not read the database';
              const runs = JSON.parse(result.stdout) as { run_id: number; notes: string | null }[];
              if (runs.length !== template.runs) return `it lists ${runs.length} runs, not ${template.runs}`;
              return runs.some((run) => run.notes === 'kept in the wal') ? null : 'the note committed in the -wal was lost';
            },
          },
        };
      },
    },
    {
      name: "another program's SQLite file",
      make(dir) {
        const db = join(dir, 'contacts.db');
        const other = new BetterSqlite3(db);
        other.exec("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO contacts (name) VALUES ('Ada'), ('Grace');");
        other.close();
        return { args: ['train', '--dataset', 'iris', '--epochs', '1', '--hidden', '4', '--backend', 'wasm', '--db', db], inputs: [db], expect: { error: true, names: db, mentions: /not a Runboard/ } };
      },
    },
    {
      name: 'truncated checkpoint weights',
      make(dir, random) {
        const db = copyTemplate(template, dir);
        const checkpoints = join(dir, 'checkpoints');
        mkdirp(join(checkpoints, '1'));
        for (const file of ['final.json', 'final.bin']) copyFileSync(join(template.db, '..', 'checkpoints', '1', file), join(checkpoints, '1', file));
        cut(join(checkpoints, '1', 'final.bin'), random);
        return { args: ['train', '--dataset', 'iris', '--epochs', '1', '--from-run', '1', '--backend', 'wasm', '--db', db], inputs: [checkpoints], expect: { error: true, names: join(checkpoints, '1', 'final.bin') } };
      },
    },
    {
      name: 'garbage checkpoint manifest',
      make(dir, random) {
        const db = copyTemplate(template, dir);
        const checkpoints = join(dir, 'checkpoints');
        mkdirp(join(checkpoints, '1'));
        for (const file of ['final.json', 'final.bin']) copyFileSync(join(template.db, '..', 'checkpoints', '1', file), join(checkpoints, '1', file));
        const manifest = join(checkpoints, '1', 'final.json');
        if (random() < 0.5) cut(manifest, random);
        else writeFileSync(manifest, '{"format": "runboard-weights-2", "layers": 7, "weights": "none"}');
        return { args: ['train', '--dataset', 'iris', '--epochs', '1', '--from-run', '1', '--backend', 'wasm', '--db', db], inputs: [checkpoints], expect: { error: true, names: manifest } };
      },
    },
    {
      name: 'truncated CSV',
      make(dir, random) {
        const csv = join(dir, 'flowers.csv');
        const text = irisLikeCsv(60, random);
        // Cut inside a row before its last comma: the row is short of cells, so the cut shows.
        const lines = text.split('\n');
        const row = 1 + Math.floor(random() * (lines.length - 3));
        const kept = lines.slice(0, row).join('\n') + '\n' + (lines[row] ?? '').slice(0, Math.max(1, (lines[row] ?? '').lastIndexOf(',') - 1));
        writeFileSync(csv, kept);
        return { args: datasetsImport(csv, join(dir, 'runboard.db')), inputs: [csv], expect: { error: true, names: csv, mentions: /line \d+/ } };
      },
    },
    {
      name: 'CSV with a UTF-8 BOM and CRLF line ends',
      make(dir, random) {
        const csv = join(dir, 'excel.csv');
        writeFileSync(csv, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(irisLikeCsv(30, random).replace(/\n/g, '\r\n'))]));
        return {
          args: datasetsImport(csv, join(dir, 'runboard.db'), ['--label', 'species']),
          inputs: [csv],
          expect: {
            error: false,
            check: (result) => {
              if (result.code !== 0) return 'it was not imported';
              const info = JSON.parse(result.stdout) as { rows: number; features: number; classes: string[]; feature_names?: string[] };
              if (info.rows !== 30 || info.features !== 4) return `it read ${info.rows} rows of ${info.features} features, not 30 of 4`;
              if (info.classes.join(',') !== 'setosa,versicolor,virginica') return `its classes read ${JSON.stringify(info.classes)} (a CR or BOM kept in a cell?)`;
              return null;
            },
          },
        };
      },
    },
    {
      name: 'CSV in UTF-16 with a BOM',
      make(dir, random) {
        const csv = join(dir, 'utf16.csv');
        const text = irisLikeCsv(20, random).replace(/\n/g, '\r\n');
        const bigEndian = random() < 0.5;
        const body = Buffer.from(text, 'utf16le');
        if (bigEndian) body.swap16();
        writeFileSync(csv, Buffer.concat([Buffer.from(bigEndian ? [0xfe, 0xff] : [0xff, 0xfe]), body]));
        return { args: datasetsImport(csv, join(dir, 'runboard.db')), inputs: [csv], expect: { error: true, names: basename(csv), mentions: /UTF-16/ } };
      },
    },
    {
      name: 'truncated IDX images',
      make(dir, random) {
        const folder = writeIdxFolder(join(dir, 'mnist'), { train: 40, test: 10, gzip: random() < 0.5 });
        const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte'];
        const file = files[Math.floor(random() * files.length)]!;
        const path = existsSync(join(folder, file)) ? join(folder, file) : join(folder, `${file}.gz`);
        cut(path, random);
        return { args: datasetsImport(folder, join(dir, 'runboard.db')), inputs: [folder], expect: { error: true, names: basename(path) } };
      },
    },
    {
      name: 'truncated PNG and JPEG in an image folder',
      make(dir, random) {
        const red = png(8, 8, () => [200, 10, 10]);
        const blue = jpg(8, 8, () => [10, 10, 200]);
        const folder = writeImageFolder(join(dir, 'images'), {
          red: { 'a.png': red, 'b.png': red, 'c.png': red },
          blue: { 'a.jpg': blue, 'b.jpg': blue, 'c.jpg': blue },
        });
        cut(join(folder, 'red', 'b.png'), random, 0.2, 0.8);
        cut(join(folder, 'blue', 'c.jpg'), random, 0.2, 0.8);
        // The unreadable images are skipped, each named with its reason; the readable ones are imported. A JPEG cut
        // late may still decode (its missing rows grey, as a browser shows it): then it is imported, not skipped.
        return {
          args: datasetsImport(folder, join(dir, 'runboard.db')),
          inputs: [folder],
          expect: {
            error: false,
            check: (result) => {
              if (result.code !== 0) return 'the readable images were not imported';
              const info = JSON.parse(result.stdout) as { rows: number; skipped: { file: string; reason: string }[] };
              const skippedNamed = (name: string) => info.skipped.some((s) => s.file.endsWith(name) && /damaged or cut-short/.test(s.reason)) && result.stderr.includes(name);
              if (!skippedNamed('b.png')) return `the cut PNG was not named as skipped, damaged or cut short (${JSON.stringify(info.skipped)})`;
              const jpegSkipped = skippedNamed('c.jpg');
              return info.rows === (jpegSkipped ? 4 : 5) ? null : `it imported ${info.rows} images with the JPEG ${jpegSkipped ? 'skipped' : 'read'}`;
            },
          },
        };
      },
    },
    {
      name: 'every image of a class truncated',
      make(dir, random) {
        const red = png(8, 8, () => [200, 10, 10]);
        const folder = writeImageFolder(join(dir, 'images'), { red: { 'a.png': red }, blue: { 'a.png': png(8, 8, () => [10, 10, 200]) } });
        cut(join(folder, 'red', 'a.png'), random, 0.2, 0.8);
        return { args: datasetsImport(folder, join(dir, 'runboard.db')), inputs: [folder], expect: { error: true, names: join(folder, 'red', 'a.png'), mentions: /damaged or cut-short PNG/ } };
      },
    },
    {
      name: 'truncated TensorBoard event file',
      make(dir, random) {
        const logs = join(dir, 'logs');
        const file = join(mkdirp(join(logs, 'mlp')), 'events.out.tfevents.100.host.1.0');
        writeFileSync(file, eventFile(Array.from({ length: 30 }, (_, step) => ({ wallTime: 100 + step, step, values: [{ tag: 'loss', simple: 1 / (step + 1) }] }))));
        cut(file, random, 0.3, 0.95);
        return { args: ['import', logs, '--db', join(dir, 'runboard.db')], inputs: [logs], expect: { error: true, names: file } };
      },
    },
    {
      name: 'truncated MLflow metrics file',
      make(dir, random) {
        const root = mlflowStore(join(dir, 'mlruns'), 3);
        const file = join(root, '0', 'run1abc', 'metrics', 'loss');
        // Cut inside a line: "timestamp value" with the step gone, or "timestamp" alone.
        const text = readFileSync(file, 'utf8');
        const at = text.indexOf('\n', Math.floor(text.length * (0.2 + 0.6 * random())));
        writeFileSync(file, text.slice(0, at + 1 + 1 + Math.floor(random() * 3)));
        return { args: ['import', root, '--db', join(dir, 'runboard.db')], inputs: [root], expect: { error: true, names: file } };
      },
    },
    {
      name: 'garbage MLflow meta.yaml',
      make(dir, random) {
        const root = mlflowStore(join(dir, 'mlruns'), 2);
        const file = join(root, '0', 'run0abc', 'meta.yaml');
        writeFileSync(file, Buffer.from(Array.from({ length: 200 }, () => Math.floor(random() * 256))));
        return { args: ['import', root, '--db', join(dir, 'runboard.db')], inputs: [root], expect: { error: true, names: file } };
      },
    },
    {
      name: 'truncated MLflow database',
      make(dir, random) {
        const path = mlflowSqlite(join(dir, 'mlflow.db'));
        cut(path, random, 0.2, 0.8);
        return { args: ['import', path, '--db', join(dir, 'runboard.db')], inputs: [path], expect: { error: true, names: path } };
      },
    },
  ];
}

/** Judges one probe's result: what a user would call wrong with it, or null. */
function judge(result: CliResult, expect: Expect): string | null {
  const trace = stackTraceIn(result.stdout + result.stderr);
  if (trace) return `a stack trace reached the user (${trace})`;
  if (result.timedOut) return 'it did not end within its time limit';
  if (!expect.error) return expect.check(result);
  if (result.code === 0) return 'it exited 0 on a damaged file';
  const said = result.stderr + result.stdout;
  // The path as given, or the file's own name (an error may name the file without the folders it sits in).
  if (!said.includes(expect.names) && !said.includes(basename(expect.names))) return `the error does not name ${expect.names}`;
  if (expect.mentions && !expect.mentions.test(said)) return `the error does not say ${expect.mentions}`;
  return null;
}

async function makeTemplate(dir: string, options: TortureOptions): Promise<Template> {
  const db = join(mkdirp(dir), 'runboard.db');
  const env = cliEnv(dir);
  const runs = 2;
  for (let run = 0; run < runs; run++) {
    const result = await runCli(['train', '--dataset', 'iris', '--hidden', '8', '--epochs', '2', '--backend', 'wasm', '--db', db, '--json'], { env, timeoutMs: 120_000 });
    if (result.code !== 0) throw new Error(`the template run could not be trained: ${shown(result)}`);
  }
  options.log(`template database: ${runs} runs`);
  return { db, runs };
}

export const corruptFiles: TortureCase = {
  name: 'corrupt-files',
  description: 'damaged databases, -wal files, checkpoints and every dataset and import format, given to the CLI: a clear error naming the file (or a right reading), no stack trace, nothing of the user\'s changed',
  async run(options) {
    const iterations = options.iterations ?? (options.quick ? 1 : 4);
    const template = await makeTemplate(join(options.workDir, 'template'), options);
    const failures: string[] = [];
    let checks = 0;
    for (let iteration = 1; iteration <= iterations; iteration++) {
      const seed = (Date.now() ^ (iteration * 0x9e3779b9)) >>> 0;
      const random = generator(seed);
      for (const [index, probe] of probes(template).entries()) {
        const dir = mkdirp(join(options.workDir, `i${iteration}`, String(index)));
        const { args, inputs, expect } = probe.make(dir, random);
        const before = inputs.map((input) => hashTree(input));
        const result = await runCli(args, { env: cliEnv(dir), timeoutMs: 120_000 });
        checks++;
        options.log(`${probe.name}: exit ${result.code}: ${(result.stderr.trim().split('\n')[0] ?? '').slice(0, 300)}`);
        const problem = judge(result, expect);
        const changed = inputs.flatMap((input, i) => changedFiles(before[i]!, hashTree(input)));
        if (problem) failures.push(`iteration ${iteration} (seed ${seed}), ${probe.name}: ${problem}: ${shown(result)}`);
        if (changed.length > 0) failures.push(`iteration ${iteration} (seed ${seed}), ${probe.name}: the user's files changed: ${changed.join(', ')}`);
      }
      options.log(`iteration ${iteration}: ${checks} checks so far, ${failures.length} failures`);
    }
    return outcome(iterations, failures, { checks });
  },
};
