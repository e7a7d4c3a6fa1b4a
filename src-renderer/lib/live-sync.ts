import type { AppContext } from './app-context';

/**
 * Loads what the views need and keeps it in step with the host. Events sent while the live connection was down
 * are lost, so everything is read again when it reopens. On the first opening, a load still in flight needs
 * nothing more (events arriving meanwhile are merged into it); one that already finished is read again.
 */
export function startLiveSync(context: AppContext): void {
  let firstLoadDone = false;
  // After the first view asked for its own data (the table's first page, the compared curves), so that the host, which
  // answers one call at a time, answers those first. The runs table reads its own pages (RunsPager); the run store
  // reads the newest runs only when a view lists them.
  setTimeout(() => {
    void context.catalog.load();
    void context.columns.load();
    void Promise.allSettled([context.sweeps.load()]).finally(() => (firstLoadDone = true));
  }, 0);
  let wasOpen = context.transport.connection === 'open';
  context.transport.onConnectionChange((state) => {
    if (state !== 'open') return;
    if (wasOpen || firstLoadDone) {
      void context.runs.load();
      void context.sweeps.load();
      void context.columns.load();
      void context.catalog.loadExperiments();
      context.pager.refresh(0);
      context.metrics.refreshAll();
    }
    wasOpen = true;
  });
}
