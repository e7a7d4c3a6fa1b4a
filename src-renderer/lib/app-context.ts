import { getContext } from 'svelte';
import type { ApiClient } from './api/api-client';
import type { Transport } from './api/transport';
import type { Catalog } from './state/catalog.svelte';
import type { Clock } from './state/clock.svelte';
import type { CompareSettings } from './state/compare-settings.svelte';
import type { ConnectionStatus } from './state/connection-status.svelte';
import type { DatasetDownloads } from './state/dataset-downloads.svelte';
import type { KnownColumns } from './state/known-columns.svelte';
import type { MetricsCache } from './state/metrics-cache';
import type { Router } from './state/router.svelte';
import type { RunSelection } from './state/run-selection.svelte';
import type { RunsPager } from './state/runs-pager.svelte';
import type { RunsStore } from './state/runs-store.svelte';
import type { RunsTableState } from './state/runs-table-state.svelte';
import type { SweepsStore } from './state/sweeps-store.svelte';
import type { Toasts } from './state/toasts.svelte';

/** Everything the views share, created once in `main.ts` and handed down through Svelte's context. */
export interface AppContext {
  client: ApiClient;
  transport: Transport;
  connection: ConnectionStatus;
  catalog: Catalog;
  /** Dataset downloads by the host: they go on, and show, whichever page is open. */
  downloads: DatasetDownloads;
  runs: RunsStore;
  /** The runs table's rows, a page at a time. */
  pager: RunsPager;
  /** Param, metric and tag names runs have logged. */
  columns: KnownColumns;
  sweeps: SweepsStore;
  metrics: MetricsCache;
  selection: RunSelection;
  table: RunsTableState;
  compare: CompareSettings;
  toasts: Toasts;
  router: Router;
  clock: Clock;
}

const APP_CONTEXT = Symbol('runboard-app');

/** The context map to pass to `mount()`, so every component can call `getAppContext()`. */
export function appContextMap(context: AppContext): Map<symbol, AppContext> {
  return new Map([[APP_CONTEXT, context]]);
}

/** Must be called while a component initialises, like `getContext`. */
export function getAppContext(): AppContext {
  const context = getContext<AppContext | undefined>(APP_CONTEXT);
  if (!context) throw new Error('Runboard: getAppContext() outside the mounted app');
  return context;
}
