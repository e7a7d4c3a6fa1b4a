import { describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/api-service';
import { EventBus } from '../../src-main/api/event-bus';
import type { Handlers } from '../../src-main/api/handlers';
import { contract, METHODS, type Method } from '../../src-shared/api/contract';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBuiltWorker, tinyRun, useCore } from '../helpers/core';
import { useTempDir } from '../helpers/temp';
import { png, writeImageFolder } from '../datasets/image-files';
import { eventFile } from '../interop/tfevents';

requireBuiltWorker();
const newCore = useCore();
const tempDir = useTempDir();

/** Calls a method and checks its output against the contract's output schema. */
async function callValid<M extends Method>(api: { call: ApiService['call'] }, method: M, input: unknown) {
  const result = await api.call(method, input);
  if (!result.ok) throw new Error(`${method} failed: ${result.error.message}`);
  const parsed = contract[method].output.safeParse(result.value);
  if (!parsed.success) throw new Error(`${method} returned output outside its contract: ${parsed.error.message}`);
  return result.value;
}

describe('API contract, against the real service', () => {
  it('answers every method with output that matches its schema', async () => {
    const { core } = await newCore();
    const covered = new Set<Method>();
    const call = async <M extends Method>(method: M, input: unknown) => {
      covered.add(method);
      return callValid(core.api, method, input);
    };
    const info = await call('system/info', {});
    expect(info.host).toBe('cli');
    expect(info.backends.map((b) => b.name)).toContain('wasm');
    const device = await call('system/device', { backend: 'wasm' });
    expect(device).toMatchObject({ backend: 'wasm', chosen: 'wasm', error: null, passed_over: [] });
    expect(device.device).toMatch(/WebAssembly/);
    expect((await call('datasets/list', {})).map((d) => d.name)).toEqual(['digits', 'iris', 'spirals', 'moons', 'blobs']);
    const imported = await call('datasets/import', { name: 'tiny', csv: 'a,b,label\n1,2,x\n2,1,y\n1,1,x\n2,2,y\n3,1,x\n1,3,y\n', filename: 'tiny.csv' });
    expect(imported).toMatchObject({ name: 'tiny', origin: 'imported', rows: 6, features: 2, classes: ['x', 'y'] });
    expect(await call('datasets/delete', { name: 'tiny' })).toEqual({ deleted: true });
    const folder = writeImageFolder(join(tempDir(), 'shapes'), { dark: { '1.png': png(4, 4, () => [0, 0, 0]) }, light: { '2.png': png(4, 4, () => [255, 255, 255]), 'x.txt': 'note' } });
    const images = await call('datasets/import-images', { name: 'shapes', path: folder });
    expect(images).toMatchObject({ info: { name: 'shapes', kind: 'image', image_shape: [1, 4, 4], classes: ['dark', 'light'] }, skipped: [{ file: join('light', 'x.txt') }] });
    const samples = await call('datasets/samples', { dataset: 'digits:classes=0-1', count: 3, seed: 2 });
    expect(samples).toMatchObject({ image_shape: [1, 8, 8], value_max: 16 });
    expect(samples.samples.map((s) => [s.values.length, ['0', '1'].includes(s.label)])).toEqual([[64, true], [64, true], [64, true]]);
    const fetched = await core.api.call('datasets/fetch', { dataset: 'mnist' });
    expect(fetched.ok ? null : fetched.error.message, 'the test core downloads from a closed port').toMatch(/^Cannot download http:\/\/127\.0\.0\.1:1\/train-images-idx3-ubyte\.gz: /);
    covered.add('datasets/fetch');
    const { run_id } = await call('runs/start', { ...tinyRun, test_split: 0.2 });
    await core.trainer.wait(run_id);
    const evaluation = await call('runs/evaluation', { run_id });
    expect(evaluation.val?.confusion.flat().reduce((a, b) => a + b, 0)).toBe((await core.store.getRun(run_id))?.outcome?.val_size);
    expect(evaluation.test?.split).toBe('test');
    expect((await call('runs/histograms', { run_id }))?.layers).toHaveLength(2);
    const model = await call('runs/model', { run_id });
    expect(model.summary?.layers.map((l) => l.text)).toEqual(['linear(8)', 'relu', 'dropout(0.2)', 'linear(3)']);
    expect(model.filters).toBeNull();
    expect((await call('experiments/list', {}))[0]).toMatchObject({ name: 'default', run_count: 1 });
    expect((await call('runs/list', {}))[0]).toMatchObject({ run_id, status: 'finished', epochs: 3 });
    expect((await call('runs/get', { run_id })).config).toMatchObject({ dataset: 'iris', hidden: [8] });
    const series = await call('runs/metrics', { run_ids: [run_id], max_points: 100 });
    expect(series.map((s) => s.key).sort()).toEqual(['lr', 'test_accuracy', 'test_loss', 'train_accuracy', 'train_loss', 'val_accuracy', 'val_loss']);
    expect(await call('runs/stop', { run_id })).toEqual({ stopping: false });
    const csv = await call('runs/export', { format: 'csv' });
    expect(csv).toMatchObject({ mime_type: 'text/csv', rows: 1, encoding: 'utf8' });
    const report = await call('runs/report', { run_ids: [run_id], note: 'n' });
    expect(report).toMatchObject({ mime_type: 'text/html', runs: 1 });
    expect(report.content).toMatch(/^<!DOCTYPE html>/);
    expect((await call('runs/query', { filter: 'status = "finished"', sort: { column: 'best.val_accuracy', direction: 'desc' }, limit: 10 })).total).toBe(1);
    expect((await call('runs/columns', {})).metrics).toContain('val_accuracy');
    expect(await call('runs/group', { by: 'params.optimizer', metric: 'best.val_accuracy' })).toMatchObject([{ value: 'sgd', count: 1 }]);
    expect(await call('runs/annotate', { run_id, tags: { stage: 'final' }, notes: 'kept' })).toEqual({ run_id });
    expect(await call('runs/archive', { run_ids: [run_id], archived: true })).toEqual({ changed: 1 });
    expect(await call('runs/archive', { run_ids: [run_id], archived: false })).toEqual({ changed: 1 });
    expect(await call('runs/delete', { run_ids: [run_id] })).toEqual({ deleted: [run_id] });
    expect(await call('runs/restore', { run_ids: [run_id] })).toEqual({ restored: 1 });
    // The CLI's core serves no tracking API: it says so, and cannot be switched on.
    expect(await call('tracking/status', {})).toEqual({ available: false, switchable: false, enabled: false, url: null, lines: [], error: null });
    expect(await core.api.call('tracking/enable', { enabled: true })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringMatching(/runboard serve/) } });
    covered.add('tracking/enable');
    const logs = join(tempDir(), 'logs');
    mkdirSync(join(logs, 'mlp'), { recursive: true });
    writeFileSync(join(logs, 'mlp', 'events.out.tfevents.1.host.1.0'), eventFile([{ wallTime: 1, step: 0, values: [{ tag: 'loss', simple: 0.5 }] }]));
    expect(await call('runs/import', { path: logs })).toMatchObject({ kind: 'tensorboard', runs: 1, points: 1, skipped: [], failed: [] });
    const { sweep_id } = await call('sweeps/start', { strategy: 'grid', params: ['lr=[0.1]'], fixed: { dataset: 'iris', hidden: [4], epochs: 1, backend: 'wasm' }, parallel: 1 });
    await core.sweeps.wait(sweep_id);
    expect((await call('sweeps/list', {}))[0]).toMatchObject({ sweep_id, status: 'finished' });
    expect((await call('sweeps/get', { sweep_id })).trials).toHaveLength(1);
    expect(await call('sweeps/stop', { sweep_id })).toEqual({ stopping: false });
    const resumed = await core.api.call('sweeps/resume', { sweep_id });
    expect(resumed.ok ? null : resumed.error.code).toBe('CONFLICT');
    covered.add('sweeps/resume');
    expect(covered).toEqual(new Set(METHODS));
  });

  it('refuses invalid input with BAD_INPUT and names each field, before any handler runs', async () => {
    const { core } = await newCore();
    const result = await core.api.call('runs/start', { dataset: 'iris', lr: -1, batch_size: 0, dropout: 1, hidden: [0], backend: 'quantum' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('BAD_INPUT');
    expect(result.error.fields?.map((f) => f.field).sort()).toEqual(['backend', 'batch_size', 'dropout', 'hidden.0', 'lr']);
    expect(await core.store.listRuns()).toEqual([]);
  });

  it('refuses unknown fields, so a typo is not silently ignored', async () => {
    const { core } = await newCore();
    const result = await core.api.call('runs/start', { dataset: 'iris', learning_rate: 0.1 });
    expect(result.ok ? null : result.error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/learning_rate/) });
  });

  it('requires a point budget on metric reads', async () => {
    const { core } = await newCore();
    const result = await core.api.call('runs/metrics', { run_ids: [1] });
    expect(result.ok ? null : result.error.fields?.[0]?.field).toBe('max_points');
  });

  it('answers NOT_FOUND for a missing run and an unknown method', async () => {
    const { core } = await newCore();
    expect(await core.api.call('runs/get', { run_id: 99 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await core.api.call('runs/delete-everything' as Method, {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('never lets an unexpected error message cross the boundary', async () => {
    const logged: unknown[] = [];
    const handlers = { 'datasets/list': async () => Promise.reject(new Error('secret path /home/me/.ssh')) } as unknown as Handlers;
    const service = new ApiService(handlers, new EventBus(), (_m, e) => logged.push(e));
    const result = await service.call('datasets/list', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(result)).not.toContain('secret');
    expect(logged).toHaveLength(1);
  });

  it('delivers events to every subscriber until it unsubscribes, even when one listener throws', () => {
    const bus = new EventBus(() => undefined);
    const service = new ApiService({} as Handlers, bus);
    const seen: string[] = [];
    service.subscribe(() => {
      throw new Error('bad listener');
    });
    const off = service.subscribe((e) => seen.push(e.event));
    const event = { event: 'run/progressed', payload: { run_id: 1, progress: { epoch: 1, epochs: 2, batch: 1, batches: 3, loss: 1, eta_ms: null } } } as const;
    bus.emit(event);
    off();
    bus.emit(event);
    expect(seen).toEqual(['run/progressed']);
  });
});
