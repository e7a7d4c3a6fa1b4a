import type { AppContext } from './app-context';

/**
 * Loads what the views need and keeps it in step with the host. Events sent while the live connection was down
 * are lost, so everything is read again when it reopens. On the first opening, a load still in flight needs
 * nothing more (events arriving meanwhile are merged into it); one that already finished is read again.
 */
export function startLiveSync(context: AppContext): void {
  void context.catalog.load();
  let firstLoadDone = false;
  void Promise.allSettled([context.runs.load(), context.sweeps.load()]).finally(() => (firstLoadDone = true));
  let wasOpen = context.transport.connection === 'open';
  context.transport.onConnectionChange((state) => {
    if (state !== 'open') return;
    if (wasOpen || firstLoadDone) {
      void context.runs.load();
      void context.sweeps.load();
      context.metrics.refreshAll();
    }
    wasOpen = true;
  });
}
