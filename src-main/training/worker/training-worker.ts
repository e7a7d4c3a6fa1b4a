/**
 * Entry point of a training process, forked by the host (child_process under Node, utilityProcess under Electron).
 * It trains one run at a time: then it exits, or, when the host asked to reuse it (a sweep's trials) and the run
 * ended cleanly with every tensor freed, it waits for the next run. It never touches the database: it sends epochs
 * and progress to the host, which is the only writer. A crash, an out-of-memory or a leak here cannot take the host
 * down. At a rung epoch of a successive-halving trial (`TrainJob.rungEpochs`) it waits for the host's decision
 * before the next epoch, so a pruned trial has exactly its rung's epochs.
 */
import { loadBackend, releaseBackends, type LoadedBackend } from './backends';
import { listAdapters } from './webgpu-backend';
import { prepareRun, seedMathRandom } from './run-training';
import type { HostToWorker, ProbedMessage, RungDecision, WorkerToHost } from '../worker-protocol';
import { HostChannel, type ChildProcessLike } from './host-channel';

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
let stopRequested = false;
/** The run being trained (or the probe, as 0), or null between runs of a reused worker. */
let current: number | null = null;
/** The rung epoch the current run waits at for the host's decision, and how to let it go on; null when not waiting. */
let waiting: { runId: number; epoch: number; answer(decision: RungDecision): void } | null = null;

const channel = new HostChannel(process as unknown as ChildProcessLike, parentPort);

function post(message: WorkerToHost): void {
  channel.post(message);
}

/** Ends the process once its last messages are on their way to the host. */
function finish(code = 0): void {
  // Dawn's device goes with the process anyway; destroying it first frees the GPU's memory at once.
  releaseBackends();
  channel.exit(code);
}

const PROGRESS_INTERVAL_MS = 200;

/**
 * Waits at a rung epoch until the host decides (`decision`), a stop comes, or the host goes away. Only a `continue`
 * lets the run go on: anything else stops it before the next epoch.
 */
function awaitDecision(runId: number, epoch: number): Promise<void> {
  if (stopRequested) return Promise.resolve();
  return new Promise((resolve) => {
    waiting = {
      runId,
      epoch,
      answer: (decision) => {
        waiting = null;
        if (decision === 'prune') stopRequested = true;
        resolve();
      },
    };
  });
}

async function runTraining(message: Extract<HostToWorker, { type: 'start' }>): Promise<void> {
  const { job } = message;
  let tensorsBefore: number | null = null;
  let tensorsNow: () => number = () => Number.NaN;
  let loaded: LoadedBackend | null = null;
  try {
    seedMathRandom(job.config.seed);
    loaded = await loadBackend(job.config.backend);
    const { tf, backend, device } = loaded;
    tensorsNow = () => tf.memory().numTensors;
    tensorsBefore = tensorsNow();
    const run = prepareRun(tf, job);
    const startedAt = Date.now();
    post({ type: 'started', backend, device, time: startedAt, trainSize: run.trainSize, valSize: run.valSize, testSize: run.testSize });
    let lastProgress = 0;
    let batchesDone = 0;
    const { status, outcome } = await run.train({
      shouldStop: () => stopRequested,
      checkDevice: loaded.checkDevice,
      onEpoch: (epoch, metrics) => {
        const awaitsDecision = job.rungEpochs?.includes(epoch) ?? false;
        post({ type: 'epoch', epoch, time: Date.now(), metrics, awaitsDecision });
        return awaitsDecision ? awaitDecision(message.runId, epoch) : undefined;
      },
      onMetrics: (step, metrics) => post({ type: 'metrics', step, time: Date.now(), metrics }),
      onArtifact: (name, data) => post({ type: 'artifact', name, data }),
      onProgress: (p) => {
        batchesDone++;
        const now = Date.now();
        if (now - lastProgress < PROGRESS_INTERVAL_MS && p.batch !== p.batches) return;
        lastProgress = now;
        const remaining = (p.epochs - p.epoch) * p.batches + (p.batches - p.batch);
        const etaMs = batchesDone > 0 ? Math.round(((now - startedAt) / batchesDone) * remaining) : null;
        post({ type: 'progress', epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batches, loss: p.loss, etaMs });
      },
    });
    const error = status === 'diverged' ? 'The loss became NaN or infinite; training stopped. Try a smaller learning rate.' : null;
    // Kept for another run only when asked, and when this one left no tensor behind (a leak would grow per trial).
    const reusable = message.reuse && tensorsBefore === tensorsNow();
    post({ type: 'ended', status, time: Date.now(), error, outcome, reusable });
    if (reusable) {
      current = null;
      stopRequested = false;
    } else finish(0);
  } catch (error) {
    const thrown = (error as Error).message || String(error);
    post({ type: 'ended', status: 'failed', time: Date.now(), error: loaded ? loaded.explainFailure(thrown) : thrown, outcome: null, reusable: false });
    finish(1);
  }
}

async function probe(message: Extract<HostToWorker, { type: 'probe' }>): Promise<void> {
  let adapters: ProbedMessage['adapters'] = null;
  if (message.listAdapters) {
    try {
      adapters = await listAdapters();
    } catch (error) {
      adapters = { adapters: [], noHardware: (error as Error).message };
    }
  }
  try {
    const { backend, device, skipped } = await loadBackend(message.backend);
    post({ type: 'probed', backend: message.backend, chosen: backend, ok: true, device, error: null, skipped, adapters });
  } catch (error) {
    post({ type: 'probed', backend: message.backend, chosen: null, ok: false, device: null, error: (error as Error).message, skipped: [], adapters });
  }
  finish(0);
}

/** Stops the current run at its next batch, or where it waits at a rung. */
function stopCurrent(): void {
  stopRequested = true;
  waiting?.answer('prune');
}

function handle(message: HostToWorker): void {
  if (message.type === 'stop') {
    // A stop for a run that already ended (it crossed the run's last message) concerns nobody.
    if (current === message.runId) stopCurrent();
    return;
  }
  if (message.type === 'decision') {
    // A decision that crossed a stop (the run is no longer waiting there) concerns nobody.
    if (waiting && waiting.runId === message.runId && waiting.epoch === message.epoch) waiting.answer(message.decision);
    return;
  }
  if (current !== null) return;
  if (message.type === 'start') {
    current = message.runId;
    void runTraining(message);
  } else {
    current = 0;
    void probe(message);
  }
}

if (parentPort) {
  parentPort.on('message', (event) => handle(event.data as HostToWorker));
} else {
  process.on('message', (message) => handle(message as HostToWorker));
  // The host went away (it crashed or was killed): stop at the next batch (or where it waits at a rung) and exit.
  process.on('disconnect', () => {
    stopCurrent();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
// A terminal's Ctrl+C reaches the whole process group, this worker included. The host decides what it means (it
// stops its runs, which end `stopped` after their batch with their epochs committed, or it quits, which closes this
// channel): dying here at once would race the host's own handling and leave it writing to a closed channel.
process.on('SIGINT', () => {});
// However the process ends (a host that went away included), Dawn's device is destroyed first.
process.on('exit', () => releaseBackends());
process.on('uncaughtException', (error) => {
  post({ type: 'ended', status: 'failed', time: Date.now(), error: error.message, outcome: null, reusable: false });
  finish(1);
});
