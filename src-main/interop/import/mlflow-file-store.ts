import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ImportedRun, MetricPointInput, ParamText } from '../../store/run-store';
import { ImportFileError } from './import-error';
import { experimentName, statusOfMlflow, type ImportOptions, type RunToImport } from './run-source';

type Meta = Record<string, unknown>;

async function readMeta(file: string): Promise<Meta> {
  let parsed: unknown;
  try {
    parsed = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ImportFileError(file, `not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ImportFileError(file, 'not an MLflow meta.yaml: it holds no mapping of fields');
  return parsed as Meta;
}

/** Whether a folder is an MLflow file store (`mlruns/`: experiment folders with a meta.yaml) or one experiment of it. */
export async function isMlflowFileStore(dir: string): Promise<boolean> {
  if (existsSync(join(dir, 'meta.yaml'))) return true;
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.some((e) => e.isDirectory() && !e.name.startsWith('.') && existsSync(join(dir, e.name, 'meta.yaml')));
}

/**
 * An MLflow file store (`mlruns/`): each experiment folder's `meta.yaml`, and in it each run folder's `meta.yaml`,
 * `params/`, `metrics/` (`timestamp value step` lines; older two-field lines are step 0) and `tags/`, where a key with
 * `/` is a subfolder. The `.trash` folder (deleted experiments) and runs deleted in MLflow are left out.
 * @throws ImportFileError for an experiment's meta.yaml that is not MLflow's.
 */
export async function mlflowFileStoreRuns(path: string, options: ImportOptions): Promise<RunToImport[]> {
  const root = resolve(path);
  const experimentDirs = existsSync(join(root, 'meta.yaml'))
    ? [root]
    : (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.') && existsSync(join(root, e.name, 'meta.yaml'))).map((e) => join(root, e.name)).sort();
  const runs: RunToImport[] = [];
  for (const dir of experimentDirs) {
    const metaFile = join(dir, 'meta.yaml');
    const meta = await readMeta(metaFile);
    if (meta.experiment_id === undefined || typeof meta.name !== 'string') {
      // A run folder given as the path: its parent is the experiment.
      if (meta.run_id !== undefined || meta.run_uuid !== undefined) throw new ImportFileError(metaFile, "a run's meta.yaml: import the mlruns folder (or its experiment's folder), not one run");
      throw new ImportFileError(metaFile, "not an MLflow experiment's meta.yaml: it has no experiment_id and name");
    }
    const experimentId = String(meta.experiment_id);
    const experimentDeleted = meta.lifecycle_stage === 'deleted';
    const experiment = experimentName(experimentId, meta.name, options);
    for (const entry of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const runDir = join(dir, entry.name);
      if (!existsSync(join(runDir, 'meta.yaml'))) continue;
      runs.push({
        label: relative(root, runDir) || basename(runDir),
        load: async () => (experimentDeleted ? { skipped: `its experiment ${meta.name as string} is deleted in MLflow` } : readRun(root, runDir, experiment, options)),
      });
    }
  }
  return runs;
}

async function readRun(root: string, dir: string, experiment: string, options: ImportOptions): Promise<ImportedRun | { skipped: string }> {
  const metaFile = join(dir, 'meta.yaml');
  const meta = await readMeta(metaFile);
  const runId = meta.run_id ?? meta.run_uuid;
  if (typeof runId !== 'string' || runId === '') throw new ImportFileError(metaFile, "not an MLflow run's meta.yaml: it has no run_id");
  if (meta.lifecycle_stage === 'deleted') return { skipped: 'deleted in MLflow' };
  const start = Number(meta.start_time);
  if (!Number.isFinite(start)) throw new ImportFileError(metaFile, `start_time ${JSON.stringify(meta.start_time)} is not a time in ms`);
  const end = meta.end_time === null || meta.end_time === undefined ? null : Number(meta.end_time);
  const params: ParamText[] = (await keyedFiles(join(dir, 'params'))).map(([key, text]) => ({ key, text }));
  const tags = Object.fromEntries(await keyedFiles(join(dir, 'tags')));
  const metrics: MetricPointInput[] = [];
  for (const [key, text, file] of await keyedFiles(join(dir, 'metrics'))) metrics.push(...metricLines(key, text, file));
  const name = typeof meta.run_name === 'string' && meta.run_name !== '' ? meta.run_name : (tags['mlflow.runName'] ?? runId);
  const user = typeof meta.user_id === 'string' && meta.user_id !== '' ? meta.user_id : (tags['mlflow.user'] ?? null);
  return {
    experiment,
    externalId: `mlflow:${runId}`,
    name,
    source: { type: 'mlflow-file-store', location: root, original_id: runId, user, imported_at: options.now },
    status: statusOfMlflow(meta.status),
    startTime: start,
    endTime: end !== null && Number.isFinite(end) ? end : null,
    params,
    tags,
    metrics,
  };
}

/** The files under a folder as [key, content, path]: a key with `/` is a subfolder, as MLflow writes it. */
async function keyedFiles(dir: string): Promise<[string, string, string][]> {
  if (!existsSync(dir)) return [];
  const out: [string, string, string][] = [];
  const walk = async (at: string): Promise<void> => {
    for (const entry of (await readdir(at, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push([relative(dir, path).split('\\').join('/'), await readFile(path, 'utf8'), path]);
    }
  };
  await walk(dir);
  return out;
}

/** Python's float text: `nan`, `inf`, `-inf`, or a number. */
function pythonFloat(text: string): number | null {
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : null;
}

/** A metric file's `timestamp value step` lines (`timestamp value` in old stores: step 0). */
function metricLines(key: string, text: string, file: string): MetricPointInput[] {
  const points: MetricPointInput[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const fields = line.trim().split(/\s+/);
    const time = Number(fields[0]);
    const value = pythonFloat(fields[1] ?? '');
    const step = fields.length > 2 ? Number(fields[2]) : 0;
    if (fields.length < 2 || fields.length > 3 || !Number.isSafeInteger(time) || value === null || !Number.isSafeInteger(step) || step < 0) {
      throw new ImportFileError(file, `line ${index + 1} is not "timestamp value step": ${JSON.stringify(line.slice(0, 100))}`);
    }
    points.push({ key, step, value, time });
  });
  return points;
}
