import { AppError } from '../../src-shared/api/errors';
import { openCore, silentRunTimeoutMs } from '../core';
import { mlflowRoutes, trackingLines } from '../interop/mlflow';
import { ServeTracking } from '../interop/mlflow/tracking-server';
import { rendererDir, resolveDbLocation } from '../paths';
import { startServer } from '../server';
import { EXIT, type CliIo } from './io';

export interface ServeFlags {
  port?: string;
  host?: string;
  db?: string;
  allowRemote?: boolean;
  silentRunMinutes?: string;
}

/**
 * `runboard serve`: the UI in a browser, for machines without a display. The first stdout line is the URL to open
 * (it carries the access token). Runs until SIGINT or SIGTERM; running runs then end as `stopped`.
 */
export async function serveCommand(flags: ServeFlags, io: CliIo): Promise<number> {
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new AppError('BAD_INPUT', `--port: must be a whole number from 0 to 65535 (0 picks a free port), not "${flags.port}".`);
  }
  const silentRunMs = silentRunTimeoutMs(flags.silentRunMinutes ?? io.env.RUNBOARD_SILENT_RUN_MINUTES);
  const tracking = new ServeTracking();
  const core = await openCore({ db: resolveDbLocation(flags.db, io.env), host: 'serve', watchExternalChanges: true, silentRunMs, trackingServer: () => tracking });
  let server;
  try {
    server = await startServer({
      api: core.api,
      rendererDir: rendererDir(),
      ...(flags.host ? { host: flags.host } : {}),
      ...(port !== undefined ? { port } : {}),
      allowRemote: flags.allowRemote === true,
      extraRoutes: mlflowRoutes(core),
    });
  } catch (error) {
    await core.dispose();
    throw error;
  }
  tracking.listening(new URL(server.url).origin, server.token);
  io.stdout.write(`${server.url}\n`);
  io.stderr.write(`Runboard is serving ${core.dbPath}. Open the URL above in a browser; press Ctrl+C to stop.\n`);
  io.stderr.write(`MLflow clients log here with:\n  ${trackingLines(new URL(server.url).origin, server.token).join('\n  ')}\n`);
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.stderr.write('Stopping: running runs end as stopped...\n');
  await server.close();
  await core.dispose();
  return EXIT.ok;
}
