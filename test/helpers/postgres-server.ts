/**
 * A throwaway PostgreSQL server for one test run (vitest's globalSetup): Debian's `postgresql` binaries, a data folder
 * and a Unix socket in a temporary folder, `fsync=off`. initdb refuses root, so under root it runs as the `postgres`
 * user. The superuser `postgres` logs in without a password over the socket and with one (`POSTGRES_TEST_PASSWORD`)
 * over TCP on 127.0.0.1, so tests can try both. Tests get the server through `inject('postgres')`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const POSTGRES_TEST_PASSWORD = 'runboard-test-secret';

/** What tests learn about the server: where it is, or why there is none. */
export interface PostgresServerInfo {
  /** The Unix socket folder and port; null when no server could start (see `reason`). */
  socketDir: string | null;
  port: number | null;
  reason: string | null;
}

/** The folder of the newest installed PostgreSQL's binaries (Debian: /usr/lib/postgresql/N/bin), or null. */
function binaries(): string | null {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const found = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const dir = found.status === 0 ? found.stdout.trim() : '';
  return dir && existsSync(join(dir, 'initdb')) ? dir : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a PostgreSQL program as the user that may run it (`postgres` under root). */
function runAs(asRoot: boolean, program: string, args: string[]): void {
  if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', program, ...args], { stdio: 'pipe' });
  else execFileSync(program, args, { stdio: 'pipe' });
}

export interface RunningPostgres {
  info: PostgresServerInfo;
  stop(): void;
  /** Shuts the server down (`pg_ctl stop -m fast`: its connections are ended), keeping its data, until `resume`. */
  pause(): void;
  /** Starts a paused server again, on the same socket, port and data. */
  resume(): void;
}

const NOT_RUNNING = { stop: () => undefined, pause: () => undefined, resume: () => undefined };

/** Starts the server; never throws: a machine without PostgreSQL gets `reason` instead. */
export async function startPostgres(): Promise<RunningPostgres> {
  const bin = binaries();
  if (!bin) return { info: { socketDir: null, port: null, reason: "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or pg_config --bindir): apt-get install postgresql" }, ...NOT_RUNNING };
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'runboard-pg-'));
  const data = join(dir, 'data');
  let started = false;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (started) {
      try {
        runAs(asRoot, join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    chmodSync(dir, 0o700);
    if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, POSTGRES_TEST_PASSWORD);
    if (asRoot) chownSync(passwordFile, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), 0);
    runAs(asRoot, join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${passwordFile}`, '--no-sync', '-E', 'UTF8', '--locale=C']);
    const port = await freePort();
    const start = () =>
      runAs(asRoot, join(bin, 'pg_ctl'), [
        '-D',
        data,
        '-l',
        join(dir, 'server.log'),
        '-o',
        `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
        '-w',
        'start',
      ]);
    start();
    started = true;
    const pause = () => runAs(asRoot, join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
    return { info: { socketDir: dir, port, reason: null }, stop, pause, resume: start };
  } catch (error) {
    const output = (error as { stderr?: Buffer }).stderr?.toString().trim();
    stop();
    return { info: { socketDir: null, port: null, reason: `the throwaway PostgreSQL server did not start: ${output || (error as Error).message}` }, ...NOT_RUNNING };
  }
}
