import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { ImportedRun, MetricPointInput, ParamText } from '../../store/run-store';
import { ImportFileError } from './import-error';
import type { ImportOptions, RunToImport } from './run-source';
import { decodeEvent, decodeHParams, DT_DOUBLE, DT_FLOAT, type SummaryValue, type TensorProto } from './tensorboard-proto';
import { tfRecords } from './tfrecord';

const EVENT_FILE = /^events\.out\.tfevents\./;

/** Every folder under `root` (itself included) that holds event files, with those files sorted by name. */
async function eventFolders(root: string): Promise<Map<string, string[]>> {
  const folders = new Map<string, string[]>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    const files = entries.filter((e) => e.isFile() && EVENT_FILE.test(e.name)).map((e) => join(dir, e.name)).sort();
    if (files.length > 0) folders.set(dir, files);
    for (const entry of entries) if (entry.isDirectory() && !entry.name.startsWith('.')) await walk(join(dir, entry.name));
  };
  await walk(root);
  return folders;
}

/** The first summary value of a folder's first event file, to tell what wrote it. */
async function firstValue(file: string): Promise<SummaryValue | undefined> {
  const bytes = await readFile(file);
  try {
    for (const record of tfRecords(bytes, file)) {
      const value = decodeEvent(record).summary?.value?.[0];
      if (value) return value;
    }
  } catch {
    // A damaged file is reported when its run is read.
  }
  return undefined;
}

/**
 * How a folder's values join its parent's run, when PyTorch's `SummaryWriter` wrote it there for that run:
 * `add_hparams` writes the hyperparameters (and its metrics) in a subfolder, `add_scalars('acc', {'train': ...})`
 * writes `acc` in a subfolder `acc_train`, read here as the metric `acc/train`. Null: the folder is a run of its own.
 */
async function partOfParent(folder: string, files: readonly string[]): Promise<{ rename: (tag: string) => string } | null> {
  const value = await firstValue(files[0] as string);
  if (!value?.tag) return null;
  if (value.metadata?.plugin_data?.plugin_name === 'hparams') return { rename: (tag) => tag };
  const name = basename(folder);
  const prefix = `${value.tag.replace(/\//g, '_')}_`;
  if (name.startsWith(prefix) && name.length > prefix.length) {
    const suffix = name.slice(prefix.length);
    return { rename: (tag) => `${tag}/${suffix}` };
  }
  return null;
}

interface FolderPart {
  folder: string;
  files: readonly string[];
  rename: (tag: string) => string;
}

/**
 * TensorBoard event files under `path` (a log folder, searched recursively, or one event file): one run per folder of
 * event files, with the subfolders PyTorch's `SummaryWriter` makes for a run (`add_hparams`, `add_scalars`) read into
 * it. Scalars written as `simple_value` and as float or double tensors (the `scalars` plugin) become metrics; the
 * hparams plugin's session-start data becomes params.
 */
export async function tensorboardRuns(path: string, options: ImportOptions): Promise<RunToImport[]> {
  const absolute = resolve(path);
  const isFile = (await stat(absolute)).isFile();
  const root = isFile ? dirname(absolute) : absolute;
  const folders = isFile ? new Map([[root, [absolute]]]) : await eventFolders(root);
  const runs = new Map<string, FolderPart[]>();
  for (const [folder, files] of [...folders].sort(([a], [b]) => a.length - b.length || a.localeCompare(b))) {
    const parent = dirname(folder);
    const joined = folder !== root && runs.has(parent) ? await partOfParent(folder, files) : null;
    if (joined) runs.get(parent)?.push({ folder, files, rename: joined.rename });
    else runs.set(folder, [{ folder, files, rename: (tag) => tag }]);
  }
  const experiment = options.experiment ?? basename(root);
  return [...runs].map(([folder, parts]) => ({
    label: relative(root, folder) || basename(folder),
    load: () => readRun(folder, parts, relative(root, folder) || basename(folder), experiment, options),
  }));
}

/** Session end statuses of the hparams plugin: success, failure, running. */
const SESSION_STATUS: Record<number, ImportedRun['status']> = { 1: 'finished', 2: 'failed', 3: 'running' };

async function readRun(folder: string, parts: readonly FolderPart[], name: string, experiment: string, options: ImportOptions): Promise<ImportedRun> {
  const metrics: MetricPointInput[] = [];
  const params: ParamText[] = [];
  let first = Infinity;
  let last = -Infinity;
  let status: ImportedRun['status'] = 'finished';
  for (const part of parts) {
    for (const file of part.files) {
      const bytes = await readFile(file);
      // A tag's plugin is named on its first value only.
      const plugins = new Map<string, string>();
      let record = 0;
      for (const data of tfRecords(bytes, file)) {
        record++;
        let event;
        try {
          event = decodeEvent(data);
        } catch (error) {
          throw new ImportFileError(file, `record ${record} is not a TensorBoard event (${(error as Error).message})`);
        }
        if (event.wall_time !== undefined) {
          first = Math.min(first, event.wall_time);
          last = Math.max(last, event.wall_time);
        }
        for (const value of event.summary?.value ?? []) {
          const tag = value.tag ?? '';
          const plugin = value.metadata?.plugin_data?.plugin_name;
          if (plugin) plugins.set(tag, plugin);
          if (plugins.get(tag) === 'hparams') {
            const content = value.metadata?.plugin_data?.content;
            if (content && content.length > 0) status = readHParams(content, file, record, params, status);
            continue;
          }
          const scalar = value.simple_value !== undefined ? value.simple_value : plugins.get(tag) === 'scalars' && value.tensor ? tensorScalar(value.tensor) : undefined;
          if (scalar === undefined) continue;
          const step = event.step ?? 0;
          if (!Number.isSafeInteger(step) || step < 0) throw new ImportFileError(file, `record ${record}: step ${step} of "${tag}" is not a whole number from 0`);
          metrics.push({ key: part.rename(tag), step, value: scalar, time: Math.round((event.wall_time ?? 0) * 1000) });
        }
      }
    }
  }
  const firstFile = basename(parts[0]?.files[0] as string);
  return {
    experiment,
    externalId: `tensorboard:${firstFile}`,
    name,
    source: { type: 'tensorboard', location: folder, original_id: firstFile, user: null, imported_at: options.now },
    status,
    startTime: Number.isFinite(first) ? Math.round(first * 1000) : options.now,
    endTime: Number.isFinite(last) ? Math.round(last * 1000) : null,
    params,
    tags: {},
    metrics,
  };
}

/** The hparams plugin's session start (the params) and end (the status). */
function readHParams(content: Uint8Array, file: string, record: number, params: ParamText[], status: ImportedRun['status']): ImportedRun['status'] {
  let data;
  try {
    data = decodeHParams(content);
  } catch (error) {
    throw new ImportFileError(file, `record ${record}: the hparams plugin data cannot be read (${(error as Error).message})`);
  }
  for (const [key, value] of Object.entries(data.session_start_info?.hparams ?? {})) {
    const text = value.string_value ?? (value.number_value !== undefined ? String(value.number_value) : value.bool_value !== undefined ? String(value.bool_value) : 'None');
    if (!params.some((p) => p.key === key)) params.push({ key, text });
  }
  const ended = data.session_end_info?.status;
  return ended !== undefined ? (SESSION_STATUS[ended] ?? status) : status;
}

/** A rank-0 float or double tensor's value (from its typed list or its raw little-endian bytes); other tensors are not scalars. */
function tensorScalar(tensor: TensorProto): number | undefined {
  if ((tensor.tensor_shape?.dim?.length ?? 0) > 0) return undefined;
  const content = tensor.tensor_content;
  if (tensor.dtype === DT_FLOAT) {
    if (tensor.float_val?.length) return tensor.float_val[0];
    if (content && content.length >= 4) return new DataView(content.buffer, content.byteOffset, content.byteLength).getFloat32(0, true);
  }
  if (tensor.dtype === DT_DOUBLE) {
    if (tensor.double_val?.length) return tensor.double_val[0];
    if (content && content.length >= 8) return new DataView(content.buffer, content.byteOffset, content.byteLength).getFloat64(0, true);
  }
  return undefined;
}
