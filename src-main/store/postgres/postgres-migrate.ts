import type { Pool, PoolClient } from 'pg';
import { AppError } from '../../../src-shared/api/errors';
import { POSTGRES_MIGRATIONS, type PostgresMigration } from './postgres-migrations';
import { query, value } from './session';

/** The advisory lock key every Runboard migrating a database takes ("RUNB" as a number): one migrates, others wait. */
export const MIGRATION_LOCK = 0x52554e42;

async function readVersion(client: PoolClient): Promise<number | null> {
  const exists = await value<boolean>(client, "SELECT to_regclass('runboard_schema') IS NOT NULL");
  if (!exists) return null;
  return (await value<number>(client, 'SELECT version FROM runboard_schema')) ?? 0;
}

/**
 * Migrates the database to the latest schema under `pg_advisory_lock`, so two machines starting at once cannot both
 * migrate: the second waits, then finds the work done. Each migration commits with its version number, all or
 * nothing. Refuses, unchanged, a database of a newer Runboard schema, and a database that has tables but is not
 * Runboard's.
 * @returns the schema version.
 * @throws AppError(DB_TOO_NEW | DB_NOT_SQLITE | IO_ERROR)
 */
export async function migratePostgres(pool: Pool, where: string, migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS): Promise<number> {
  const latest = migrations.length;
  const client = await pool.connect();
  try {
    await query(client, 'SELECT pg_advisory_lock(?)', [MIGRATION_LOCK]);
    try {
      let version = await readVersion(client);
      if (version !== null && version > latest) {
        throw new AppError(
          'DB_TOO_NEW',
          `${where} was written by a newer version of Runboard (schema version ${version}; this version knows up to ${latest}). It was left unchanged. Update Runboard to open it, or choose another database with --db.`,
        );
      }
      if (version === null) {
        const tables = await value<number>(client, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('runs', 'experiments', 'metrics')");
        if ((tables ?? 0) > 0) {
          throw new AppError('DB_NOT_SQLITE', `${where} has tables named runs, experiments or metrics but is not a Runboard database. It was left unchanged; choose another database with --db.`);
        }
      }
      for (const migration of migrations.filter((m) => m.version > (version ?? 0))) {
        try {
          await client.query('BEGIN');
          if (version === null) {
            await client.query('CREATE TABLE runboard_schema (version INTEGER NOT NULL)');
            await client.query('INSERT INTO runboard_schema (version) VALUES (0)');
          }
          await migration.up(client);
          await query(client, 'UPDATE runboard_schema SET version = ?', [migration.version]);
          await client.query('COMMIT');
          version = migration.version;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new AppError('IO_ERROR', `Migration ${migration.version} (${migration.description}) failed: ${(error as Error).message}. The database was left at schema version ${version ?? 0}.`);
        }
      }
      return version ?? 0;
    } finally {
      await query(client, 'SELECT pg_advisory_unlock(?)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
