import type { BackendChoice } from '../../../src-shared/entities/train-config';
import { workerEntry } from '../../paths';
import type { ProbedMessage } from '../worker-protocol';
import type { WorkerLauncher } from './worker-launcher';

/** What a probe found (see `ProbedMessage`). */
export type ProbeResult = Omit<ProbedMessage, 'type'>;

/**
 * Loads a backend (or lets `auto` choose, as a run would) in a throwaway training process (a native library that
 * crashes takes only that process down) and reports whether it works and on which device; with `listAdapters`,
 * also the WebGPU adapters Dawn offers.
 */
export function probeBackend(backend: BackendChoice, launcher: WorkerLauncher, options: { listAdapters?: boolean; entry?: string; timeoutMs?: number } = {}): Promise<ProbeResult> {
  const { listAdapters = false, entry = workerEntry(), timeoutMs = 60_000 } = options;
  const failed = (error: string): ProbeResult => ({ backend, chosen: null, ok: false, device: null, error, skipped: [], adapters: null });
  return new Promise((resolve) => {
    const worker = launcher.launch(entry);
    let settled = false;
    const settle = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.kill();
      resolve(result);
    };
    const timer = setTimeout(() => settle(failed(`did not load within ${timeoutMs / 1000} s`)), timeoutMs);
    worker.onMessage((message) => {
      if (message.type !== 'probed') return;
      const { type: _type, ...result } = message;
      settle(result);
    });
    worker.onExit((exit) => settle(failed(`the probe process ended (${exit.signal ?? `code ${exit.code}`}) while loading the backend`)));
    worker.send({ type: 'probe', backend, listAdapters });
  });
}
