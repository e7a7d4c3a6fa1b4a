import { MODEL_NAMES } from '../../src-shared/model/layers';
import { Command, CommanderError, Option } from 'commander';
import { AppError, type ErrorCode } from '../../src-shared/api/errors';
import { diskFullCode, diskFullError } from '../disk-full';
import { BACKENDS, OPTIMIZERS, ACTIVATIONS } from '../../src-shared/entities/train-config';
import { INITIALISERS } from '../../src-shared/entities/specs';
import { EXPORT_FORMATS } from '../../src-shared/api/contract';
import { appVersion } from '../paths';
import { registerDatasetsCommand } from './datasets-command';
import { registerDbCommand } from './db-command';
import { registerDevCommand } from './dev-command';
import { doctorCommand } from './doctor-command';
import { exportCommand, type ExportFlags } from './export-command';
import { importCommand, type ImportFlags } from './import-command';
import { reportCommand, type ReportFlags } from './report-command';
import { EXIT, type CliIo } from './io';
import { runsCommand, type RunsFlags } from './runs-command';
import { serveCommand } from './serve-command';
import { sweepCommand, sweepsCommand, type SweepFlags } from './sweep-command';
import { trainCommand, type TrainFlags } from './train-command';
import { DEFAULT_GRACE_SECONDS, workerCommand, type WorkerFlags } from './worker-command';

const DATASET_HELP = 'dataset: digits, iris, an imported one (runboard datasets), or spirals/moons/blobs with options like spirals:n=800,noise=0.1';

/** The options that define training, shared by `train` and `sweep` (where they are the trials' fixed options). */
export function addTrainingOptions(command: Command): Command {
  return command
    .option('--epochs <n>', 'epochs (default 10)')
    .option('--batch-size <n>', 'batch size (default 32)')
    .option('--lr <x>', 'learning rate (default 0.01)')
    .option('--momentum <x>', 'SGD momentum in [0, 1) (default 0.9)')
    .option('--optimizer <name>', `${OPTIMIZERS.join(' | ')} (default sgd)`)
    .option('--nesterov', 'Nesterov momentum (sgd)')
    .option('--weight-decay <x>', "weight decay: PyTorch's meaning (the gradient gains x*w); decoupled with adamw (default 0)")
    .option('--lr-schedule <spec>', 'constant | step:EVERY,GAMMA | cosine; each epoch logs its rate as metric lr (default constant)')
    .option('--model <name>', `a named model: ${MODEL_NAMES.join(' | ')} (default mlp, built from --hidden, --activation, --dropout)`)
    .option('--layers <list>', 'the model as layers, PyTorch names: "conv2d(32,3),relu,maxpool2d(2),flatten,linear(128),relu,dropout(0.5)" (the output layer is added)')
    .option('--hidden <sizes>', 'hidden layer sizes, comma separated (default 256,256)')
    .option('--activation <name>', `${ACTIVATIONS.join(' | ')} (default relu)`)
    .option('--init <spec>', `weight initialiser: ${INITIALISERS.join(', ')}; uniform:LOW,HIGH, normal:MEAN,STD (default glorot-uniform)`)
    .option('--bias-init <spec>', 'bias initialiser, e.g. zeros, constant:0.1 (default zeros)')
    .option('--dropout <x>', 'dropout after each hidden activation, in [0, 1): one rate, or one per layer like 0.5,0.2 (default 0.2)')
    .option('--val-split <x>', 'fraction held out for validation, stratified (default 0.2)')
    .option('--test-split <x>', 'fraction held out as a test set, evaluated once after training (default 0: none)')
    .option('--standardize', 'standardise features with training-split statistics')
    .option('--augment <spec>', 'on-the-fly augmentation of training data: rotate=15,shift=2,scale=0.1,flip=h,crop=4,noise=0.05 (images), noise=0.1 (tables)')
    .option('--early-stopping <spec>', 'PATIENCE[:MIN_DELTA] on validation loss; restores the best epoch (default off)')
    .option('--overfit-batch <n>', 'sanity check: train repeatedly on one fixed batch of n training samples')
    .option('--from-run <id>', "fine-tune or transfer: start from this run's weights (its layers are reused; the output layer is replaced when the classes differ)")
    .option('--freeze <layers>', 'layers that do not train: indices of layers with weights like 0,1, conv (the convolutional part), or all-but-last');
}

const DB_HELP = 'database file, or a PostgreSQL URL postgres://user@host:port/db (default: $RUNBOARD_DB, else ~/.local/share/runboard/runboard.db)';

/** Builds the `runboard` command tree. Each action stores its exit status in `result.code`. */
export function buildProgram(io: CliIo, result: { code: number }): Command {
  const program = new Command('runboard')
    .description('Train small neural networks and track every run: params, per-epoch metrics, curves, exports.')
    .version(appVersion(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  addTrainingOptions(
    program
      .command('train')
      .description('train a model and log the run')
      .requiredOption('--dataset <name>', DATASET_HELP),
  )
    .option('--seed <n>', 'seed for the split, shuffling, initialisation and dropout (default: random, recorded)')
    .option('--backend <name>', `${BACKENDS.join(' | ')} (default auto: the fastest that loads)`)
    .option('--name <name>', 'run name (default <dataset>-<id>)')
    .option('--experiment <name>', 'experiment (default "default")')
    .option('--db <path|url>', DB_HELP)
    .option('--json', 'print one JSON object with the result when done')
    .action(async (flags: TrainFlags) => {
      result.code = await trainCommand(flags, io);
    });

  program
    .command('runs')
    .description('list runs, newest first (filter, sort and columns as in the app\'s runs table and in export)')
    .option('--experiment <name>', 'only this experiment')
    .option('--filter <expr>', 'only runs matching a filter, e.g. "params.lr > 0.005 and status = \"finished\""')
    .option('--sort <column>', 'sort by a column, e.g. best.val_accuracy:desc (default: newest first)')
    .option('--columns <list>', 'these columns, in order: run_id,name,params.lr,best.val_accuracy,gap,tags,...')
    .option('--limit <n>', 'at most this many runs')
    .option('--include-archived', 'include archived runs')
    .option('--db <path|url>', DB_HELP)
    .option('--json', 'print a JSON array (of the chosen columns with --columns)')
    .action(async (flags: RunsFlags) => {
      result.code = await runsCommand(flags, io);
    });

  program
    .command('export')
    .description('export the runs table (one row per run: params, final and best metrics) as csv, json, md, latex or parquet')
    .addOption(new Option('--format <format>', 'file format').choices([...EXPORT_FORMATS]).default('csv'))
    .option('--out <file>', 'write to this file (default: stdout)')
    .option('--experiment <name>', 'only this experiment')
    .option('--sweep <id>', "only this sweep's trials (adds a trial column)")
    .option('--filter <expr>', 'only runs matching a filter, e.g. "params.lr > 0.005 and status = \"finished\""')
    .option('--columns <list>', 'these columns, in order: run_id,name,params.lr,best.val_accuracy,...')
    .option('--sort <column>', 'sort by a column, e.g. best.val_accuracy:desc (default run_id:asc)')
    .option('--include-archived', 'include archived runs')
    .option('--db <path|url>', DB_HELP)
    .action(async (flags: ExportFlags) => {
      result.code = await exportCommand(flags, io);
    });

  program
    .command('report')
    .description('write one self-contained HTML file (no network, no scripts): the runs table, the curves, the params that differ, a sweep\'s plots, and your note')
    .option('--filter <expr>', 'the runs matching a filter, e.g. "params.lr > 0.005 and status = \"finished\""')
    .option('--runs <ids>', 'these runs: 1,2,3')
    .option('--sweep <id>', "a sweep's trials, with its sampled values, parallel coordinates and importance")
    .option('--out <file>', 'the HTML file to write (required)')
    .option('--columns <list>', "the runs table's columns, as export names them: run_id,name,params.lr,best.val_accuracy,... (default: who, the params that differ, final and best metrics)")
    .option('--title <text>', 'the title (default: what the report is of)')
    .option('--note <text>', 'a note at the top, plain text (a blank line starts a paragraph)')
    .option('--note-file <file>', 'the note, read from a text file')
    .option('--include-archived', 'include archived runs that match --filter')
    .option('--db <path|url>', DB_HELP)
    .action(async (flags: ReportFlags) => {
      result.code = await reportCommand(flags, io);
    });

  program
    .command('import')
    .argument('<path>', 'an MLflow file store (mlruns/), an MLflow database (mlflow.db), or a TensorBoard log folder')
    .description("import another tracker's runs, with their params, metrics, tags and times; importing again adds nothing")
    .option('--experiment <name>', 'put every run in this experiment (default: MLflow runs keep theirs; TensorBoard runs go to one named after the folder)')
    .option('--db <path|url>', DB_HELP)
    .option('--json', 'print the summary as JSON')
    .action(async (path: string, flags: ImportFlags) => {
      result.code = await importCommand(path, flags, io);
    });

  program
    .command('serve')
    .description('serve the UI to a browser (first line printed: the URL to open)')
    .option('--port <n>', 'port (default 7321; 0 picks a free one)')
    .option('--host <address>', 'interface to listen on (default 127.0.0.1)')
    .option('--allow-remote', 'allow listening on an interface other machines can reach')
    .option('--silent-run-minutes <n>', 'a run logged through the MLflow API whose script is silent this long becomes interrupted (default 30; $RUNBOARD_SILENT_RUN_MINUTES)')
    .option('--db <path|url>', DB_HELP)
    .action(async (flags: { port?: string; host?: string; db?: string; allowRemote?: boolean; silentRunMinutes?: string }) => {
      result.code = await serveCommand(flags, io);
    });

  program
    .command('doctor')
    .description('check Node, Electron, each training backend (and why one does not load) and the database')
    .option('--db <path|url>', DB_HELP)
    .option('--json', 'print the report as JSON')
    .action(async (flags: { db?: string; json?: boolean }) => {
      result.code = await doctorCommand(flags, io);
    });

  addTrainingOptions(
    program
      .command('sweep')
      .argument('[action]', '"resume" to resume a sweep, "stop" to stop one that runs on workers')
      .argument('[sweep-id]', 'the sweep to resume or stop')
      .description('hyperparameter search: grid, random, successive halving (asha) or TPE (tpe, Optuna\'s Bayesian sampler); `runboard sweep resume ID` resumes one, `runboard sweep stop ID` stops one that runs on workers')
      .option('--dataset <name>', DATASET_HELP),
  )
    .option('--backend <name>', `${BACKENDS.join(' | ')} (default auto: the fastest that loads)`)
    .option('--strategy <name>', 'grid | random | asha | tpe (default random); asha is random search pruned by successive halving, tpe learns from the trials before each one')
    .option('--param <spec>', 'a searched option: lr=loguniform(1e-4,1e-2), momentum=uniform(0.85,0.99), batch_size=int(16,128), optimizer=choice(sgd,adam), lr=[0.1,0.01] (repeat for each)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--trials <n>', 'trials for random, asha and tpe (default 10); a grid runs every combination')
    .option('--pruner <name>', 'none | asha: prune trials by successive halving with any strategy, e.g. --strategy tpe --pruner asha (default none; the asha strategy always prunes)')
    .option('--warm-start <experiment|sweep>', "tpe: feed the sampler the finished runs of this experiment or sweep (experiment:NAME, sweep:ID, or a bare name or id) that have every searched param inside the space")
    .option('--objective <metric>', 'metric to optimise, with :max or :min (default val_accuracy:max)')
    .option('--parallel <n>', 'trials at once, each in its own process (default: the number of cores)')
    .option('--seed <n>', "the sweep's seed: the same seed samples the same trials (default: random, recorded)")
    .option('--min-epochs <n>', 'asha pruning: the first rung, in epochs (default 1)')
    .option('--reduction-factor <n>', 'asha pruning: keep the best 1/n at each rung (default 3)')
    .option('--yes', 'run a grid of more than 1000 trials')
    .option('--no-local', 'create the sweep for `runboard worker` processes on any machine, and run nothing here (prints the worker command)')
    .option('--name <name>', 'sweep name (default sweep-<id>)')
    .option('--experiment <name>', 'experiment (default "default")')
    .option('--db <path|url>', DB_HELP)
    .option('--json', 'print one JSON object with the result when done')
    .action(async (action: string | undefined, sweepId: string | undefined, flags: SweepFlags) => {
      result.code = await sweepCommand(action, sweepId, flags, io);
    });

  program
    .command('worker')
    .description('claim and train the trials of sweeps made with `runboard sweep --no-local`, on this machine; exits when none is left')
    .option('--db <path|url>', DB_HELP)
    .option('--sweep <id>', 'only this sweep (default: every sweep made with --no-local)')
    .option('--parallel <n>', 'trials at once, each in its own process (default: the number of cores)')
    .option('--backend <name>', `${BACKENDS.join(' | ')} (default: the sweep's)`)
    .option('--grace <seconds>', `a trial whose worker is silent this long goes to another worker (default ${DEFAULT_GRACE_SECONDS}); heartbeats go every quarter of it`)
    .action(async (flags: WorkerFlags) => {
      result.code = await workerCommand(flags, io);
    });

  program
    .command('sweeps')
    .description('list sweeps')
    .option('--db <path|url>', DB_HELP)
    .option('--json', 'print a JSON array')
    .action(async (flags: { db?: string; json?: boolean }) => {
      result.code = await sweepsCommand(flags, io);
    });

  registerDatasetsCommand(program, io, result);
  registerDbCommand(program, io, result);
  registerDevCommand(program, io, result, DB_HELP);

  return program;
}

/** Errors of the machine, not of what the user asked: they exit 1; the others (bad input, a refused file) exit 2. */
const FAILURE_CODES: readonly ErrorCode[] = ['INTERNAL', 'DB_UNREACHABLE', 'DISK_FULL'];

/**
 * A file-system or SQLite error that reached the top without being described where it happened, in words a user
 * reads (a full disk names its folder), or null for a real bug, whose stack trace is then worth printing.
 */
export function describeSystemError(error: unknown): AppError | null {
  const code = diskFullCode(error);
  if (code === null) return null;
  const path = (error as NodeJS.ErrnoException).path;
  return path ? diskFullError(path, path, code) : new AppError('DISK_FULL', `The disk is full (${code}): ${(error as Error).message}. Free some space and try again.`);
}

/** Runs `runboard <argv>`; returns the exit status instead of exiting. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const result = { code: EXIT.ok as number };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const shown = error instanceof AppError ? error : describeSystemError(error);
    if (shown) {
      io.stderr.write(`runboard: ${shown.message}\n`);
      return FAILURE_CODES.includes(shown.code) ? EXIT.failed : EXIT.usage;
    }
    io.stderr.write(`runboard: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failed;
  }
}
