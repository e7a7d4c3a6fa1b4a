import pg from 'pg';
import { localFilesDir, resolveDbLocation } from '../../../src-main/paths';
import { startPostgres, type RunningPostgres } from '../../helpers/postgres-server';
import type { TortureCase } from '../case';
import { killLoop } from './kill-loop';
import { postgresReader } from './store-reader';

/**
 * The kill -9 loop on PostgreSQL (`kill-loop.ts`): the CLI hosts log to a database of a throwaway server
 * (`test/helpers/postgres-server.ts`) with `--db postgres://...`, one database per iteration. The server itself is not
 * killed: what is tested is Runboard's clients dying mid-write, which the server must turn into rolled-back
 * transactions and Runboard into interrupted runs.
 */
export const killPostgres: TortureCase = {
  name: 'kill-postgres',
  description: 'kill -9 the training worker, the CLI host or both while a run and a sweep log to PostgreSQL; reopen: indexes check (amcheck), committed epochs kept, none partial, runs interrupted, checkpoints whole, the sweep resumes to the end',
  run: (options) => {
    let server: RunningPostgres | null = null;
    const url = (database: string) => {
      const info = server?.info;
      return `postgres://postgres@/${database}?host=${encodeURIComponent(info?.socketDir ?? '')}&port=${info?.port}`;
    };
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    return killLoop(
      {
        prepare: async () => {
          server = await startPostgres();
          return server.info.reason;
        },
        fresh: async (iteration, _dir, env) => {
          const database = `torture_kill_${iteration}`;
          await admin(`CREATE DATABASE ${database}`);
          const db = url(database);
          return { db, filesDir: localFilesDir(resolveDbLocation(db, env), env), reader: () => postgresReader(db) };
        },
        dispose: async () => server?.stop(),
      },
      options,
    );
  },
};
