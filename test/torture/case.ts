/**
 * One case of the torture harness (`npm run torture`, issue 15): a fault or a bad input, hit again and again, with
 * what was checked after each hit. A case never throws for a loss it found: it counts it in `failures`, with a line
 * that says what was lost, so the table shows every case's figures even when one of them fails.
 */
export interface TortureOptions {
  /** The short version that CI runs (`--quick`): fewer iterations, smaller data, the same checks. */
  quick: boolean;
  /** Overrides the case's own iteration count (`--iterations N`). */
  iterations?: number;
  /** A scratch folder of the case's own, removed after it ends. */
  workDir: string;
  /** Progress for the person watching (stderr); not part of the result. */
  log: (line: string) => void;
}

export interface TortureResult {
  /** `cannot-run`: this machine lacks what the case needs (say precisely what in `reason`); never a pass. */
  status: 'passed' | 'failed' | 'cannot-run';
  iterations: number;
  /** One line per loss or broken promise found, naming the iteration. */
  failures: string[];
  /** Why the case could not run, or a short note on how it ran. */
  reason?: string;
  /** Figures worth publishing in docs/reliability.md (latencies, counts, sizes). */
  figures?: Record<string, number | string>;
}

export interface TortureCase {
  /** Short kebab-case name, used by `--only`. */
  name: string;
  /** What it does to Runboard and what it checks, in one sentence (printed in the table's legend). */
  description: string;
  run(options: TortureOptions): Promise<TortureResult>;
}

/** The result of a case that ran `iterations` times and found `failures`. */
export function outcome(iterations: number, failures: string[], figures?: TortureResult['figures']): TortureResult {
  return { status: failures.length ? 'failed' : 'passed', iterations, failures, ...(figures ? { figures } : {}) };
}
