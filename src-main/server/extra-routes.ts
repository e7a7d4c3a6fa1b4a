import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenApiPaths } from './openapi';

/**
 * A second transport served beside the contract's, under its own path prefix (another tracker's HTTP API, such as
 * MLflow's `/api/2.0/mlflow/`). The gateway checks the Host and the token for it as for every route, and lets it word
 * its refusals in its own error shape, since its clients read that shape.
 */
export interface ExtraRoutes {
  /** The paths it answers: those starting with this (`/api/2.0/mlflow/`). */
  readonly prefix: string;
  /** Answers a request that passed the Host and token checks. Never throws. */
  handle(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams, host: string): Promise<void>;
  /** Writes a refusal (401 without the token, 403 for a foreign Host) in this API's shape. */
  refuse(response: ServerResponse, status: 401 | 403, message: string, headers: Record<string, string>): void;
  /** Its operations for `/api/openapi.json`, generated from the schemas it checks requests with. */
  describe(): OpenApiPaths;
}
