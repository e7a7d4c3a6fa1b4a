import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresServerInfo, type RunningPostgres } from './postgres-server';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresServerInfo;
  }
}

let server: RunningPostgres | undefined;

/** One throwaway PostgreSQL server for the whole test run (see postgres-server.ts), stopped at its end. */
export async function setup(project: TestProject): Promise<void> {
  server = await startPostgres();
  // An interrupted run (Ctrl+C) may end without teardown: the server goes with the process all the same.
  const running = server;
  process.once('exit', () => running.stop());
  project.provide('postgres', server.info);
}

export function teardown(): void {
  server?.stop();
}
