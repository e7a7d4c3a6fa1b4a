/** Where a CLI command writes: injectable, so commands can be run and read in tests. */
export interface CliIo {
  stdout: { write(text: string | Uint8Array): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Exit statuses: 0 success, 1 the work failed (a run did not finish), 2 bad input or setup. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;
