/**
 * Fine-tuning on the parent's dataset reuses the parent's train/validation split (TrainJob.splitSeed), so no sample
 * the parent was validated on ends up in the child's training set. Through the trainer host and a real worker: a
 * child whose learning rate is too small to move any weight still holds its parent's weights after an epoch, so it
 * scores on validation exactly what its parent scored last, if, and only if, it validates on the same rows.
 */
import { describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../../src-shared/entities/train-config';
import { requireBuiltWorker, tinyRun, useCore } from '../helpers/core';

requireBuiltWorker();
const newCore = useCore();
const config = (overrides: Record<string, unknown> = {}) => trainConfigSchema.parse({ ...tinyRun, ...overrides });

describe('fine-tuning', () => {
  it("on the parent's dataset, validates on the parent's validation rows whatever the child's own seed", async () => {
    const { core } = await newCore();
    const parent = await core.trainer.start(config({ hidden: [16], dropout: 0, epochs: 3, seed: 1 }));
    expect(await core.trainer.wait(parent.run_id)).toBe('finished');
    const child = await core.trainer.start(config({ from_run: parent.run_id, dropout: 0, epochs: 1, lr: 1e-30, seed: 99 }));
    expect(await core.trainer.wait(child.run_id)).toBe('finished');
    const [before, after] = [await core.store.getRun(parent.run_id), await core.store.getRun(child.run_id)];
    expect(after?.seed).toBe(99);
    expect(after?.outcome?.val_size).toBe(before?.outcome?.val_size);
    expect(after?.metrics.val_loss).toBe(before?.metrics.val_loss);
    expect(after?.metrics.val_accuracy).toBe(before?.metrics.val_accuracy);
  });
});
