import { inspect } from 'node:util';

/** Writes a server-side failure to stderr, with its stack: the details stay on the host, the client gets `INTERNAL`. */
export function logError(context: string, error: unknown): void {
  const details = error instanceof Error ? (error.stack ?? error.message) : inspect(error);
  process.stderr.write(`runboard serve: ${context}: ${details}\n`);
}

/** Writes a warning line to stderr (stdout is kept for what scripts read, such as the URL). */
export function logWarning(message: string): void {
  process.stderr.write(`runboard serve: warning: ${message}\n`);
}
