import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { paramApplies, flattenParams, trainConfigSchema, PARAM_KEYS } from '../../src-shared/entities/train-config';
import { paramRows } from '../../src-shared/param-diff';
import { toTrainConfig, defaultFormValues, optimizerUsesMomentum } from '../../src-renderer/lib/new-run-fields';
import { fixedOptions } from '../../src-renderer/lib/sweep-request';
import { requireBuiltWorker, tinyRun, useCore } from '../helpers/core';

/**
 * A run records only the params that shaped it (issue: an Adam run recorded and compared `momentum 0.9`, which Adam
 * ignores; a fine-tuned run listed `init glorot-uniform` although its weights came from its parent).
 */

requireBuiltWorker();
const newCore = useCore();
const config = (overrides: Record<string, unknown> = {}) => trainConfigSchema.parse({ ...tinyRun, epochs: 1, ...overrides });
const resolved = (overrides: Record<string, unknown> = {}) => ({ ...config(overrides), seed: 1 });

describe('params that do nothing are not recorded', () => {
  it('records momentum only for SGD and RMSprop, and nesterov only for SGD with momentum', () => {
    expect(flattenParams(resolved({ optimizer: 'adam' }))).not.toHaveProperty('momentum');
    expect(flattenParams(resolved({ optimizer: 'adam' }))).not.toHaveProperty('nesterov');
    expect(flattenParams(resolved({ optimizer: 'adamw', momentum: 0.5 }))).not.toHaveProperty('momentum');
    expect(flattenParams(resolved({ optimizer: 'rmsprop', momentum: 0.5 }))).toMatchObject({ momentum: 0.5 });
    expect(flattenParams(resolved({ optimizer: 'rmsprop' }))).not.toHaveProperty('nesterov');
    expect(flattenParams(resolved({ optimizer: 'sgd', momentum: 0.9, nesterov: true }))).toMatchObject({ momentum: 0.9, nesterov: true });
    const plain = flattenParams(resolved({ optimizer: 'sgd', momentum: 0 }));
    expect(plain).toMatchObject({ momentum: 0 });
    expect(plain).not.toHaveProperty('nesterov');
    // Everything else is recorded whatever the optimiser.
    for (const key of ['lr', 'weight_decay', 'lr_schedule', 'augment', 'init', 'bias_init', 'freeze'] as const) {
      expect(paramApplies(key, config({ optimizer: 'adam' })), key).toBe(true);
    }
  });

  it('records no initialiser for a fine-tuned run, unless its output layer is replaced (and so initialised)', () => {
    const tuned = resolved({ from_run: 7, freeze: 'all-but-last' });
    expect(flattenParams(tuned)).toMatchObject({ from_run: 7, freeze: 'all-but-last' });
    expect(flattenParams(tuned)).not.toHaveProperty('init');
    expect(flattenParams(tuned, { replaceOutput: false })).not.toHaveProperty('bias_init');
    expect(flattenParams(tuned, { replaceOutput: true })).toMatchObject({ init: 'glorot-uniform', bias_init: 'zeros' });
    // The layer list is added by the host from the built model; a model name only when one was chosen.
    expect(Object.keys(flattenParams(resolved())).sort()).toEqual(PARAM_KEYS.filter((k) => k !== 'overfit_batch' && k !== 'from_run' && k !== 'model' && k !== 'layers').sort());
  });

  it('the New run form sends no momentum to Adam and AdamW', () => {
    const values = { ...defaultFormValues(), dataset: 'iris', momentum: '0.95' };
    expect(toTrainConfig({ ...values, optimizer: 'adam' })).not.toHaveProperty('momentum');
    expect(toTrainConfig({ ...values, optimizer: 'adamw' })).not.toHaveProperty('momentum');
    expect(toTrainConfig({ ...values, optimizer: 'rmsprop' })).toMatchObject({ momentum: 0.95 });
    expect(toTrainConfig({ ...values, optimizer: 'sgd' })).toMatchObject({ momentum: 0.95 });
    expect(['sgd', 'adam', 'adamw', 'rmsprop', 'nonsense'].map(optimizerUsesMomentum)).toEqual([true, false, false, true, false]);
  });

  it("a sweep's fixed options keep the momentum when the optimizer is searched (a trial may use SGD), not when it is Adam", () => {
    const values = { ...defaultFormValues(), dataset: 'iris', optimizer: 'adam', momentum: '0.95' };
    expect(fixedOptions(values, new Map())).not.toHaveProperty('momentum');
    expect(fixedOptions(values, new Map([['optimizer', 'choice(sgd,adam)']]))).toMatchObject({ momentum: 0.95 });
  });
});

describe('recorded params of real runs, in the store, Compare and the export', () => {
  it('an Adam run has no momentum in its record, its comparison with SGD, or its export row', async () => {
    const { core } = await newCore();
    const sgd = await core.trainer.start(config({ optimizer: 'sgd', name: 'sgd' }));
    const adam = await core.trainer.start(config({ optimizer: 'adam', lr: 0.01, name: 'adam' }));
    expect(await core.trainer.wait(sgd.run_id)).toBe('finished');
    expect(await core.trainer.wait(adam.run_id)).toBe('finished');
    const runs = await core.store.listRuns();
    const stored = (id: number) => runs.find((r) => r.run_id === id)!;
    expect(stored(adam.run_id).params).not.toHaveProperty('momentum');
    expect(stored(adam.run_id).params).not.toHaveProperty('nesterov');
    expect(stored(sgd.run_id).params).toMatchObject({ momentum: 0.9, nesterov: false });

    const rows = paramRows([stored(sgd.run_id), stored(adam.run_id)]);
    expect(rows.find((r) => r.key === 'momentum')?.values).toEqual([0.9, undefined]);

    const file = await core.api.call('runs/export', { format: 'csv', run_ids: [sgd.run_id, adam.run_id], sort: { column: 'run_id', direction: 'asc' } });
    if (!file.ok) throw new Error(file.error.message);
    const exported = parse(file.value.content, { columns: true }) as Record<string, string>[];
    expect(exported.map((r) => [r.name, r['params.momentum'], r['params.nesterov']])).toEqual([
      ['sgd', '0.9', 'false'],
      ['adam', '', ''],
    ]);
  });

  it('a fine-tuned run records its parent and frozen layers and no initialiser; replacing the output layer records it', async () => {
    const { core } = await newCore();
    const parent = await core.trainer.start(config({ hidden: [8, 4] }));
    expect(await core.trainer.wait(parent.run_id)).toBe('finished');
    const tuned = await core.trainer.start(config({ from_run: parent.run_id, freeze: 'all-but-last', lr: 0.005 }));
    expect(tuned.params).toMatchObject({ from_run: parent.run_id, freeze: 'all-but-last', hidden: '8,4' });
    expect(tuned.params).not.toHaveProperty('init');
    expect(tuned.params).not.toHaveProperty('bias_init');
    expect(await core.trainer.wait(tuned.run_id)).toBe('finished');

    // Two of iris's classes, four features as before: the parent's three-class output layer is replaced.
    const csv = ['a,b,c,d,label', ...Array.from({ length: 40 }, (_, i) => `${(i % 7) / 7},${(i % 5) / 5},${i % 2},${(i % 3) / 3},${i % 2 === 0 ? 'x' : 'y'}`)].join('\n');
    const imported = await core.api.call('datasets/import', { name: 'two_classes', csv });
    if (!imported.ok) throw new Error(imported.error.message);
    const replaced = await core.trainer.start(config({ dataset: 'two_classes', from_run: parent.run_id, freeze: '0' }));
    expect(replaced.params).toMatchObject({ from_run: parent.run_id, init: 'glorot-uniform', bias_init: 'zeros' });
    expect(await core.trainer.wait(replaced.run_id)).toBe('finished');
    expect((await core.store.getRun(replaced.run_id))?.outcome?.output_layer_replaced).toBe(true);
  });

  it('runs recorded before keep every param they stored, and still export them', async () => {
    const { core } = await newCore();
    const old = await core.store.createRun({ experiment: 'default', name: 'old-adam', config: {}, params: { optimizer: 'adam', lr: 0.01, momentum: 0.9, nesterov: false, init: 'glorot-uniform' }, seed: 1, backend: 'wasm' });
    expect((await core.store.getRun(old.run_id))?.params).toMatchObject({ optimizer: 'adam', momentum: 0.9, nesterov: false });
    const file = await core.api.call('runs/export', { format: 'csv' });
    if (!file.ok) throw new Error(file.error.message);
    expect(parse(file.value.content, { columns: true })).toMatchObject([{ name: 'old-adam', 'params.momentum': '0.9' }]);
  });
});
