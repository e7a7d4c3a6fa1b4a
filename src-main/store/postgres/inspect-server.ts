import pg from 'pg';
import { maskPassword, type ServerLocation } from '../../paths';
import type { DatabaseInspection } from '../inspect-database';
import { connectionConfig, describeConnectionError, settleTls } from './connection';
import { LATEST_POSTGRES_SCHEMA_VERSION } from './postgres-migrations';
import { NUMBER_TYPES } from './session';

/** Reads a PostgreSQL database's schema version and run count without changing it, for `runboard doctor`. */
export async function inspectServer(location: ServerLocation, env: NodeJS.ProcessEnv = process.env): Promise<DatabaseInspection> {
  const base = { path: maskPassword(location.url), latestSchemaVersion: LATEST_POSTGRES_SCHEMA_VERSION };
  let connection: ReturnType<typeof connectionConfig> | undefined;
  let client: pg.Client | undefined;
  try {
    connection = connectionConfig(location.url, env);
    client = new pg.Client(await settleTls({ ...connection.config, types: NUMBER_TYPES, connectionTimeoutMillis: 10_000 }, connection.sslmode));
    await client.connect();
    const hasSchema = (await client.query<{ found: boolean }>("SELECT to_regclass('runboard_schema') IS NOT NULL AS found")).rows[0]?.found === true;
    if (!hasSchema) return { ...base, exists: false, schemaVersion: null, runs: null, problem: null };
    const version = Number((await client.query<{ version: number }>('SELECT version FROM runboard_schema')).rows[0]?.version ?? 0);
    const runs = Number((await client.query<{ n: number }>('SELECT count(*) AS n FROM runs')).rows[0]?.n ?? 0);
    const problem = version > LATEST_POSTGRES_SCHEMA_VERSION ? `written by a newer Runboard (schema ${version}); update Runboard to open it` : null;
    return { ...base, exists: true, schemaVersion: version, runs, problem };
  } catch (error) {
    const described = connection ? describeConnectionError(error, connection.identity, connection.sslmode) : error;
    return { ...base, exists: true, schemaVersion: null, runs: null, problem: (described as Error).message };
  } finally {
    await client?.end().catch(() => undefined);
  }
}
