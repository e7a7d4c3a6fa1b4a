/**
 * Every `runboard train` flag reaches the run's configuration under its own field: the real command tree
 * (`buildProgram`) parses the flags, and `parseTrainFlags` turns them into the configuration the trainer gets. Each
 * flag is given a value other than its default, so a flag that is dropped, or read into another field, fails here.
 * In-process: nothing is trained or written (the subprocess tests in train.test.ts run whole trainings).
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src-main/cli/program';
import { parseTrainFlags, type TrainFlags } from '../../src-main/cli/train-command';
import { trainConfigSchema } from '../../src-shared/entities/train-config';

const silent = { write: () => true };

/** The flags commander hands to the `train` action for `argv`. */
function trainFlags(argv: readonly string[]): TrainFlags {
  const program = buildProgram({ stdout: silent, stderr: silent, env: {} }, { code: 0 });
  const train = program.commands.find((command) => command.name() === 'train') as Command;
  let flags: TrainFlags | undefined;
  train.action((given: TrainFlags) => {
    flags = given;
  });
  program.parse(['train', ...argv], { from: 'user' });
  if (!flags) throw new Error('the train action did not run');
  return flags;
}

/** Each flag with a value that is not its default, and the configuration field it must set. */
const FLAGS: { flag: string; value?: string; field: string; expected: unknown }[] = [
  { flag: '--dataset', value: 'digits', field: 'dataset', expected: 'digits' },
  { flag: '--epochs', value: '7', field: 'epochs', expected: 7 },
  { flag: '--batch-size', value: '24', field: 'batch_size', expected: 24 },
  { flag: '--lr', value: '0.003', field: 'lr', expected: 0.003 },
  { flag: '--momentum', value: '0.8', field: 'momentum', expected: 0.8 },
  { flag: '--optimizer', value: 'rmsprop', field: 'optimizer', expected: 'rmsprop' },
  { flag: '--weight-decay', value: '0.0005', field: 'weight_decay', expected: 0.0005 },
  { flag: '--lr-schedule', value: 'step:3,0.5', field: 'lr_schedule', expected: 'step:3,0.5' },
  { flag: '--hidden', value: '32,16', field: 'hidden', expected: [32, 16] },
  { flag: '--layers', value: 'conv2d(8,3),relu,flatten', field: 'layers', expected: 'conv2d(8,3),relu,flatten' },
  { flag: '--activation', value: 'tanh', field: 'activation', expected: 'tanh' },
  { flag: '--init', value: 'he-normal', field: 'init', expected: 'he-normal' },
  { flag: '--bias-init', value: 'constant:0.1', field: 'bias_init', expected: 'constant:0.1' },
  { flag: '--dropout', value: '0.5,0.25', field: 'dropout', expected: [0.5, 0.25] },
  { flag: '--val-split', value: '0.25', field: 'val_split', expected: 0.25 },
  { flag: '--test-split', value: '0.1', field: 'test_split', expected: 0.1 },
  { flag: '--standardize', field: 'standardize', expected: true },
  { flag: '--augment', value: 'shift=1,noise=0.05', field: 'augment', expected: 'shift=1,noise=0.05' },
  { flag: '--early-stopping', value: '4:0.01', field: 'early_stopping', expected: '4:0.01' },
  { flag: '--overfit-batch', value: '8', field: 'overfit_batch', expected: 8 },
  { flag: '--freeze', value: '0', field: 'freeze', expected: '0' },
  { flag: '--seed', value: '42', field: 'seed', expected: 42 },
  { flag: '--backend', value: 'cpu', field: 'backend', expected: 'cpu' },
  { flag: '--name', value: 'my-run', field: 'name', expected: 'my-run' },
  { flag: '--experiment', value: 'ablation', field: 'experiment', expected: 'ablation' },
];

/**
 * Flags that are not training options, and those with a test of their own: `--from-run` excludes `--hidden`,
 * `--nesterov` needs sgd (the list above sets another optimizer), and `--model` excludes `--layers`.
 */
const NOT_CONFIG = ['--db', '--json', '--from-run', '--nesterov', '--model'];

describe('runboard train flags', () => {
  it('every flag sets its own field of the configuration', () => {
    const argv = FLAGS.flatMap(({ flag, value }) => (value === undefined ? [flag] : [flag, value]));
    const config = parseTrainFlags(trainFlags(argv)) as unknown as Record<string, unknown>;
    const defaults = trainConfigSchema.parse({ dataset: 'iris' }) as unknown as Record<string, unknown>;
    for (const { flag, field, expected } of FLAGS) {
      expect(defaults[field], `${flag}: the test value differs from the default`).not.toEqual(expected);
      expect(config[field], `${flag} sets ${field}`).toEqual(expected);
    }
  });

  it('--from-run sets from_run (the parent is checked when the run starts)', () => {
    const config = parseTrainFlags(trainFlags(['--dataset', 'iris', '--from-run', '12', '--freeze', 'all-but-last']));
    expect(config).toMatchObject({ from_run: 12, freeze: 'all-but-last' });
  });

  it('--nesterov sets nesterov', () => {
    expect(parseTrainFlags(trainFlags(['--dataset', 'iris', '--nesterov'])).nesterov).toBe(true);
    expect(parseTrainFlags(trainFlags(['--dataset', 'iris'])).nesterov).toBe(false);
  });

  it('--model sets model (a named model, instead of a layer list)', () => {
    expect(parseTrainFlags(trainFlags(['--dataset', 'digits', '--model', 'lenet5'])).model).toBe('lenet5');
    expect(parseTrainFlags(trainFlags(['--dataset', 'digits'])).model).toBeUndefined();
  });

  it('one --dropout rate stays one number for every layer', () => {
    expect(parseTrainFlags(trainFlags(['--dataset', 'iris', '--dropout', '0.3'])).dropout).toBe(0.3);
  });

  it('the list above covers every option the command declares', () => {
    const program = buildProgram({ stdout: silent, stderr: silent, env: {} }, { code: 0 });
    const declared = (program.commands.find((command) => command.name() === 'train') as Command).options.map((option) => option.long);
    expect(declared.filter((flag) => !NOT_CONFIG.includes(flag as string)).sort()).toEqual(FLAGS.map((f) => f.flag).sort());
  });
});
