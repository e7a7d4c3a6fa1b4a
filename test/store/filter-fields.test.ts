/**
 * Every field the README lists for the filter language, each mapped to the right column. The runs are built so that
 * a field mapped to a neighbour (sweep to parent, trial to sweep, seed to run_id, created to started_at...) or read
 * in the wrong unit (duration in milliseconds) selects other runs than the right mapping does.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunStore } from '../../src-main/store/run-store';
import { describeStores } from '../helpers/stores';
import { FILTER_ATTRIBUTES } from '../../src-shared/filter/parse';
const at = (iso: string) => Date.parse(iso);

/**
 * | run | name    | kind   | backend    | device                          | seed | parent | sweep/trial | epochs | duration | created          | started          | notes                  | archived |
 * | 1   | alpha   | train  | wasm       | CPU (WebAssembly SIMD, 1 thread) | 11   |        |             | 3      | 90 s     | 2026-11-20 10:00 | 2026-11-28 12:00 | Baseline for the paper | no       |
 * | 2   | bravo   | sanity | cpu        | CPU (JavaScript)                | 22   | 1      |             | 1      | 5 s      | 2026-11-25 10:00 | 2026-11-20 12:00 |                        | no       |
 * | 3   | charlie | train  | tensorflow | CPU (libtensorflow)             | 33   |        | 1 / 2       | 2      | 2000 s   | 2026-11-28 09:00 | 2026-11-25 12:00 |                        | no       |
 * | 4   | delta   | train  | wasm       | CPU (WebAssembly, 1 thread)     | 44   | 3      | 1 / 1       | 0      | 30 s     | 2026-11-28 11:00 | 2026-11-22 12:00 | rerun of charlie       | yes      |
 */
const RUNS = [
  { name: 'alpha', kind: 'train', backend: 'wasm', device: 'CPU (WebAssembly SIMD, 1 thread)', seed: 11, parent: null, trial: null, epochs: 3, seconds: 90, created: '2026-11-20T10:00:00Z', started: '2026-11-28T12:00:00Z', notes: 'Baseline for the paper', archived: false },
  { name: 'bravo', kind: 'sanity', backend: 'cpu', device: 'CPU (JavaScript)', seed: 22, parent: 1, trial: null, epochs: 1, seconds: 5, created: '2026-11-25T10:00:00Z', started: '2026-11-20T12:00:00Z', notes: null, archived: false },
  { name: 'charlie', kind: 'train', backend: 'tensorflow', device: 'CPU (libtensorflow)', seed: 33, parent: null, trial: 2, epochs: 2, seconds: 2000, created: '2026-11-28T09:00:00Z', started: '2026-11-25T12:00:00Z', notes: null, archived: false },
  { name: 'delta', kind: 'train', backend: 'wasm', device: 'CPU (WebAssembly, 1 thread)', seed: 44, parent: 3, trial: 1, epochs: 0, seconds: 30, created: '2026-11-28T11:00:00Z', started: '2026-11-22T12:00:00Z', notes: 'rerun of charlie', archived: true },
] as const;

describeStores('filter fields', ({ open, sql }) => {
  let store: RunStore;

  // Built per test, not in beforeAll: mutation testing's per-test coverage counts what beforeAll runs as code every
  // test reaches (stryker.config.mjs). The harness closes the store after each test.
  beforeEach(async () => {
    store = await open();
    const sweepId = await store.sweeps.create({
      name: 'search',
      experiment: 'default',
      strategy: 'grid',
      space: [{ name: 'lr', distribution: '[0.1,0.01]' }],
      fixed: {},
      objective: { metric: 'val_accuracy', direction: 'max' },
      trials: [{ lr: 0.1 }, { lr: 0.01 }],
      seed: 1,
      parallel: 1,
      asha: null,
    });
    // Sweep ids, trial numbers, seeds and parent ids all differ from each other and from run ids.
    expect(sweepId).toBe(1);
    for (const r of RUNS) {
      const run = await store.createRun({
        experiment: 'default',
        name: r.name,
        config: {},
        params: { lr: 0.1 },
        seed: r.seed,
        backend: 'auto',
        kind: r.kind,
        parentRunId: r.parent,
        sweep: r.trial === null ? null : { sweepId, trial: r.trial },
      });
      const started = at(r.started);
      await store.markRunning(run.run_id, { backend: r.backend, device: r.device, time: started });
      for (let step = 1; step <= r.epochs; step++) await store.logEpoch(run.run_id, { step, time: started + step, metrics: { val_accuracy: 0.5 } });
      await store.endRun(run.run_id, { status: 'finished', time: started + r.seconds * 1000 });
      await sql(store, 'UPDATE runs SET created_at = ? WHERE id = ?', [at(r.created), run.run_id]);
      if (r.notes) await store.annotations.setNotes(run.run_id, r.notes);
    }
    await store.annotations.setArchived([4], true);
  });

  /** Names of the runs a filter selects, archived runs included (so `archived` itself can be tested), in run order. */
  async function select(filter: string): Promise<string[]> {
    const page = await store.queryRuns({ filter, includeArchived: true, sort: { column: 'run_id', direction: 'asc' }, offset: 0, limit: 100 });
    return page.runs.map((r) => r.name);
  }

  describe('filter fields: each README field reads its own column', () => {
    it('the fixture is what the table above says', async () => {
      const runs = (await store.queryRuns({ includeArchived: true, sort: { column: 'run_id', direction: 'asc' }, offset: 0, limit: 10 })).runs;
      expect(runs.map((r) => [r.run_id, r.kind, r.backend, r.seed, r.parent_run_id, r.sweep_id, r.trial, r.epochs, r.duration_s, r.archived])).toEqual([
        [1, 'train', 'wasm', 11, null, null, null, 3, 90, false],
        [2, 'sanity', 'cpu', 22, 1, null, null, 1, 5, false],
        [3, 'train', 'tensorflow', 33, null, 1, 2, 2, 2000, false],
        [4, 'train', 'wasm', 44, 3, 1, 1, 0, 30, true],
      ]);
    });

    it('run_id', async () => {
      expect(await select('run_id in (2, 4)')).toEqual(['bravo', 'delta']);
      expect(await select('run_id >= 3')).toEqual(['charlie', 'delta']);
    });

    it('name and experiment', async () => {
      expect(await select('name = "charlie"')).toEqual(['charlie']);
      expect(await select('name ~ "LT"')).toEqual(['delta']);
      expect(await select('experiment = "default"')).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
      expect(await select('experiment != "default"')).toEqual([]);
    });

    it('status', async () => {
      expect(await select('status = "finished"')).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
      expect(await select('status in ("running", "failed")')).toEqual([]);
    });

    it('kind: train or sanity', async () => {
      expect(await select('kind = "sanity"')).toEqual(['bravo']);
      expect(await select('kind = "train"')).toEqual(['alpha', 'charlie', 'delta']);
    });

    it('backend: the backend the run used, not the one requested', async () => {
      expect(await select('backend = "wasm"')).toEqual(['alpha', 'delta']);
      expect(await select('backend = "cpu"')).toEqual(['bravo']);
      expect(await select('backend = "auto"')).toEqual([]);
    });

    it('device', async () => {
      expect(await select('device ~ "simd"')).toEqual(['alpha']);
      expect(await select('device ~ "webassembly"')).toEqual(['alpha', 'delta']);
    });

    it('sweep: the sweep a run is a trial of (not its parent)', async () => {
      expect(await select('sweep = 1')).toEqual(['charlie', 'delta']);
      expect(await select('sweep = 3')).toEqual([]);
    });

    it('trial: the trial number within its sweep', async () => {
      expect(await select('trial = 2')).toEqual(['charlie']);
      expect(await select('trial = 1')).toEqual(['delta']);
    });

    it('parent: the run a run was fine-tuned from (not its sweep)', async () => {
      expect(await select('parent = 1')).toEqual(['bravo']);
      expect(await select('parent = 3')).toEqual(['delta']);
      expect(await select('parent > 0')).toEqual(['bravo', 'delta']);
    });

    it('epochs: epochs logged', async () => {
      expect(await select('epochs = 2')).toEqual(['charlie']);
      expect(await select('epochs >= 1')).toEqual(['alpha', 'bravo', 'charlie']);
    });

    it('duration: in seconds', async () => {
      expect(await select('duration < 10')).toEqual(['bravo']);
      expect(await select('duration > 60')).toEqual(['alpha', 'charlie']);
      expect(await select('duration >= 30 and duration <= 90')).toEqual(['alpha', 'delta']);
    });

    it('created: when the run was created, compared with a date or a date and time', async () => {
      expect(await select('created >= "2026-11-28"')).toEqual(['charlie', 'delta']);
      expect(await select('created < "2026-11-25"')).toEqual(['alpha']);
      expect(await select('created > "2026-11-28T10:00:00Z"')).toEqual(['delta']);
      await expect(select('created > "last week"')).rejects.toThrow(/created compares with a date/);
    });

    it('started and ended: when the run began training and ended, a date or ms since 1970 (MLflow\'s start_time, end_time)', async () => {
      expect(await select('started >= "2026-11-25"')).toEqual(['alpha', 'charlie']);
      expect(await select(`attributes.start_time < ${at('2026-11-21T00:00:00Z')}`)).toEqual(['bravo']);
      expect(await select('ended > "2026-11-28T12:01:00Z"')).toEqual(['alpha']);
      expect(await select(`end_time = ${at('2026-11-20T12:00:05Z')}`)).toEqual(['bravo']);
    });

    it('user: who ran an external run; none for runs Runboard trained', async () => {
      expect(await select('user = "ana"')).toEqual([]);
      expect(await select('user IS NULL')).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    });

    it('seed', async () => {
      expect(await select('seed = 22')).toEqual(['bravo']);
      expect(await select('seed > 30')).toEqual(['charlie', 'delta']);
    });

    it('notes: searched ignoring case; no notes is empty text', async () => {
      expect(await select('notes ~ "PAPER"')).toEqual(['alpha']);
      expect(await select('notes ~ "charlie"')).toEqual(['delta']);
      expect(await select('notes = ""')).toEqual(['bravo', 'charlie']);
    });

    it('archived: true or false', async () => {
      expect(await select('archived = true')).toEqual(['delta']);
      expect(await select('archived = false')).toEqual(['alpha', 'bravo', 'charlie']);
      await expect(select('archived = 1')).rejects.toThrow(/archived is true or false/);
    });

    it('covers every attribute the language knows', () => {
      // A new attribute needs a case above; this list is the README's.
      expect([...FILTER_ATTRIBUTES].sort()).toEqual(['archived', 'backend', 'created', 'device', 'duration', 'ended', 'epochs', 'experiment', 'kind', 'name', 'notes', 'parent', 'run_id', 'seed', 'started', 'status', 'sweep', 'trial', 'user'].sort());
    });
  });
});
