export { SqliteStore } from './sqlite-store';
export type { RunStore, CreateRunInput, EpochInput, MetricPointInput, RunFilter, RunDetail } from './run-store';
export { LATEST_SCHEMA_VERSION } from './migrations';
export { openDatabase } from './open-database';
