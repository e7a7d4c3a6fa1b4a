import { dirname, join } from 'node:path';
import type { TortureCase } from '../case';
import { killLoop } from './kill-loop';
import { sqliteReader } from './store-reader';

/** The kill -9 loop on a database file (`kill-loop.ts`). */
export const killSqlite: TortureCase = {
  name: 'kill-sqlite',
  description: 'kill -9 the training worker, the CLI host or both while a run and a sweep log to a SQLite file; reopen: integrity ok, committed epochs kept, none partial, runs interrupted, checkpoints whole, the sweep resumes to the end',
  run: (options) =>
    killLoop(
      {
        prepare: async () => null,
        fresh: async (_iteration, dir) => {
          const db = join(dir, 'runs.db');
          return { db, filesDir: dirname(db), reader: async () => sqliteReader(db) };
        },
        dispose: async () => undefined,
      },
      options,
    ),
};
