import { mount } from 'svelte';
import { isTerminal } from '../src-shared/entities/run';
import App from './App.svelte';
import { createApiClient } from './lib/api/api-client';
import { connectTransport } from './lib/api/connect';
import { appContextMap, type AppContext } from './lib/app-context';
import { startLiveSync } from './lib/live-sync';
import { Catalog } from './lib/state/catalog.svelte';
import { Clock } from './lib/state/clock.svelte';
import { CompareSettings } from './lib/state/compare-settings.svelte';
import { ConnectionStatus } from './lib/state/connection-status.svelte';
import { DatasetDownloads } from './lib/state/dataset-downloads.svelte';
import { KnownColumns } from './lib/state/known-columns.svelte';
import { MetricsCache } from './lib/state/metrics-cache';
import { Router } from './lib/state/router.svelte';
import { RunSelection } from './lib/state/run-selection.svelte';
import { RunsPager } from './lib/state/runs-pager.svelte';
import { RunsStore } from './lib/state/runs-store.svelte';
import { RunsTableState } from './lib/state/runs-table-state.svelte';
import { SweepsStore } from './lib/state/sweeps-store.svelte';
import { Toasts } from './lib/state/toasts.svelte';
import './app.css';

const transport = connectTransport();
const client = createApiClient(transport);
const catalog = new Catalog(client);
const runs = new RunsStore(client);
const context: AppContext = {
  client,
  transport,
  connection: new ConnectionStatus(transport),
  catalog,
  downloads: new DatasetDownloads(client, catalog),
  runs,
  pager: new RunsPager(client),
  columns: new KnownColumns(client),
  sweeps: new SweepsStore(client),
  metrics: new MetricsCache(client, {
    maxPoints: 1000,
    // A run that ended and whose curves hold all its epochs gets nothing more from another process.
    settled: (runId, heldThrough) => {
      const run = runs.get(runId);
      return run !== undefined && isTerminal(run.status) && (heldThrough ?? 0) >= run.epochs;
    },
  }),
  selection: new RunSelection(),
  table: new RunsTableState(),
  compare: new CompareSettings(),
  toasts: new Toasts(),
  router: new Router(),
  clock: new Clock(),
};


const target = document.getElementById('app');
if (!target) throw new Error('Runboard: the page has no #app element');

mount(App, { target, context: appContextMap(context) });
startLiveSync(context);
