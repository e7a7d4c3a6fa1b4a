import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { openCore } from '../src-main/core';
import { checkSplit } from '../src-main/training/data';
import { trainConfigSchema } from '../src-shared/entities/train-config';
import { median, round, sideBySide } from './stats';

const run = promisify(execFile);
const SETUP = { dataset: 'digits', epochs: 5, batch_size: 32, hidden: [256, 256], dropout: 0.2, backend: 'wasm' as const };

/**
 * training_overhead_ratio: a Runboard run's training samples per second (worker process, host, database writes,
 * events; timed from the worker's start to the run's end) divided by bare `model.fit` in its own process on the
 * same backend, model and data (with the same per-epoch validation).
 */
export async function benchTrainingOverhead(rounds: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'runboard-bench-'));
  const core = await openCore({ db: { path: join(dir, 'train.db'), explicit: true }, host: 'cli' });
  const trainSize = checkSplit(core.datasets.labels('digits'), 10, 0.2).train;
  const viaRunboard = async () => {
    const started = await core.trainer.start(trainConfigSchema.parse({ ...SETUP, lr: 0.01, momentum: 0.9, seed: 1 }));
    const status = await core.trainer.wait(started.run_id);
    const stored = await core.store.getRun(started.run_id);
    if (status !== 'finished' || !stored?.started_at || !stored.ended_at) throw new Error(`benchmark run ended ${status}: ${stored?.error}`);
    return (trainSize * SETUP.epochs) / ((stored.ended_at - stored.started_at) / 1000);
  };
  const bare = async () => {
    const script = fileURLToPath(new URL('./bare-fit.js', import.meta.url));
    const { stdout } = await run(process.execPath, [script, SETUP.dataset, String(SETUP.epochs), String(SETUP.batch_size), SETUP.hidden.join(','), String(SETUP.dropout), SETUP.backend]);
    return (JSON.parse(stdout.trim().split('\n').at(-1) as string) as { samples_per_s: number }).samples_per_s;
  };
  const result = await sideBySide(rounds, viaRunboard, bare);
  await core.dispose();
  rmSync(dir, { recursive: true, force: true });
  const ours = median(result.a);
  const anchor = median(result.b);
  return { training_overhead_ratio: round(ours / anchor), training_runboard_samples_per_s: Math.round(ours), training_bare_fit_samples_per_s: Math.round(anchor) };
}
