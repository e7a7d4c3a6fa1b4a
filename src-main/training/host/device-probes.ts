import type { BackendChoice } from '../../../src-shared/entities/train-config';
import { probeBackend, type ProbeResult } from './probe-backend';
import type { WorkerLauncher } from './worker-launcher';

/**
 * Which backend and device a run would get, as the New run form shows it: a probe in a throwaway training process
 * (the host never loads a backend itself), remembered for a while per backend choice, so opening the form again
 * costs nothing, and a driver installed since shows within a minute. Concurrent asks share one probe.
 */
export class DeviceProbes {
  private readonly known = new Map<BackendChoice, { at: number; result: Promise<ProbeResult> }>();

  constructor(
    private readonly launcher: WorkerLauncher,
    private readonly maxAgeMs = 60_000,
    private readonly probe: typeof probeBackend = probeBackend,
    private readonly now: () => number = Date.now,
  ) {}

  /** The backend `choice` settles on (for `auto`, the one it takes and why it passed over the others) and its device. */
  deviceFor(choice: BackendChoice): Promise<ProbeResult> {
    const kept = this.known.get(choice);
    if (kept && this.now() - kept.at < this.maxAgeMs) return kept.result;
    const result = this.probe(choice, this.launcher);
    this.known.set(choice, { at: this.now(), result });
    return result;
  }
}
