import type { AnyEvent } from '../../../src-shared/api/events';
import type { ExtraRoutes } from '../../server/extra-routes';
import type { HostPolicy } from '../../server/security';
import type { RunStore } from '../../store/run-store';
import { MlflowRoutes } from './routes';
import { MlflowService } from './service';

export { MLFLOW_PREFIX } from './routes';

/** MLflow's tracking API over a store, as routes for a server's gateway (`serve`, or the app's loopback server). */
export function mlflowRoutes(core: { store: RunStore; events: { emit(event: AnyEvent): void } }): (hosts: HostPolicy) => ExtraRoutes[] {
  const service = new MlflowService({ store: core.store, emit: (event) => core.events.emit(event) });
  return (hosts) => [new MlflowRoutes(service, hosts)];
}

/** The two lines a script needs to log into Runboard through MLflow's client. */
export function trackingLines(origin: string, token: string): string[] {
  return [`export MLFLOW_TRACKING_URI=${origin}`, `export MLFLOW_TRACKING_TOKEN=${token}`];
}
