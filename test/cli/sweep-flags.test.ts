/**
 * Every `runboard sweep` flag reaches the sweep it starts: one tiny ASHA sweep through the built CLI with each flag
 * set to a value other than its default, read back with `runboard sweeps --json` (another process, reading the file)
 * and `runs --json`. What the strategies do with these settings is tested in test/search and sweep.test.ts.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliIsBuilt, killAll, listRuns, makeTempDir, removeTempDirs, runCli } from './helpers';

beforeAll(() => assertCliIsBuilt());
afterEach(() => killAll());
afterAll(() => removeTempDirs());

describe('runboard sweep flags', () => {
  it('--strategy, --trials, --min-epochs, --reduction-factor, --parallel, --objective, --seed, --name, --experiment and the fixed training options all reach the sweep', async () => {
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(
      [
        'sweep',
        '--dataset', 'iris', '--hidden', '8', '--batch-size', '24', '--dropout', '0', '--epochs', '4', '--backend', 'wasm',
        '--param', 'lr=loguniform(1e-3,1e-1)',
        '--strategy', 'asha', '--trials', '2', '--min-epochs', '2', '--reduction-factor', '2', '--parallel', '1',
        '--objective', 'val_loss:min', '--seed', '5', '--name', 'flags', '--experiment', 'wiring',
        '--json', '--db', db,
      ],
      { timeoutMs: 120_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    const listed = await runCli(['sweeps', '--json', '--db', db]);
    expect(listed.code, listed.stderr).toBe(0);
    const [sweep, ...others] = JSON.parse(listed.stdout) as Record<string, unknown>[];
    expect(others).toEqual([]);
    expect(sweep).toMatchObject({
      name: 'flags',
      experiment: 'wiring',
      strategy: 'asha',
      space: [{ name: 'lr', distribution: 'loguniform(0.001,0.1)' }],
      fixed: { dataset: 'iris', hidden: [8], batch_size: 24, dropout: 0, epochs: 4, backend: 'wasm' },
      objective: { metric: 'val_loss', direction: 'min' },
      trials_planned: 2,
      seed: 5,
      parallel: 1,
      asha: { min_epochs: 2, max_epochs: 4, reduction_factor: 2 },
    });
    // The sweep's seed is not a training option: each trial has a seed of its own.
    expect(sweep?.fixed).not.toHaveProperty('seed');
    const runs = await listRuns(db);
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run.experiment).toBe('wiring');
      expect(run.params).toMatchObject({ dataset: 'iris', hidden: '8', batch_size: 24, dropout: 0, backend: 'wasm' });
    }
  }, 150_000);
});
