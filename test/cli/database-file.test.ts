import { existsSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY, assertCliIsBuilt, cliEnv, killAll, listRuns, makeTempDir, removeTempDirs, runCli, sha256 } from './helpers';

/** The commands that open the database: each must refuse a file it must not touch, the same way. */
const COMMANDS: Record<string, string[]> = {
  train: ['train', ...TINY, '--json'],
  runs: ['runs', '--json'],
  export: ['export', '--format', 'csv'],
};

interface BadFile {
  what: string;
  /** Makes the file in `dir` and returns its path. */
  make(dir: string): string;
  message: RegExp;
}

const BAD_FILES: BadFile[] = [
  {
    what: 'a text file that is not SQLite',
    make(dir) {
      const path = join(dir, 'notes.db');
      writeFileSync(path, 'my shopping list\nmilk, eggs\n');
      return path;
    },
    message: /not a Runboard database.*not an SQLite file.*left unchanged/s,
  },
  {
    what: 'a database from a newer Runboard (user_version 999)',
    make(dir) {
      const path = join(dir, 'future.db');
      const db = new BetterSqlite3(path);
      db.exec("CREATE TABLE runs (id INTEGER PRIMARY KEY, shape_of_the_future TEXT); INSERT INTO runs VALUES (1, 'x');");
      db.pragma('user_version = 999');
      db.close();
      return path;
    },
    message: /newer version of Runboard.*999.*left unchanged/s,
  },
  {
    what: "an SQLite file with someone else's tables",
    make(dir) {
      const path = join(dir, 'crm.db');
      const db = new BetterSqlite3(path);
      db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada');");
      db.close();
      return path;
    },
    message: /SQLite database, but not a Runboard one.*left unchanged/s,
  },
  {
    // Many applications number their own schema with user_version: a foreign file at version 1 must not pass for Runboard's.
    what: "an SQLite file with someone else's tables and its own user_version 1",
    make(dir) {
      const path = join(dir, 'crm-v1.db');
      const db = new BetterSqlite3(path);
      db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada');");
      db.pragma('user_version = 1');
      db.close();
      return path;
    },
    message: /is an SQLite database, but not a Runboard one.*left unchanged/s,
  },
  {
    what: 'a truncated Runboard database',
    make(dir) {
      const path = join(dir, 'truncated.db');
      const db = new BetterSqlite3(path);
      db.exec('CREATE TABLE t (x BLOB);');
      const insert = db.prepare('INSERT INTO t VALUES (randomblob(1000))');
      for (let i = 0; i < 50; i++) insert.run();
      db.pragma('user_version = 1');
      db.close();
      truncateSync(path, 5000);
      return path;
    },
    message: /damaged|corrupt|malformed/i,
  },
];

beforeAll(() => assertCliIsBuilt());
afterAll(() => {
  killAll();
  removeTempDirs();
});

describe.concurrent('--db pointing at a file Runboard must not touch', () => {
  for (const bad of BAD_FILES) {
    for (const [name, args] of Object.entries(COMMANDS)) {
      it(`${name} refuses ${bad.what} with exit status 2 and a clear message, leaving the file byte-identical`, async () => {
        const dir = makeTempDir();
        const path = bad.make(dir);
        const before = sha256(path);
        const filesBefore = readdirSync(dir).sort();
        const result = await runCli([...args, '--db', path]);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(bad.message);
        expect(result.stderr).toContain(path);
        expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
        expect(result.stdout).toBe('');
        expect(sha256(path)).toBe(before);
        // No -wal, -shm, journal or backup file left next to it.
        expect(readdirSync(dir).sort()).toEqual(filesBefore);
      });
    }
  }

  for (const [name, args] of Object.entries(COMMANDS)) {
    it(`${name} refuses a path into a folder that does not exist with exit status 2, creating nothing`, async () => {
      const dir = makeTempDir();
      const path = join(dir, 'no-such-folder', 'x.db');
      const result = await runCli([...args, '--db', path]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/folder .*no-such-folder does not exist/);
      expect(result.stdout).toBe('');
      expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    });
  }
});

describe('which database is used', () => {
  it('honours RUNBOARD_DB when --db is not given, and --db wins over it', async () => {
    const dir = makeTempDir();
    const fromEnv = join(dir, 'from-env.db');
    const fromFlag = join(dir, 'from-flag.db');
    const env = cliEnv({ RUNBOARD_DB: fromEnv });

    const first = await runCli(['train', ...TINY, '--name', 'via-env', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(fromEnv)).toBe(true);

    const second = await runCli(['train', ...TINY, '--name', 'via-flag', '--json', '--db', fromFlag], { env });
    expect(second.code, second.stderr).toBe(0);

    expect((await listRuns(fromEnv)).map((r) => r.name)).toEqual(['via-env']);
    expect((await listRuns(fromFlag)).map((r) => r.name)).toEqual(['via-flag']);

    // `runs` reads the same way: RUNBOARD_DB without --db, --db over RUNBOARD_DB.
    const viaEnv = await runCli(['runs', '--json'], { env });
    expect((JSON.parse(viaEnv.stdout) as { name: string }[]).map((r) => r.name)).toEqual(['via-env']);
    const viaFlag = await runCli(['runs', '--json', '--db', fromFlag], { env });
    expect((JSON.parse(viaFlag.stdout) as { name: string }[]).map((r) => r.name)).toEqual(['via-flag']);
  });

  it('creates a new database in an existing folder on first use', async () => {
    const dir = makeTempDir();
    const path = join(dir, 'fresh.db');
    const result = await runCli(['runs', '--json', '--db', path]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
    expect(existsSync(path)).toBe(true);
  });
});
