import type { BackendChoice, BackendName } from '../../src-shared/entities/train-config';
import { AUTO_ORDER } from './backend-diagnosis';

/**
 * Loads one backend and makes it current, returning the run's device text, or throws saying why it cannot.
 * `mode` is `auto` when `--backend auto` is trying it (a WebGPU software adapter is then refused), `named` when the
 * user asked for it.
 */
export type BackendActivator = (backend: BackendName, mode: 'auto' | 'named') => Promise<string>;

/** The backend a choice settled on, its device, and why faster ones were passed over (for `auto`). */
export interface BackendDecision {
  backend: BackendName;
  device: string;
  skipped: { backend: BackendName; reason: string }[];
}

/** The candidates `auto` tries, fastest first: CUDA only where an NVIDIA driver shows a device. */
export function autoCandidates(nvidiaDevice: boolean): BackendName[] {
  return AUTO_ORDER.filter((backend) => backend !== 'tensorflow-cuda' || nvidiaDevice);
}

/**
 * The one place a backend is decided: a named backend is that backend or an error saying why; `auto` takes the first
 * of CUDA through tfjs-node-gpu, a hardware WebGPU adapter, tfjs-node on the CPU, wasm and the pure-JS `cpu` that
 * loads, and records why it passed over the others. Throws with every reason when none loads.
 */
export async function chooseBackend(choice: BackendChoice, activate: BackendActivator, nvidiaDevice: boolean): Promise<BackendDecision> {
  const candidates = choice === 'auto' ? autoCandidates(nvidiaDevice) : [choice];
  const skipped: BackendDecision['skipped'] = [];
  for (const backend of candidates) {
    try {
      const device = await activate(backend, choice === 'auto' ? 'auto' : 'named');
      return { backend, device, skipped };
    } catch (error) {
      skipped.push({ backend, reason: (error as Error).message });
    }
  }
  const reasons = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  throw new Error(`No usable backend for "${choice}": ${reasons}`);
}
