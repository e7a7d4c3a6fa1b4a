import { describe, expect, it } from 'vitest';
import { checkKey, experimentIdOf, experimentNumber, pageOffset, pageToken, statusFromMlflow, statusToMlflow } from '../../src-main/interop/mlflow/mapping';
import { MLFLOW_STATUSES } from '../../src-main/interop/mlflow/messages';
import { RUN_STATUSES } from '../../src-shared/entities/run';

describe("MLflow's names for Runboard's", () => {
  it('maps statuses both ways, and back again for the ones both have', () => {
    expect(Object.fromEntries(MLFLOW_STATUSES.map((s) => [s, statusFromMlflow(s)]))).toEqual({ RUNNING: 'running', SCHEDULED: 'queued', FINISHED: 'finished', FAILED: 'failed', KILLED: 'stopped' });
    expect(Object.fromEntries(RUN_STATUSES.map((s) => [s, statusToMlflow(s)]))).toEqual({
      queued: 'SCHEDULED',
      running: 'RUNNING',
      finished: 'FINISHED',
      failed: 'FAILED',
      stopped: 'KILLED',
      interrupted: 'FAILED',
      diverged: 'FAILED',
      pruned: 'KILLED',
    });
    for (const status of MLFLOW_STATUSES) expect(statusToMlflow(statusFromMlflow(status))).toBe(status);
  });

  it('makes the default experiment MLflow\'s "0", and refuses ids that name none', () => {
    expect(experimentIdOf(1)).toBe('0');
    expect(experimentIdOf(7)).toBe('7');
    expect(experimentNumber('0')).toBe(1);
    expect(experimentNumber('7')).toBe(7);
    expect(experimentNumber('1')).toBeNull();
    expect(experimentNumber('x')).toBeNull();
    expect(experimentNumber('-3')).toBeNull();
  });

  it("holds MLflow's key rules", () => {
    for (const key of ['loss', 'train/loss', 'val acc', 'a.b-c_d:e', 'précision', '損失']) expect(() => checkKey(key, 'key')).not.toThrow();
    for (const key of ['..', '../x', '/x', 'a//b', 'a/./b', 'x/', 'semi;colon', 'a+b', 'k'.repeat(251)]) expect(() => checkKey(key, 'key'), key).toThrow();
  });

  it('pages with opaque tokens and refuses a forged one', () => {
    expect(pageOffset(pageToken(300))).toBe(300);
    expect(pageOffset(undefined)).toBe(0);
    expect(() => pageOffset(Buffer.from('{"offset":-1}').toString('base64'))).toThrow(/Invalid page token/);
  });
});
