import { AppError } from '../../../src-shared/api/errors';

/** Epochs a run keeps in memory while its database is unreachable; one more and the run ends `failed`. */
export const MAX_UNWRITTEN_EPOCHS = 1_000;
/** How long a run waits for an unreachable database before it ends `failed`. */
export const MAX_UNREACHABLE_MS = 10 * 60_000;
/** The first wait before a write the database could not take is tried again; each next wait doubles, up to the last. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/** Limits and clock of the waiting, smaller in tests. */
export interface UnreachableLimits {
  maxUnwrittenEpochs?: number;
  maxUnreachableMs?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  now?: () => number;
}

export interface RunWritesHooks {
  /** The database stayed unreachable too long, or too many epochs waited: the run must end `failed` with `reason`. */
  gaveUp(reason: string): void;
  /** A write failed for another reason than an unreachable database (a full disk, a refused value, a bug); `epoch` when it wrote one. */
  failed(error: unknown, epoch?: number): void;
  /** Whether the host is shutting down: then a write stops waiting for the database. */
  closing(): boolean;
}

/** Whether the store failed because its database cannot be reached now (it may be back later), not for what was asked. */
function isUnreachable(error: unknown): boolean {
  return error instanceof AppError && error.code === 'DB_UNREACHABLE';
}

function epochRange(epochs: readonly number[]): string {
  const first = epochs[0];
  const last = epochs[epochs.length - 1];
  if (first === undefined || last === undefined) return 'no epoch was lost';
  return first === last ? `epoch ${first} was not written` : `epochs ${first}..${last} were not written`;
}

function duration(ms: number): string {
  if (ms >= 60_000) {
    const minutes = Math.round(ms / 60_000);
    return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  }
  const seconds = Math.round(ms / 1000);
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/**
 * One run's store writes, in the order its worker sent them. A write the database cannot take because it is
 * unreachable (a restart, a network cut) is tried again with growing waits, and the writes after it wait behind it,
 * so order is kept; the epochs waiting are the run's buffer. When more than `maxUnwrittenEpochs` wait, or the database
 * stays unreachable for `maxUnreachableMs`, the run gives up (`hooks.gaveUp`, naming the epochs not written): its
 * waiting epochs are dropped, never silently, and the writes after that (the run's end) still wait for the database.
 */
export class RunWrites {
  #chain: Promise<void> = Promise.resolve();
  /** Epochs queued and not yet committed, in order. */
  #unwritten: number[] = [];
  #unreachableSince: number | null = null;
  #lastError = '';
  #abandoned = false;
  #wake: (() => void) | null = null;
  readonly #limits: Required<UnreachableLimits>;

  constructor(
    private readonly hooks: RunWritesHooks,
    limits: UnreachableLimits = {},
  ) {
    this.#limits = {
      maxUnwrittenEpochs: limits.maxUnwrittenEpochs ?? MAX_UNWRITTEN_EPOCHS,
      maxUnreachableMs: limits.maxUnreachableMs ?? MAX_UNREACHABLE_MS,
      firstRetryMs: limits.firstRetryMs ?? FIRST_RETRY_MS,
      maxRetryMs: limits.maxRetryMs ?? MAX_RETRY_MS,
      now: limits.now ?? Date.now,
    };
  }

  /** Resolves once every write added so far has been made (or given up). */
  get settled(): Promise<void> {
    return this.#chain;
  }

  /** The epochs waiting to be written, oldest first: more than none only while the database is (or was just) unreachable. */
  get unwrittenEpochs(): readonly number[] {
    return this.#unwritten;
  }

  /**
   * Chains a write after the previous ones. `epoch` names the epoch it writes (counted in the buffer); an epoch that
   * arrives after the run gave up is not written (the reason names the epochs from the first not written).
   */
  add(write: () => Promise<void>, epoch?: number): void {
    if (epoch !== undefined) {
      if (this.#abandoned) {
        console.error(`runboard: epoch ${epoch} came after its run gave up waiting for the database; it was not written.`);
        return;
      }
      this.#unwritten.push(epoch);
      if (this.#unreachableSince !== null && this.#unwritten.length > this.#limits.maxUnwrittenEpochs) {
        this.#giveUp(`while ${this.#unwritten.length} epochs waited for it (the most a run keeps is ${this.#limits.maxUnwrittenEpochs})`);
      }
    }
    this.#chain = this.#chain.then(() => this.#attempt(write, epoch)).catch((error: unknown) => this.hooks.failed(error, epoch));
  }

  async #attempt(write: () => Promise<void>, epoch: number | undefined): Promise<void> {
    let wait = this.#limits.firstRetryMs;
    for (;;) {
      if (epoch !== undefined && this.#abandoned) return;
      try {
        await write();
        break;
      } catch (error) {
        if (!isUnreachable(error)) throw error;
        const now = this.#limits.now();
        this.#unreachableSince ??= now;
        this.#lastError = (error as Error).message;
        const unreachableFor = now - this.#unreachableSince;
        if (!this.#abandoned && unreachableFor >= this.#limits.maxUnreachableMs) this.#giveUp(`for ${duration(unreachableFor)}`);
        if (epoch !== undefined && this.#abandoned) return;
        if (this.hooks.closing()) {
          throw new AppError('DB_UNREACHABLE', `Runboard closed while the database was unreachable; ${epochRange(this.#unwritten)} (${this.#lastError}).`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = null;
        wait = Math.min(wait * 2, this.#limits.maxRetryMs);
      }
    }
    this.#unreachableSince = null;
    if (epoch !== undefined) this.#unwritten.shift();
  }

  #giveUp(why: string): void {
    this.#abandoned = true;
    const reason = `The database was unreachable ${why}; ${epochRange(this.#unwritten)}. The training process was stopped. (${this.#lastError})`;
    this.#unwritten = [];
    this.#wake?.();
    this.hooks.gaveUp(reason);
  }
}
