/**
 * The run table every export writes (`export/run-table.ts`): which columns a set of runs has, in which order, and
 * which value each column reads. Every field of the run below differs from the others, so a column that read a
 * neighbour's field (device for backend, sweep for parent...) would give another value.
 */
import { describe, expect, it } from 'vitest';
import { availableColumns, tableColumns, tableRow } from '../../src-main/export';
import type { RunSummary } from '../../src-shared/entities/run';

function run(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    run_id: 7,
    name: 'charlie',
    experiment: 'vision',
    status: 'finished',
    kind: 'sanity',
    backend: 'wasm',
    device: 'CPU (WebAssembly SIMD, 1 thread)',
    parent_run_id: 3,
    sweep_id: 5,
    trial: 2,
    attempt: 1,
    seed: 42,
    created_at: Date.UTC(2026, 10, 27, 9, 30),
    started_at: Date.UTC(2026, 10, 28, 12, 0),
    ended_at: Date.UTC(2026, 10, 28, 12, 1, 30),
    duration_s: 90.12345,
    error: null,
    params: { lr: 0.01, optimizer: 'adam' },
    metrics: { val_loss: 0.25, val_accuracy: 0.75, train_accuracy: 0.9 },
    best: { val_loss: 0.2, val_accuracy: 0.8, train_accuracy: 0.95 },
    epochs: 11,
    progress: null,
    outcome: null,
    tags: { stage: 'paper', reviewed: '' },
    notes: 'rerun of bravo',
    archived: true,
    deleted: false,
    source: null,
    ...overrides,
  };
}

describe('tableRow: each column reads its own field', () => {
  it('reads every attribute column from its own field', () => {
    const columns = ['run_id', 'name', 'experiment', 'status', 'backend', 'device', 'kind', 'trial', 'sweep_id', 'parent_run_id', 'seed', 'epochs', 'notes', 'archived'];
    expect(Object.fromEntries(columns.map((column, i) => [column, tableRow(run(), columns)[i]]))).toEqual({
      run_id: 7,
      name: 'charlie',
      experiment: 'vision',
      status: 'finished',
      backend: 'wasm',
      device: 'CPU (WebAssembly SIMD, 1 thread)',
      kind: 'sanity',
      trial: 2,
      sweep_id: 5,
      parent_run_id: 3,
      seed: 42,
      epochs: 11,
      notes: 'rerun of bravo',
      archived: true,
    });
  });

  it('writes times as ISO 8601 in UTC, the duration to the millisecond, the gap and the tags as the table shows them', () => {
    expect(tableRow(run(), ['created_at', 'started_at', 'duration_s', 'gap', 'tags'])).toEqual([
      '2026-11-27T09:30:00.000Z',
      '2026-11-28T12:00:00.000Z',
      90.123,
      0.9 - 0.75,
      'reviewed, stage=paper',
    ]);
  });

  it('leaves a run that never started without a start time or a duration', () => {
    expect(tableRow(run({ started_at: null, duration_s: null }), ['started_at', 'duration_s'])).toEqual([null, null]);
  });

  it('reads params.*, metrics.* (final), best.* and tags.* from their own group', () => {
    const columns = ['params.lr', 'params.optimizer', 'metrics.val_loss', 'best.val_loss', 'metrics.val_accuracy', 'best.val_accuracy', 'tags.stage', 'tags.reviewed'];
    expect(tableRow(run(), columns)).toEqual([0.01, 'adam', 0.25, 0.2, 0.75, 0.8, 'paper', '']);
  });

  it('gives null for a param, metric or tag the run does not have', () => {
    expect(tableRow(run(), ['params.dropout', 'metrics.test_loss', 'best.test_loss', 'tags.owner'])).toEqual([null, null, null, null]);
  });
});

describe('tableColumns and availableColumns: which columns, in which order', () => {
  it('puts the known params and metrics first in their usual order, then the others alphabetically', () => {
    const runs = [
      run({ params: { zeta: 1, optimizer: 'sgd', alpha: 2, lr: 0.1 }, metrics: { z_score: 1, val_loss: 0.2, a_metric: 3, train_loss: 0.3 }, best: {} }),
      run({ params: { mid: 3, dataset: 'iris' }, metrics: { lr: 0.1 }, best: { m_metric: 1 } }),
    ];
    expect(tableColumns(runs)).toEqual([
      'run_id', 'name', 'experiment', 'status', 'backend', 'started_at', 'duration_s',
      'params.dataset', 'params.optimizer', 'params.lr', 'params.alpha', 'params.mid', 'params.zeta',
      'metrics.train_loss', 'metrics.val_loss', 'metrics.lr', 'metrics.a_metric', 'metrics.m_metric', 'metrics.z_score',
      'best.train_loss', 'best.val_loss', 'best.a_metric', 'best.m_metric', 'best.z_score',
    ]);
  });

  it('places extra columns after the base ones', () => {
    expect(tableColumns([run({ params: {}, metrics: {}, best: {} })], ['trial'])).toEqual(['run_id', 'name', 'experiment', 'status', 'backend', 'started_at', 'duration_s', 'trial']);
  });

  it('offers every extra column and one tags.* column per tag key any run has, sorted', () => {
    const runs = [run({ params: {}, metrics: {}, best: {}, tags: { stage: 'a', owner: 'b' } }), run({ params: {}, metrics: {}, best: {}, tags: { batch: 'c', stage: 'd' } })];
    const columns = availableColumns(runs);
    expect(columns.filter((c) => c.startsWith('tags.'))).toEqual(['tags.batch', 'tags.owner', 'tags.stage']);
    expect(columns).toEqual(expect.arrayContaining(['trial', 'sweep_id', 'parent_run_id', 'seed', 'epochs', 'device', 'kind', 'gap', 'created_at', 'tags', 'notes', 'archived']));
    expect(new Set(columns).size).toBe(columns.length);
  });
});
