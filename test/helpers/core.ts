import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll } from 'vitest';
import { openCore, type Core, type CoreOptions } from '../../src-main/core';
import { workerEntry } from '../../src-main/paths';
import type { AnyEvent } from '../../src-shared/api/events';
import { useTempDir } from './temp';

/** Fails early, with the fix, when the worker has not been built (`npm test` builds it first). */
export function requireBuiltWorker(): void {
  beforeAll(() => {
    if (!existsSync(workerEntry())) throw new Error(`${workerEntry()} is missing: run \`npx electron-vite build\` (npm test does it first).`);
  });
}

/**
 * A core on a fresh database per test, disposed after it; records every event. Dataset downloads go to a closed local
 * port (nothing a test does reaches the internet), unless the test names a mirror.
 */
export function useCore(): (options?: Pick<CoreOptions, 'datasetsMirror'>) => Promise<{ core: Core; events: AnyEvent[] }> {
  const tempDir = useTempDir();
  const cores: Core[] = [];
  afterEach(async () => {
    for (const core of cores.splice(0)) await core.dispose();
  });
  return async (options = {}) => {
    const core = await openCore({ db: { path: join(tempDir(), 'test.db'), explicit: true }, host: 'cli', datasetsMirror: 'http://127.0.0.1:1/', ...options });
    cores.push(core);
    const events: AnyEvent[] = [];
    core.api.subscribe((event) => events.push(event));
    return { core, events };
  };
}

/** A tiny, fast configuration. */
export const tinyRun = { dataset: 'iris', hidden: [8], epochs: 3, batch_size: 16, lr: 0.05, backend: 'wasm', seed: 1 } as const;
