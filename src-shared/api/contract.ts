import { z } from 'zod';
import { BACKENDS, trainConfigSchema } from '../entities/train-config';
import { metricSeriesSchema, runSummarySchema } from '../entities/run';
import { DATASET_NAME, MAX_IMPORT_BYTES, datasetInfoSchema } from '../entities/dataset';
import { evaluationSchema, weightHistogramsSchema } from '../entities/evaluation';
import { convFiltersSchema, modelSummarySchema } from '../entities/model-summary';
import { sweepDetailSchema, sweepRequestSchema, sweepSummarySchema } from '../entities/sweep';

const runId = z.number({ error: 'run_id must be a number' }).int().positive();
export const sortSchema = z.object({ column: z.string().min(1).max(300), direction: z.enum(['asc', 'desc']) });
const empty = z.object({}).strict();

export const backendStatusSchema = z.object({
  name: z.enum(['tensorflow-cuda', 'webgpu', 'tensorflow', 'wasm', 'cpu']),
  /** Whether the backend's package is installed (wasm and cpu always are). */
  installed: z.boolean(),
  /** Whether it loaded in a probe; null when not probed (only `runboard doctor` loads native backends). */
  loads: z.boolean().nullable(),
  /** Why it is not usable and what to do, when it is not. */
  reason: z.string().nullable(),
});
export type BackendStatus = z.infer<typeof backendStatusSchema>;

/**
 * The tracking API other trackers' clients log through (MLflow's): whether this host serves it, where, and the lines
 * a script needs. `serve` always serves it on its own port; the desktop app on loopback while switched on in Settings.
 */
export const trackingServerSchema = z.object({
  /** Whether this host can serve it at all (the CLI cannot). */
  available: z.boolean(),
  /** Whether it can be switched on and off here (the desktop app), or is always on (`serve`). */
  switchable: z.boolean(),
  enabled: z.boolean(),
  /** Where clients send their calls, while enabled. */
  url: z.string().nullable(),
  /** The lines to paste into a shell before running a script (MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN). */
  lines: z.array(z.string()),
  /** Why it is not serving although switched on (a port taken...). */
  error: z.string().nullable(),
});
export type TrackingServerStatus = z.infer<typeof trackingServerSchema>;

/** What an import of another tracker's runs did: runs and points added, runs left out, files that could not be read. */
export const importSummarySchema = z.object({
  /** What the path held. */
  kind: z.enum(['mlflow-file-store', 'mlflow-sqlite', 'tensorboard']),
  path: z.string(),
  runs: z.number().int(),
  points: z.number().int(),
  /** Runs imported before, or deleted in the tracker they come from. */
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
  /** Files that could not be read, with the line or record; nothing of their run was written. */
  failed: z.array(z.object({ path: z.string(), message: z.string() })),
});
export type ImportSummary = z.infer<typeof importSummarySchema>;

export const EXPORT_FORMATS = ['csv', 'json', 'md', 'latex', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const exportRequestSchema = z.object({
  format: z.enum(EXPORT_FORMATS, { error: `format must be one of ${EXPORT_FORMATS.join(', ')}` }),
  experiment: z.string().optional(),
  /** Export only these runs (the table's selection); every run the filter matches when absent. */
  run_ids: z.array(runId).max(100_000).optional(),
  sweep_id: z.number().int().positive().optional(),
  /** The table's filter (the filter language), sort and columns. */
  filter: z.string().max(10_000).optional(),
  sort: sortSchema.optional(),
  columns: z.array(z.string().min(1).max(300)).max(2_000).optional(),
  include_archived: z.boolean().optional(),
});
export type ExportRequest = z.infer<typeof exportRequestSchema>;

/** The longest note a report takes: 100k characters, a long page of text. */
export const MAX_REPORT_NOTE = 100_000;

/**
 * A self-contained HTML report (`runboard report`): of some runs (ids, or every run a filter matches) or of a sweep's
 * trials, with the runs table's columns (a default set when absent), a title and the user's note.
 */
export const reportRequestSchema = z
  .object({
    run_ids: z.array(runId).min(1, { error: 'run_ids: name at least one run' }).max(10_000).optional(),
    sweep_id: z.number().int().positive().optional(),
    filter: z.string().max(10_000).optional(),
    columns: z.array(z.string().min(1).max(300)).max(2_000).optional(),
    include_archived: z.boolean().optional(),
    title: z.string().max(300).optional(),
    note: z.string().max(MAX_REPORT_NOTE, { error: `note: at most ${MAX_REPORT_NOTE} characters` }).optional(),
  })
  .strict()
  .refine((r) => [r.run_ids, r.sweep_id, r.filter].filter((x) => x !== undefined).length === 1, { error: 'say which runs: exactly one of run_ids, sweep_id and filter' });
export type ReportRequest = z.infer<typeof reportRequestSchema>;

/**
 * The API contract: one map of `domain/verb` to input and output schemas. Every transport (Electron IPC,
 * HTTP + WebSocket for `serve`, in-process for the CLI) validates input with these schemas before a handler runs.
 */
export const contract = {
  'system/info': {
    input: empty,
    output: z.object({
      version: z.string(),
      db_path: z.string(),
      schema_version: z.number().int(),
      backends: z.array(backendStatusSchema),
      /** Which host serves the UI: the desktop app or `serve` in a browser. */
      host: z.enum(['desktop', 'serve', 'cli']),
    }),
  },
  /**
   * The backend and device a run with this backend choice would train on (for `auto`, which it takes and why it passed
   * over the faster ones), found by loading it in a throwaway training process; remembered for a minute.
   */
  'system/device': {
    input: z.object({ backend: z.enum(BACKENDS, { error: `backend must be one of ${BACKENDS.join(', ')}` }) }).strict(),
    output: z.object({
      backend: z.enum(BACKENDS),
      /** The backend that loaded, or null when none did. */
      chosen: z.enum(BACKENDS).exclude(['auto']).nullable(),
      /** What the run would record as its device (for WebGPU: the adapter, hardware or software). */
      device: z.string().nullable(),
      /** Why the backend cannot be used, and what to do, when it cannot. */
      error: z.string().nullable(),
      /** Backends `auto` passed over, and why. */
      passed_over: z.array(z.object({ backend: z.enum(BACKENDS).exclude(['auto']), reason: z.string() })),
    }),
  },
  'datasets/list': { input: empty, output: z.array(datasetInfoSchema) },
  /**
   * Imports a CSV (header row, numeric features, a label column) as a dataset in the data directory. Parsed strictly:
   * any error names its line and column, and nothing is kept of a file that fails.
   */
  'datasets/import': {
    input: z
      .object({
        name: z.string().regex(DATASET_NAME, { error: 'name: letters, digits, - and _, starting with a letter, at most 64 characters' }),
        /** The file's text. */
        csv: z.string().max(MAX_IMPORT_BYTES, { error: `the file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB` }),
        /** The label column's header; the last column when absent. */
        label: z.string().min(1).max(200).optional(),
        /** The file's name, for the dataset's provenance note. */
        filename: z.string().max(300).optional(),
      })
      .strict(),
    output: datasetInfoSchema,
  },
  /**
   * Imports images from a path on the machine Runboard runs on: MNIST-style IDX files (their t10k pair is kept as the
   * test set) or an image folder (one subfolder of PNG or JPEG images per class). Files that cannot be read are
   * skipped and listed; nothing is kept of an import that fails.
   */
  'datasets/import-images': {
    input: z
      .object({
        name: z.string().regex(DATASET_NAME, { error: 'name: letters, digits, - and _, starting with a letter, at most 64 characters' }),
        path: z.string().min(1, { error: 'path is required' }).max(4096),
        /** Image folders: every image is resized to this size (default: the first image's). */
        size: z.object({ width: z.number().int().min(1).max(1024), height: z.number().int().min(1).max(1024) }).strict().optional(),
        /** Image folders: keep one grey channel (default: when every image is grey). */
        grayscale: z.boolean().optional(),
        /** IDX files: class names in label order. */
        classes: z.array(z.string().min(1).max(200)).min(2).max(1000).optional(),
      })
      .strict(),
    output: z.object({ info: datasetInfoSchema, skipped: z.array(z.object({ file: z.string(), reason: z.string() })) }),
  },
  /**
   * Downloads a known dataset (MNIST, Fashion-MNIST), checks every file's SHA-256 and imports it. Progress arrives as
   * `dataset/fetch-progressed` events.
   */
  'datasets/fetch': {
    input: z.object({ dataset: z.enum(['mnist', 'fashion-mnist'], { error: 'dataset must be mnist or fashion-mnist' }) }).strict(),
    output: datasetInfoSchema,
  },
  /**
   * A few training samples of a dataset (a view included), as stored: what the New run page shows, and augments in
   * the browser to preview what training will see. Pixels are channels last.
   */
  'datasets/samples': {
    input: z.object({ dataset: z.string().min(1).max(500), count: z.number().int().min(1).max(64), seed: z.number().int().min(0).optional() }).strict(),
    output: z.object({
      image_shape: z.tuple([z.number().int(), z.number().int(), z.number().int()]).nullable(),
      /** The largest value a pixel can take (255 for image bytes, 16 for digits). */
      value_max: z.number(),
      samples: z.array(z.object({ row: z.number().int(), label: z.string(), values: z.array(z.number()) })),
    }),
  },
  'datasets/delete': { input: z.object({ name: z.string().regex(DATASET_NAME) }).strict(), output: z.object({ deleted: z.boolean() }) },
  /** Every experiment, by name, with its number of runs (archived ones included, those in the trash not). */
  'experiments/list': {
    input: empty,
    output: z.array(z.object({ id: z.number().int(), name: z.string(), run_count: z.number().int() })),
  },
  'runs/list': {
    input: z.object({ experiment: z.string().optional() }).strict(),
    output: z.array(runSummarySchema),
  },
  /** One page of the runs table: the filter language, a sort on any column, and a page; with the total match count. */
  'runs/query': {
    input: z
      .object({
        filter: z.string().max(10_000).optional(),
        sort: sortSchema.optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1_000).default(100),
        experiment: z.string().optional(),
        include_archived: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ runs: z.array(runSummarySchema), total: z.number().int() }),
  },
  /** Param, metric and tag names that runs have logged: what filters, sorts and columns may name. */
  'runs/columns': {
    input: empty,
    output: z.object({ params: z.array(z.string()), metrics: z.array(z.string()), tags: z.array(z.string()) }),
  },
  /** Groups the runs a filter matches by a column, with mean ± std, min and max of a metric per group. */
  'runs/group': {
    input: z
      .object({
        filter: z.string().max(10_000).optional(),
        by: z.string().min(1).max(300),
        metric: z.string().min(1).max(300),
        experiment: z.string().optional(),
        include_archived: z.boolean().optional(),
      })
      .strict(),
    output: z.array(
      z.object({ value: z.string(), count: z.number().int(), mean: z.number().nullable(), std: z.number().nullable(), min: z.number().nullable(), max: z.number().nullable() }),
    ),
  },
  /** Sets tags (null removes one) and notes. */
  'runs/annotate': {
    input: z
      .object({
        run_id: runId,
        tags: z.record(z.string().min(1).max(100).regex(/^[\w.-]+$/, { error: 'tag names: letters, digits, _, . and -' }), z.string().max(1_000).nullable()).optional(),
        notes: z.string().max(20_000).nullable().optional(),
      })
      .strict(),
    output: z.object({ run_id: runId }),
  },
  'runs/archive': { input: z.object({ run_ids: z.array(runId).min(1).max(100_000), archived: z.boolean() }).strict(), output: z.object({ changed: z.number().int() }) },
  /** Moves finished runs to the trash; `runs/restore` undoes it. Deleted runs are purged after seven days. */
  'runs/delete': { input: z.object({ run_ids: z.array(runId).min(1).max(100_000) }).strict(), output: z.object({ deleted: z.array(runId) }) },
  'runs/restore': { input: z.object({ run_ids: z.array(runId).min(1).max(100_000) }).strict(), output: z.object({ restored: z.number().int() }) },
  'runs/get': {
    input: z.object({ run_id: runId }).strict(),
    output: runSummarySchema.extend({ config: z.record(z.string(), z.unknown()) }),
  },
  'runs/metrics': {
    input: z
      .object({
        run_ids: z.array(runId).min(1).max(500),
        /** Metric keys to read; all of each run's keys when absent. */
        keys: z.array(z.string().min(1).max(200)).max(100).optional(),
        /** Point budget per series: longer series are downsampled by the store. Required, as in TensorBoard. */
        max_points: z.number().int().min(2).max(10_000),
        /**
         * Only the points past this step (series with none are left out): what a view that holds a run's series up to
         * here lacks, read cheaply when another process logged more.
         */
        after_step: z.number().int().optional(),
      })
      .strict(),
    output: z.array(metricSeriesSchema),
  },
  'runs/start': { input: trainConfigSchema, output: z.object({ run_id: runId }) },
  /** Error analysis of a finished run: validation split, and test split when it had one. */
  'runs/evaluation': {
    input: z.object({ run_id: runId }).strict(),
    output: z.object({ val: evaluationSchema.nullable(), test: evaluationSchema.nullable() }),
  },
  /** Each dense layer's weights at initialisation and at the end of training. */
  'runs/histograms': { input: z.object({ run_id: runId }).strict(), output: weightHistogramsSchema.nullable() },
  /** The model as it was built (layers, output shapes, parameters, what is frozen) and its first convolution's filters. */
  'runs/model': {
    input: z.object({ run_id: runId }).strict(),
    output: z.object({ summary: modelSummarySchema.nullable(), filters: convFiltersSchema.nullable() }),
  },
  'runs/stop': { input: z.object({ run_id: runId }).strict(), output: z.object({ stopping: z.boolean() }) },
  'sweeps/list': { input: empty, output: z.array(sweepSummarySchema) },
  'sweeps/get': { input: z.object({ sweep_id: z.number().int().positive() }).strict(), output: sweepDetailSchema },
  /** Checks the whole request (space, objective, trials, options), plans every trial, and starts the sweep. */
  'sweeps/start': { input: sweepRequestSchema, output: z.object({ sweep_id: z.number().int() }) },
  /** Stops a sweep's running trials; the sweep can be resumed. */
  'sweeps/stop': { input: z.object({ sweep_id: z.number().int().positive() }).strict(), output: z.object({ stopping: z.boolean() }) },
  /** Runs a stopped or interrupted sweep's unfinished trials again; finished ones are kept. */
  'sweeps/resume': { input: z.object({ sweep_id: z.number().int().positive() }).strict(), output: z.object({ sweep_id: z.number().int() }) },
  /**
   * Imports runs from a path on the machine Runboard runs on: an MLflow file store (`mlruns/`), an MLflow SQLite
   * database, or a TensorBoard log folder. Each run in one transaction, once however often it is imported. Progress
   * arrives as `import/progressed` events.
   */
  'runs/import': {
    input: z
      .object({
        path: z.string().min(1, { error: 'path is required' }).max(4096),
        /** Every run into this experiment instead of its own. */
        experiment: z.string().min(1).max(500).optional(),
      })
      .strict(),
    output: importSummarySchema,
  },
  'tracking/status': { input: empty, output: trackingServerSchema },
  /** Switches the tracking API on or off (the desktop app; `serve` always serves it). */
  'tracking/enable': { input: z.object({ enabled: z.boolean() }).strict(), output: trackingServerSchema },
  'runs/export': {
    input: exportRequestSchema.strict(),
    output: z.object({ filename: z.string(), mime_type: z.string(), content: z.string(), encoding: z.enum(['utf8', 'base64']), rows: z.number().int() }),
  },
  /** The report as one HTML file (`text/html`), for the app to save where the user says. */
  'runs/report': {
    input: reportRequestSchema,
    output: z.object({ filename: z.string(), mime_type: z.literal('text/html'), content: z.string(), runs: z.number().int() }),
  },
} as const;

export type Contract = typeof contract;
export type Method = keyof Contract;
export type MethodInput<M extends Method> = z.input<Contract[M]['input']>;
export type MethodParsedInput<M extends Method> = z.output<Contract[M]['input']>;
export type MethodOutput<M extends Method> = z.output<Contract[M]['output']>;

export const METHODS = Object.keys(contract) as Method[];

/**
 * The methods that change nothing stored (no run, sweep, dataset or setting): a fuzzer may call them on a user's data.
 * `system/device` starts a throwaway probe process but stores nothing; `runs/export` returns the file's content.
 */
export const READ_METHODS: readonly Method[] = [
  'system/info',
  'system/device',
  'datasets/list',
  'datasets/samples',
  'experiments/list',
  'runs/list',
  'runs/query',
  'runs/columns',
  'runs/group',
  'runs/get',
  'runs/metrics',
  'runs/evaluation',
  'runs/histograms',
  'runs/model',
  'sweeps/list',
  'sweeps/get',
  'tracking/status',
  'runs/export',
  'runs/report',
];

export function isMethod(name: string): name is Method {
  return Object.prototype.hasOwnProperty.call(contract, name);
}
