import type { MethodOutput } from '../../../src-shared/api/contract';
import type { WeightHistograms } from '../../../src-shared/entities/evaluation';
import type { ApiClient } from '../api/api-client';
import { ApiCallError, errorMessage } from '../api/api-call-error';

/** The error analysis of a run: its validation split, and its test split when it had one. */
export type RunEvaluations = MethodOutput<'runs/evaluation'>;
/** A run's model as built (layers, shapes, parameters, what is frozen) and its first convolution's filters. */
export type RunModel = MethodOutput<'runs/model'>;

/** Read state of one answer: not asked yet, in flight, answered (possibly with nothing), or failed. */
type Status = 'idle' | 'loading' | 'loaded' | 'failed';

/**
 * What the run page shows after training: the weight histograms and the model with its first filters (initial ones
 * exist from the start, final ones once the run ends) and the error analysis (once it ends). Each is read when asked,
 * and read again when the run ends.
 */
export class RunAnalysis {
  readonly runId: number;
  #client: ApiClient;
  #evaluations = $state.raw<RunEvaluations | null>(null);
  #histograms = $state.raw<WeightHistograms | null>(null);
  #model = $state.raw<RunModel | null>(null);
  #modelStatus = $state<Status>('idle');
  #modelError = $state<string | null>(null);
  #evaluationStatus = $state<Status>('idle');
  #histogramStatus = $state<Status>('idle');
  #evaluationError = $state<string | null>(null);
  #histogramError = $state<string | null>(null);

  constructor(client: ApiClient, runId: number) {
    this.#client = client;
    this.runId = runId;
  }

  get evaluations(): RunEvaluations | null {
    return this.#evaluations;
  }
  get histograms(): WeightHistograms | null {
    return this.#histograms;
  }
  get model(): RunModel | null {
    return this.#model;
  }
  get modelLoading(): boolean {
    return this.#modelStatus === 'loading' || this.#modelStatus === 'idle';
  }
  get modelError(): string | null {
    return this.#modelError;
  }
  get evaluationLoading(): boolean {
    return this.#evaluationStatus === 'loading' || this.#evaluationStatus === 'idle';
  }
  get histogramsLoading(): boolean {
    return this.#histogramStatus === 'loading' || this.#histogramStatus === 'idle';
  }
  get evaluationError(): string | null {
    return this.#evaluationError;
  }
  get histogramError(): string | null {
    return this.#histogramError;
  }

  async loadHistograms(): Promise<void> {
    this.#histogramStatus = 'loading';
    try {
      this.#histograms = await this.#client.call('runs/histograms', { run_id: this.runId });
      this.#histogramError = null;
      this.#histogramStatus = 'loaded';
    } catch (error) {
      if (isNotFound(error)) {
        this.#histograms = null;
        this.#histogramStatus = 'loaded';
      } else {
        this.#histogramError = errorMessage(error);
        this.#histogramStatus = 'failed';
      }
    }
  }

  async loadModel(): Promise<void> {
    this.#modelStatus = 'loading';
    try {
      this.#model = await this.#client.call('runs/model', { run_id: this.runId });
      this.#modelError = null;
      this.#modelStatus = 'loaded';
    } catch (error) {
      if (isNotFound(error)) {
        this.#model = { summary: null, filters: null };
        this.#modelStatus = 'loaded';
      } else {
        this.#modelError = errorMessage(error);
        this.#modelStatus = 'failed';
      }
    }
  }

  async loadEvaluations(): Promise<void> {
    this.#evaluationStatus = 'loading';
    try {
      this.#evaluations = await this.#client.call('runs/evaluation', { run_id: this.runId });
      this.#evaluationError = null;
      this.#evaluationStatus = 'loaded';
    } catch (error) {
      if (isNotFound(error)) {
        this.#evaluations = { val: null, test: null };
        this.#evaluationStatus = 'loaded';
      } else {
        this.#evaluationError = errorMessage(error);
        this.#evaluationStatus = 'failed';
      }
    }
  }
}

/** A run that kept nothing to analyse may be answered with NOT_FOUND: that is "nothing to show", not a failure. */
function isNotFound(error: unknown): boolean {
  return error instanceof ApiCallError && error.code === 'NOT_FOUND';
}
