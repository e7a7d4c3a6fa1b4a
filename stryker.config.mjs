// @ts-check
/**
 * Mutation testing (StrykerJS, `npm run mutate`): Stryker breaks the code one small change at a time (a `<` made
 * `<=`, a string emptied, a branch dropped) and runs the tests that cover that spot; a change no test notices is a
 * "survived" mutant, a gap in the suite. Not part of CI: a full run takes tens of minutes on two cores.
 *
 * The modules mutated and the tests run against each are listed in MODULES. `npm run mutate` covers the default set;
 * `MUTATE_MODULES=export npm run mutate` (a comma-separated list of names) scopes a run to some of them, and Stryker's
 * own `--mutate 'src-main/export/csv.ts'` narrows further. Each selection keeps its own incremental file, so a rerun
 * only tests mutants whose code or tests changed (`--force` retests everything).
 */

import { existsSync } from 'node:fs';

/**
 * Each module: the files mutated and the test files that exercise them in-process. Tests that reach the code only
 * through a child process (the CLI, the browser tests) cannot kill a mutant, so they are left out, which keeps a run
 * scoped. A run offers the tests of every default module (plus those of the modules it selects) and vitest's
 * `related` mode keeps, for each mutated file, only the tests that import it: the export tests, which use the store,
 * also count for store mutants, and the score of a module is the same whether it runs alone or with the others.
 * `skip` lists test files of `tests` left out of mutation runs (they still run in `npm test`).
 * @type {Record<string, { mutate: string[]; tests: string[]; skip?: string[] }>}
 */
const MODULES = {
  store: {
    mutate: ['src-main/store/**/*.ts'],
    // The contract tests run on SQLite and on PostgreSQL (test/helpers/stores.ts), the latter on the throwaway server
    // vitest.config.ts's globalSetup starts, which vitest.mutate.config.mjs keeps: so store/postgres/ mutants can be
    // killed too. Without PostgreSQL installed those halves skip, saying why, and store/postgres/ shows no coverage.
    // The MLflow importers write external runs through the store (store/external-runs.ts).
    tests: ['test/store/**/*.test.ts', 'test/filter/**/*.test.ts', 'test/core/purge.test.ts', 'test/interop/import.test.ts'],
  },
  export: {
    mutate: ['src-main/export/**/*.ts'],
    tests: ['test/export/**/*.test.ts'],
  },
  server: {
    mutate: ['src-main/server/**/*.ts'],
    // The MLflow API goes through serve's gateway (mlflow-api), and through the desktop app's loopback server,
    // routes-server.ts (tracking-server); both tests start their server in this process.
    tests: ['test/server/**/*.test.ts', 'test/interop/mlflow-api.test.ts', 'test/interop/tracking-server.test.ts'],
  },
  asha: {
    mutate: ['src-main/search/asha.ts'],
    tests: ['test/search/asha*.test.ts'],
  },
  // The worker's modules (model, loop, data, optimizers...) are tested in-process by importing them, and the host's
  // side of the worker protocol against a fake worker (trainer-host-protocol.test.ts). The tests that train through
  // the host in a real training process are left out: they can only kill host mutants, which the fake worker's tests
  // reach in milliseconds, while each of them takes seconds per mutant. The few tests that fork a worker and are
  // kept (device probes, the worker pool, the launcher) run the built `out/`: build first.
  training: {
    mutate: [
      'src-main/training/**/*.ts',
      // The worker process's entry: it wires `process` (its IPC channel, SIGINT, disconnect, exit) at load, so it only
      // runs in a forked worker (test/training/training-worker.test.ts), where no mutant can be killed.
      '!src-main/training/worker/training-worker.ts',
    ],
    tests: ['test/training/**/*.test.ts'],
    skip: ['test/training/{trainer-host,training-worker,webgpu-training,fine-tune-split,imported-dataset}.test.ts'],
  },
};

const DEFAULT_MODULES = ['store', 'export', 'server', 'asha', 'training'];

/**
 * Stryker's vitest runner runs every test file in one worker thread, and a worker thread's `process.env` is a copy:
 * the WebGPU tests' own `VK_ICD_FILENAMES` (SwiftShader as the only Vulkan driver, see test/helpers/webgpu.ts) never
 * reaches the Vulkan loader there. Set here, in Stryker's main process, it reaches every test runner it starts.
 */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const names = (process.env.MUTATE_MODULES ?? DEFAULT_MODULES.join(','))
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');
const unknown = names.filter((name) => !(name in MODULES));
if (names.length === 0 || unknown.length > 0) {
  throw new Error(`MUTATE_MODULES: unknown module ${unknown.join(', ') || '(none given)'}; one or more of ${Object.keys(MODULES).join(', ')}, comma-separated.`);
}
const mutate = names.flatMap((name) => MODULES[name].mutate);
/**
 * The test files a run offers (read by vitest.mutate.config.mjs). They are chosen through vitest's `include`, not
 * Stryker's `testFiles`: with `testFiles`, Stryker 9.6 activates a mutant in module-level code (a constant, a
 * lookup table) only after the module has loaded, so every such mutant survives whatever the tests say
 * (stryker-js issue #6144).
 */
export const mutationTests = [...new Set([...DEFAULT_MODULES, ...names].flatMap((name) => MODULES[name].tests))];
/** Test files left out of those (vitest's `exclude`). */
export const skippedTests = [...new Set([...DEFAULT_MODULES, ...names].flatMap((name) => MODULES[name].skip ?? []))];
/**
 * Reports and the incremental file are per selection, so a scoped run never overwrites the full run's. A run narrowed
 * with `--mutate` reports only the files it mutated, so it would replace the module's incremental file with those:
 * `MUTATE_PART=label` keeps such a partial run's files apart (`<modules>-<label>`).
 */
const part = process.env.MUTATE_PART?.trim();
const report = `reports/mutation/${names.join('-')}${part ? `-${part}` : ''}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.mjs', related: true },
  mutate,
  // Only the tests that reach a mutant run against it.
  coverageAnalysis: 'perTest',
  // Two cores, shared with other work: never more than two test processes.
  concurrency: 2,
  incremental: true,
  incrementalFile: `${report}.incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${report}.html` },
  jsonReporter: { fileName: `${report}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, skipFull: false },
  // The sandbox needs the sources, tests and datasets, and the build output: the training tests that fork a worker
  // run the built one (`npx electron-vite build` first).
  ignorePatterns: ['dist', 'reports', 'coverage', 'bench', 'docs'],
  // A loaded machine runs tests slower than the dry run did: give each mutant room before calling it a timeout.
  timeoutMS: 10_000,
  // The initial run of every related test: minutes on a busy machine.
  dryRunTimeoutMinutes: 30,
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
