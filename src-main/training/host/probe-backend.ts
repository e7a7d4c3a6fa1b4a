import type { BackendName } from '../../../src-shared/entities/train-config';
import { workerEntry } from '../../paths';
import type { WorkerLauncher } from './worker-launcher';

export interface ProbeResult {
  backend: BackendName;
  ok: boolean;
  device: string | null;
  error: string | null;
}

/**
 * Loads a backend in a throwaway training process (a native library that crashes takes only that process down)
 * and reports whether it works and on which device.
 */
export function probeBackend(backend: BackendName, launcher: WorkerLauncher, entry = workerEntry(), timeoutMs = 60_000): Promise<ProbeResult> {
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
    const timer = setTimeout(() => settle({ backend, ok: false, device: null, error: `did not load within ${timeoutMs / 1000} s` }), timeoutMs);
    worker.onMessage((message) => {
      if (message.type === 'probed') settle({ backend, ok: message.ok, device: message.device, error: message.error });
    });
    worker.onExit((exit) => settle({ backend, ok: false, device: null, error: `the probe process ended (${exit.signal ?? `code ${exit.code}`}) while loading the backend` }));
    worker.send({ type: 'probe', backend });
  });
}
