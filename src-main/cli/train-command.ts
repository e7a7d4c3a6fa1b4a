import { AppError } from '../../src-shared/api/errors';
import type { AnyEvent } from '../../src-shared/api/events';
import { fromMetricValue, type RunSummary } from '../../src-shared/entities/run';
import { trainConfigSchema, type TrainConfig, type TrainConfigInput } from '../../src-shared/entities/train-config';
import { parseOrThrow } from '../../src-shared/api/validation';
import { openCore } from '../core';
import { DatasetCatalogue } from '../datasets/catalogue';
import { checkTrainable } from '../training/host/preflight';
import { localFilesDir, resolveDbLocation, userDatasetsDir } from '../paths';
import { EXIT, type CliIo } from './io';
import { formatDuration, formatValue, modelAsText } from './format';
import { progressLine } from './progress-bar';
import { frozenLayersText, hiddenLayerCount, weightLayerNames } from '../../src-shared/model/frozen-layers';

/** The `train` flags as commander hands them over: every value is still text. */
export interface TrainFlags {
  dataset?: string;
  epochs?: string;
  batchSize?: string;
  lr?: string;
  momentum?: string;
  optimizer?: string;
  model?: string;
  layers?: string;
  hidden?: string;
  activation?: string;
  dropout?: string;
  seed?: string;
  valSplit?: string;
  testSplit?: string;
  init?: string;
  biasInit?: string;
  nesterov?: boolean;
  weightDecay?: string;
  lrSchedule?: string;
  standardize?: boolean;
  augment?: string;
  earlyStopping?: string;
  overfitBatch?: string;
  fromRun?: string;
  freeze?: string;
  backend?: string;
  name?: string;
  experiment?: string;
  db?: string;
  json?: boolean;
}

/** `batch_size` -> `--batch-size`: errors name the flag the user typed. */
export function flagName(field: string): string {
  const name = field.split('.')[0] ?? field;
  if (name === 'params') return '--param';
  return `--${name.replace(/_/g, '-')}`;
}

export function number(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return text.trim() === '' ? NaN : Number(text);
}

/**
 * Turns `train` flags into a validated configuration.
 * @throws AppError(BAD_INPUT) naming each bad flag, before anything is opened or written.
 */
export function parseTrainFlags(flags: TrainFlags): TrainConfig {
  if (flags.fromRun !== undefined) {
    for (const [flag, given] of [['--hidden', flags.hidden], ['--activation', flags.activation], ['--model', flags.model], ['--layers', flags.layers]] as const) {
      if (given !== undefined) {
        const message = "a fine-tuned run reuses its parent's layers; drop this flag";
        throw new AppError('BAD_INPUT', `${flag}: ${message}`, [{ field: flag, message }]);
      }
    }
  }
  const input = trainingInputFromFlags(flags);
  return withFlagNames(() => parseOrThrow(trainConfigSchema.strict(), input satisfies Partial<Record<keyof TrainConfigInput, unknown>>, 'training options'));
}

/** The training options given as flags, converted (numbers, lists) but not validated; flags not given are left out. */
export function trainingInputFromFlags(flags: TrainFlags): Record<string, unknown> {
  const input: Record<string, unknown> = {
    dataset: flags.dataset,
    epochs: number(flags.epochs),
    batch_size: number(flags.batchSize),
    lr: number(flags.lr),
    momentum: number(flags.momentum),
    optimizer: flags.optimizer,
    model: flags.model,
    layers: flags.layers,
    hidden: flags.hidden === undefined ? undefined : flags.hidden.trim() === '' ? [] : flags.hidden.split(',').map((s) => number(s)),
    activation: flags.activation,
    dropout: flags.dropout === undefined ? undefined : flags.dropout.includes(',') ? flags.dropout.split(',').map((s) => number(s)) : number(flags.dropout),
    init: flags.init,
    bias_init: flags.biasInit,
    nesterov: flags.nesterov,
    weight_decay: number(flags.weightDecay),
    lr_schedule: flags.lrSchedule,
    test_split: number(flags.testSplit),
    standardize: flags.standardize,
    augment: flags.augment,
    early_stopping: flags.earlyStopping,
    overfit_batch: number(flags.overfitBatch),
    from_run: number(flags.fromRun),
    freeze: flags.freeze,
    seed: number(flags.seed),
    val_split: number(flags.valSplit),
    backend: flags.backend,
    name: flags.name,
    experiment: flags.experiment,
  };
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  return input;
}

/** Runs `check`; an error naming fields (`batch_size`) is rethrown naming the flags instead (`--batch-size`). */
export function withFlagNames<T>(check: () => T): T {
  const rename = (error: unknown): never => {
    if (error instanceof AppError && error.fields) {
      const fields = error.fields.map((f) => ({ field: flagName(f.field), message: f.message }));
      throw new AppError(error.code, fields.map((f) => `${f.field}: ${f.message}`).join('\n'), fields);
    }
    throw error;
  };
  try {
    const result = check();
    return (result instanceof Promise ? result.catch(rename) : result) as T;
  } catch (error) {
    return rename(error);
  }
}

/** What a person should know about how a run ended, one line each. */
export function outcomeNotes(run: RunSummary): string[] {
  const notes: string[] = [];
  const o = run.outcome;
  if (run.kind === 'sanity') notes.push(`Sanity check: trained on one batch of ${run.params.overfit_batch} sample(s); train_accuracy ${formatValue(run.metrics.train_accuracy)}.`);
  if (o?.stop_reason === 'early_stopping') notes.push(`Early stopping ended the run at epoch ${run.epochs}; the best epoch was ${o.best_epoch}.`);
  if (o?.restored_best) notes.push(`Restored the weights of epoch ${o.best_epoch} (lowest val_loss).`);
  if (run.parent_run_id !== null) notes.push(`Fine-tuned from run ${run.parent_run_id}${o && o.frozen_layers.length > 0 ? `, frozen layers ${frozenLayersText(o.frozen_layers, hiddenLayerCount(run), weightLayerNames(run))}` : ''}.`);
  if (o?.output_layer_replaced) notes.push('The output layer was replaced: the dataset has other classes than the parent run.');
  if (run.metrics.test_accuracy !== undefined) notes.push(`Test set: test_loss ${formatValue(run.metrics.test_loss)}, test_accuracy ${formatValue(run.metrics.test_accuracy)}.`);
  return notes;
}

/** `runboard train`: one run, with a progress bar on a terminal, a JSON summary with `--json`; exit 0 only when it finished. */
export async function trainCommand(flags: TrainFlags, io: CliIo): Promise<number> {
  const config = parseTrainFlags(flags);
  const db = resolveDbLocation(flags.db, io.env);
  const datasets = new DatasetCatalogue({ userDir: userDatasetsDir(localFilesDir(db, io.env)) });
  const model = withFlagNames(() => checkTrainable(config, datasets));
  const core = await openCore({ db, host: 'cli', datasets });
  const live = io.stderr.isTTY === true;
  let lastAccuracy: number | null = null;
  const onEvent = (event: AnyEvent) => {
    if (event.event === 'run/progressed' && live) {
      io.stderr.write(`\r${progressLine(event.payload.progress, lastAccuracy, io.stderr.columns ?? 80)}\x1b[K`);
    } else if (event.event === 'run/epoch-logged' && event.payload.metrics.train_loss !== undefined) {
      const m = event.payload.metrics;
      lastAccuracy = m.train_accuracy === undefined ? null : fromMetricValue(m.train_accuracy);
      const line = `epoch ${event.payload.epoch}: train_loss ${formatValue(m.train_loss)}  train_accuracy ${formatValue(m.train_accuracy)}  val_loss ${formatValue(m.val_loss)}  val_accuracy ${formatValue(m.val_accuracy)}`;
      if (!flags.json) io.stdout.write(`${live ? '\r\x1b[K' : ''}${line}\n`);
    }
  };
  const unsubscribe = core.api.subscribe(onEvent);
  let signals = 0;
  let runId: number | null = null;
  const onSignal = () => {
    signals++;
    if (signals > 1) process.exit(EXIT.interrupted);
    io.stderr.write('\nStopping after the current batch (press Ctrl+C again to quit at once)...\n');
    if (runId !== null) core.trainer.stop(runId);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const started = await withFlagNames(() => core.trainer.start(config));
    runId = started.run_id;
    if (!flags.json) {
      io.stdout.write(`Run ${started.run_id} (${started.name}) in experiment "${started.experiment}", database ${core.dbPath}\n`);
      // A fine-tuned run's layers are its parent's: the run page shows them, with what is frozen.
      if (config.from_run === undefined) io.stdout.write(modelAsText(model));
    }
    const status = await core.trainer.wait(started.run_id);
    if (live) io.stderr.write('\r\x1b[K');
    const stored = await core.store.getRun(started.run_id);
    if (!stored) throw new AppError('INTERNAL', `Run ${started.run_id} disappeared.`);
    // A run whose end the database could not take (a full disk) is reported as it ended, not as the file still says.
    const unrecorded = core.trainer.unrecordedEnd(started.run_id);
    const run = unrecorded ? { ...stored, status: unrecorded.status, error: unrecorded.error } : stored;
    if (flags.json) {
      const summary = {
        run_id: run.run_id,
        name: run.name,
        experiment: run.experiment,
        status: run.status,
        backend: run.backend,
        device: run.device,
        seed: run.seed,
        epochs: run.epochs,
        duration_s: run.duration_s,
        error: run.error,
        kind: run.kind,
        parent_run_id: run.parent_run_id,
        outcome: run.outcome,
        params: run.params,
        metrics: run.metrics,
        best: run.best,
        ...(unrecorded ? { recorded: false, not_recorded_because: unrecorded.notRecorded } : {}),
      };
      io.stdout.write(JSON.stringify(summary) + '\n');
    } else {
      io.stdout.write(
        `Run ${run.run_id} ${run.status} after ${run.epochs} epoch(s) in ${formatDuration(run.duration_s === null ? null : run.duration_s * 1000)} on ${run.backend} (${run.device ?? '-'}).\n` +
          outcomeNotes(run)
            .map((note) => `${note}\n`)
            .join('') +
          (run.error ? `${run.error}\n` : ''),
      );
    }
    // Stopped by Ctrl+C here, or by a Stop from another process (the app, serve, another machine).
    return status === 'finished' ? EXIT.ok : signals > 0 || status === 'stopped' ? EXIT.interrupted : EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    unsubscribe();
    await core.dispose();
  }
}
