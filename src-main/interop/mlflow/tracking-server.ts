import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { AppError } from '../../../src-shared/api/errors';
import type { TrackingServerStatus } from '../../../src-shared/api/contract';
import type { TrackingServerControl } from '../../api/handlers';
import { generateToken } from '../../server/auth';
import { startRoutesServer, type RunningRoutesServer } from '../../server/routes-server';
import { mlflowRoutes, trackingLines } from './index';

type CoreParts = Parameters<typeof mlflowRoutes>[0];

/** `serve`'s tracking API: always on, on serve's own port and token (known once it listens). */
export class ServeTracking implements TrackingServerControl {
  private origin: string | null = null;
  private token: string | null = null;

  /** Called once the server listens. */
  listening(origin: string, token: string): void {
    this.origin = origin;
    this.token = token;
  }

  async status(): Promise<TrackingServerStatus> {
    const serving = this.origin !== null && this.token !== null;
    return { available: true, switchable: false, enabled: serving, url: this.origin, lines: serving ? trackingLines(this.origin as string, this.token as string) : [], error: null };
  }

  async setEnabled(enabled: boolean): Promise<TrackingServerStatus> {
    if (!enabled) throw new AppError('BAD_INPUT', '`runboard serve` always answers MLflow clients on its own port, behind its token; stop serve to stop it.');
    return this.status();
  }
}

/** What the desktop app remembers of its tracking server, so the lines a user pasted stay valid across restarts. */
interface Saved {
  enabled: boolean;
  port: number;
  token: string;
}

/**
 * The desktop app's tracking API: a loopback-only server (`startRoutesServer`) that runs only while switched on in
 * Settings. Its port and token are kept in a file readable by the user alone, beside the database.
 */
export class LoopbackTracking implements TrackingServerControl {
  private server: RunningRoutesServer | null = null;
  private error: string | null = null;
  private saved: Saved;

  constructor(
    private readonly core: CoreParts,
    private readonly settingsFile: string,
  ) {
    this.saved = readSaved(settingsFile);
  }

  /** Starts serving when it was left switched on. */
  async resume(): Promise<void> {
    if (this.saved.enabled) await this.serve(false);
  }

  async status(): Promise<TrackingServerStatus> {
    const origin = this.server?.origin ?? null;
    return { available: true, switchable: true, enabled: this.saved.enabled, url: origin, lines: origin ? trackingLines(origin, this.saved.token) : [], error: this.error };
  }

  async setEnabled(enabled: boolean): Promise<TrackingServerStatus> {
    this.saved = { ...this.saved, enabled };
    this.save();
    if (enabled) await this.serve(true);
    else await this.stop();
    return this.status();
  }

  async dispose(): Promise<void> {
    await this.stop();
  }

  /** Listens on the remembered port; when switched on by hand and that port is taken, on a free one (remembered). */
  private async serve(mayMove: boolean): Promise<void> {
    if (this.server) return;
    const routes = mlflowRoutes(this.core);
    try {
      this.server = await startRoutesServer({ port: this.saved.port, token: this.saved.token, routes });
    } catch (error) {
      if (!(mayMove && error instanceof AppError && error.code === 'CONFLICT')) {
        this.error = error instanceof Error ? `${error.message} Switch it off and on to pick a free port.` : String(error);
        return;
      }
      this.server = await startRoutesServer({ port: 0, token: this.saved.token, routes });
    }
    this.error = null;
    if (this.saved.port !== this.server.port) {
      this.saved = { ...this.saved, port: this.server.port };
      this.save();
    }
  }

  private async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.error = null;
    await server?.close();
  }

  private save(): void {
    const temporary = `${this.settingsFile}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.saved, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.settingsFile);
  }
}

function readSaved(file: string): Saved {
  const fresh: Saved = { enabled: false, port: 0, token: generateToken() };
  if (!existsSync(file)) return fresh;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Saved>;
    return {
      enabled: parsed.enabled === true,
      port: Number.isInteger(parsed.port) && (parsed.port as number) >= 0 && (parsed.port as number) <= 65_535 ? (parsed.port as number) : 0,
      token: typeof parsed.token === 'string' && /^[A-Za-z0-9._~-]{16,512}$/.test(parsed.token) ? parsed.token : fresh.token,
    };
  } catch {
    return fresh;
  }
}
