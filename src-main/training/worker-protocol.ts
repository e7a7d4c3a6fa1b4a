import type { RunOutcome } from '../../src-shared/entities/run';
import type { BackendChoice, BackendName } from '../../src-shared/entities/train-config';
import type { WebGpuAdapter } from './webgpu-adapters';
import type { ResolvedTrainConfig } from '../../src-shared/entities/train-config';
import type { DatasetSource } from '../datasets';

/** Everything a worker needs to train one run; plain data, sent by the host. */
export interface TrainJob {
  config: ResolvedTrainConfig;
  dataset: DatasetSource;
  /** Where the run's weights go (`final`, and `best` with early stopping); null keeps none (tests). */
  checkpointDir: string | null;
  /** Fine-tuning: the parent's checkpoint manifest, and whether its output layer is replaced (other classes). */
  initialWeights: { manifest: string; replaceOutput: boolean } | null;
  /** Layers with weights that do not train (their indices, see `--freeze`), as resolved by the host. */
  frozenLayers: number[];
  /**
   * Seed of the train/validation/test split; the run's seed when absent. Fine-tuning on the parent's dataset uses the
   * parent's, so no sample the parent was validated or tested on ends up in training.
   */
  splitSeed?: number;
  /**
   * The rung epochs of a successive-halving trial: after each, the worker waits for the host's decision (go on, or
   * be pruned there) before it starts the next epoch. Absent or empty: it never waits.
   */
  rungEpochs?: readonly number[];
}

/**
 * Messages from the host to a training worker. A worker trains one run at a time: it exits after it, or with
 * `reuse` waits for the next `start` (the trials of a sweep), when the run ended cleanly with every tensor freed.
 */
export type HostToWorker =
  | { type: 'start'; runId: number; job: TrainJob; reuse: boolean }
  /**
   * Stop run `runId` after the current batch; the partial epoch is discarded. Ignored when that run is not training.
   * A worker waiting at a rung epoch stops there.
   */
  | { type: 'stop'; runId: number }
  /**
   * The answer to an epoch that awaited a decision (`EpochMessage.awaitsDecision`): `continue` starts the next epoch,
   * `prune` ends the run there (it ends `stopped`; the host records it as pruned). Ignored unless run `runId` is
   * waiting at `epoch`.
   */
  | { type: 'decision'; runId: number; epoch: number; decision: RungDecision }
  /**
   * Load a backend (or let `auto` choose one) and report whether it works and on which device, then exit
   * (`runboard doctor`, the New run form). With `listAdapters`, also every WebGPU adapter Dawn offers.
   */
  | { type: 'probe'; backend: BackendChoice; listAdapters: boolean };

/** The WebGPU adapters Dawn offers on this machine, or why there are none. */
export interface AdapterList {
  /** Dawn's preferred adapter first (the one a run takes). */
  adapters: WebGpuAdapter[];
  /** Why Dawn offers no hardware adapter (no Vulkan loader, no driver, a driver too old), or null when it does. */
  noHardware: string | null;
}

/** What a probe found: the backend it settled on (for `auto`, the one `auto` takes) and why others were passed over. */
export interface ProbedMessage {
  type: 'probed';
  /** The backend asked for (`auto` included). */
  backend: BackendChoice;
  /** The backend that loaded, or null when none did. */
  chosen: BackendName | null;
  ok: boolean;
  device: string | null;
  error: string | null;
  /** Backends passed over before `chosen`, and why. */
  skipped: { backend: BackendName; reason: string }[];
  adapters: AdapterList | null;
}

/** What the host answers at a rung epoch of a successive-halving trial. */
export type RungDecision = 'continue' | 'prune';

export interface EpochMessage {
  type: 'epoch';
  /** Epoch counted from 1. */
  epoch: number;
  /**
   * The epoch is one of the job's `rungEpochs`: the worker does not start the next epoch before the host answers
   * with a `decision` for it (or a `stop`), as Optuna's `trial.should_prune()` is synchronous.
   */
  awaitsDecision: boolean;
  /** Wall time the epoch ended, ms since the Unix epoch. */
  time: number;
  /** Metric values; may be NaN or infinite (a diverging loss). */
  metrics: Record<string, number>;
}

/** Messages from a training worker to its host. The host is the only database writer. */
export type WorkerToHost =
  | { type: 'started'; backend: BackendName; device: string; time: number; trainSize: number; valSize: number; testSize: number }
  | EpochMessage
  /** Metrics measured once after training (test set), logged at `step`. */
  | { type: 'metrics'; step: number; time: number; metrics: Record<string, number> }
  | { type: 'artifact'; name: string; data: unknown }
  | { type: 'progress'; epoch: number; epochs: number; batch: number; batches: number; loss: number; etaMs: number | null }
  | ProbedMessage
  /** `reusable`: the worker stays for another run (asked for with `reuse`, and the run freed every tensor it made). */
  | { type: 'ended'; status: 'finished' | 'stopped' | 'diverged' | 'failed'; time: number; error: string | null; outcome: RunOutcome | null; reusable: boolean };
