/**
 * Transfer learning between tasks, as the course does it, through the CLI: a CNN trained on digits 0-4, then reused on
 * digits 5-9 with its convolutional part frozen (bit-identical afterwards) and a new output layer.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointDirectory } from '../../src-main/paths';
import { readManifest } from '../../src-main/training/checkpoint';
import { assertCliIsBuilt, killAll, makeTempDir, removeTempDirs, runCli } from './helpers';

beforeAll(() => assertCliIsBuilt());
afterAll(() => {
  killAll();
  removeTempDirs();
});

interface RunJson {
  run_id: number;
  status: string;
  parent_run_id: number | null;
  params: Record<string, string | number | boolean | null>;
  outcome: { frozen_layers: number[]; output_layer_replaced: boolean };
}

async function train(db: string, args: string[]): Promise<RunJson> {
  const result = await runCli(['train', '--backend', 'wasm', '--epochs', '2', '--seed', '3', '--json', '--db', db, ...args], { timeoutMs: 180_000 });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as RunJson;
}

/** Every weight of one layer with weights in a run's final checkpoint, as bytes. */
function layerWeights(db: string, runId: number, layer: number): Buffer {
  const dir = checkpointDirectory(dirname(db), runId);
  const manifest = readManifest(join(dir, 'final.json'));
  const all = readFileSync(join(dir, 'final.bin'));
  const entries = manifest.weights[layer]?.tensors ?? [];
  return Buffer.concat(entries.map((t) => all.subarray(t.offset * 4, (t.offset + t.shape.reduce((a, b) => a * b, 1)) * 4)));
}

describe('transfer between tasks', () => {
  it('reuses a CNN trained on digits 0-4 for digits 5-9: conv layers frozen bit-identical, the output layer replaced, the parent recorded', async () => {
    const db = join(makeTempDir(), 'runs.db');
    const parent = await train(db, ['--dataset', 'digits:classes=0-4', '--model', 'cnn', '--lr', '0.05']);
    expect(parent.status).toBe('finished');
    expect(parent.params.layers).toBe('conv2d(32,3,padding=same),relu,maxpool2d(2),conv2d(32,3),relu,maxpool2d(2),flatten,linear(128),relu,dropout(0.3)');
    const child = await train(db, ['--dataset', 'digits:classes=5-9', '--from-run', String(parent.run_id), '--freeze', 'conv', '--lr', '0.005']);
    expect(child.status).toBe('finished');
    expect(child.parent_run_id).toBe(parent.run_id);
    expect(child.params.layers).toBe(parent.params.layers);
    expect(child.params.model, "the parent's named model is recorded, so Compare lines it up with a cnn from scratch").toBe('cnn');
    expect(child.params.dataset).toBe('digits:classes=5-9');
    // Five classes each, but other ones: the output layer is new.
    expect(child.outcome.output_layer_replaced).toBe(true);
    expect(child.outcome.frozen_layers).toEqual([0, 1]);
    for (const conv of [0, 1]) expect(layerWeights(db, child.run_id, conv).equals(layerWeights(db, parent.run_id, conv))).toBe(true);
    expect(layerWeights(db, child.run_id, 2).equals(layerWeights(db, parent.run_id, 2))).toBe(false);
  }, 300_000);

  it.each([
    [['--dataset', 'iris', '--from-run', '1'], '--from-run: run 1 takes inputs of 1×8×8 but iris has 4: the input shapes differ'],
    [['--dataset', 'digits', '--from-run', '1', '--model', 'cnn'], "--model: a fine-tuned run reuses its parent's layers; drop this flag"],
  ])('refuses a transfer that cannot work (%j), before anything is written', async (args, message) => {
    const db = join(makeTempDir(), 'runs.db');
    await train(db, ['--dataset', 'digits', '--hidden', '16']);
    const result = await runCli(['train', '--backend', 'wasm', '--epochs', '1', '--db', db, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    const runs = await runCli(['runs', '--json', '--db', db]);
    expect(JSON.parse(runs.stdout)).toHaveLength(1);
  }, 120_000);

  it.each([
    [['--dataset', 'digits', '--hidden', '16', '--freeze', 'conv'], '--freeze: freeze conv: the model has no convolutional layer'],
    [['--dataset', 'iris', '--model', 'cnn'], '--model: layer 1 (conv2d(32,3,padding=same)) needs an image (channels×height×width) but meets a flat input of 4 features: this dataset is a table, not images (dataset iris)'],
    [['--dataset', 'digits', '--layers', 'conv2d(8,3),flatten,flatten'], '--layers: layer 3 (flatten, column 21) meets a flat input of 288 features, which is already flat (flatten twice?)'],
    [['--dataset', 'digits', '--layers', 'conv2d(8,9)'], 'has a 9×9 kernel but meets an image of 1×8×8'],
    [['--dataset', 'digits', '--layers', 'conv2d(8,3),relu,maxpol2d(2)'], '--layers: column 18: unknown layer "maxpol2d"'],
    [['--dataset', 'iris', '--augment', 'rotate=10'], '--augment: rotate, shift, scale, flip and crop apply to images; iris is a table, so only noise applies'],
    [['--dataset', 'digits', '--model', 'cnn', '--layers', 'linear(8)'], '--layers: give a model (--model) or a layer list (--layers), not both'],
  ])('refuses a model or augmentation that does not fit the data (%j), naming the flag, the layer and the shape', async (args, message) => {
    const db = join(makeTempDir(), 'runs.db');
    const result = await runCli(['train', '--backend', 'wasm', '--epochs', '1', '--db', db, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('runboard train prints its model', () => {
  it('lists each layer with its output shape and parameters, the added output layer and the total, before training', async () => {
    const db = join(makeTempDir(), 'runs.db');
    const result = await runCli(['train', '--backend', 'wasm', '--epochs', '1', '--db', db, '--dataset', 'digits', '--layers', 'conv2d(4,3),relu,flatten,linear(8)']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Model, 1,290 parameters:');
    expect(result.stdout).toMatch(/^conv2d\(4,3\) +4×6×6 +40$/m);
    expect(result.stdout).toMatch(/^flatten +144 +0$/m);
    expect(result.stdout).toMatch(/^linear\(8\) +8 +1,160$/m);
    expect(result.stdout).toMatch(/^linear\(10\) \(output\) +10 +90$/m);
    expect(result.stdout.indexOf('Model,')).toBeLessThan(result.stdout.indexOf('epoch 1:'));
  });
});
