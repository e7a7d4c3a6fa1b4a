/**
 * A run or sweep left `running` belongs to a process identified by its pid, its start time and the machine's boot
 * (`store/process-owner.ts`): a pid that another program holds now (reused after a reboot, or after the counter
 * wrapped) does not keep it `running`. Linux only: elsewhere the start time and boot are unknown and a pid is judged
 * alone (the describe block below says so when it is skipped).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isOwnerGone, processStartTime, type ProcessProbe } from '../../src-main/store/process-owner';
import type { RunStore } from '../../src-main/store/run-store';
import { describeStores } from '../helpers/stores';

const linux = process.platform === 'linux';
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A live process that is not the run's owner: a `sleep` of our own, ended after the test. */
function unrelatedProcess(): { pid: number; started: number } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  const pid = child.pid as number;
  const started = processStartTime(pid);
  if (started === null) throw new Error(`no start time for pid ${pid}`);
  return { pid, started };
}

const newRun = (store: RunStore) => store.createRun({ experiment: 'default', config: { dataset: 'iris' }, params: {}, seed: 1, backend: 'auto' });
const newSweep = (store: RunStore) =>
  store.sweeps.create({ name: 's', experiment: 'default', strategy: 'grid', space: [], fixed: {}, objective: { metric: 'val_loss', direction: 'min' }, trials: [{}], seed: 1, parallel: 1, asha: null });

describe.skipIf(!linux)(`reused process ids (Linux: /proc/PID/stat and boot_id${linux ? '' : '; skipped: this is not Linux, where a pid is judged alone'})`, () => {
  describeStores('an owner judged by pid, start time and boot', ({ open, location, sql }) => {
    it('marks interrupted a run whose pid is held by a live process that started at another time', async () => {
      const where = await location();
      const store = await open(where);
      const run = await newRun(store);
      await store.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: 10 });
      const other = unrelatedProcess();
      // The owner's pid now belongs to the sleep; the recorded start time is still the owner's (this process's).
      await sql(store, 'UPDATE runs SET owner_pid = ? WHERE id = ?', [other.pid, run.run_id]);
      const reopened = await open(where);
      expect((await reopened.getRun(run.run_id))?.status).toBe('interrupted');
      expect((await reopened.getRun(run.run_id))?.error).toBe(`The process that ran it (pid ${other.pid}) ended before the run did.`);
    });

    it('marks interrupted a run owned in another boot, even when a process with its pid and start time lives', async () => {
      const store = await open();
      const run = await newRun(store);
      const other = unrelatedProcess();
      await sql(store, "UPDATE runs SET owner_pid = ?, owner_started = ?, owner_boot = 'a-boot-before-this-one' WHERE id = ?", [other.pid, other.started, run.run_id]);
      expect(await store.recoverInterruptedRuns()).toEqual([run.run_id]);
      expect((await store.getRun(run.run_id))?.status).toBe('interrupted');
    });

    it('leaves running a run whose owner lives: the same pid, start time and boot', async () => {
      const where = await location();
      const store = await open(where);
      const run = await newRun(store);
      const owner = unrelatedProcess();
      await sql(store, 'UPDATE runs SET owner_pid = ?, owner_started = ? WHERE id = ?', [owner.pid, owner.started, run.run_id]);
      expect(await store.recoverInterruptedRuns()).toEqual([]);
      const reopened = await open(where);
      expect((await reopened.getRun(run.run_id))?.status).toBe('queued');
    });

    it('marks interrupted a sweep whose pid is held by a live process that started at another time, and keeps one whose owner lives', async () => {
      const store = await open();
      const reused = await newSweep(store);
      const alive = await newSweep(store);
      const other = unrelatedProcess();
      await sql(store, 'UPDATE sweeps SET owner_pid = ? WHERE id = ?', [other.pid, reused]);
      await sql(store, 'UPDATE sweeps SET owner_pid = ?, owner_started = ? WHERE id = ?', [other.pid, other.started, alive]);
      expect(await store.sweeps.recoverInterrupted()).toEqual([reused]);
      expect((await store.sweeps.get(alive))?.status).toBe('running');
    });
  });
});

describe('judging an owner', () => {
  const here = 'this-host';
  const probe = (alive: boolean, started: number | null, boot: string | null): ProcessProbe => ({ isAlive: () => alive, startTime: () => started, bootId: () => boot });
  const owner = (started: number | null, boot: string | null) => ({ owner_host: here, owner_pid: 4_000_000, owner_started: started, owner_boot: boot });

  it('judges by pid alone what the system does not tell (no start time, no boot id: not Linux, or a row from before)', () => {
    expect(isOwnerGone(owner(null, null), here, probe(true, 7, 'b'))).toBe(false);
    expect(isOwnerGone(owner(5, 'b'), here, probe(true, null, null))).toBe(false);
    expect(isOwnerGone(owner(null, null), here, probe(false, null, null))).toBe(true);
  });

  it('judges gone an owner of another boot, or whose pid another process holds, and alive the same process', () => {
    expect(isOwnerGone(owner(5, 'old-boot'), here, probe(true, 5, 'new-boot'))).toBe(true);
    expect(isOwnerGone(owner(5, 'b'), here, probe(true, 6, 'b'))).toBe(true);
    expect(isOwnerGone(owner(5, 'b'), here, probe(true, 5, 'b'))).toBe(false);
  });

  it('never judges an owner on another host, and judges gone a run with no owner', () => {
    expect(isOwnerGone({ ...owner(5, 'old-boot'), owner_host: 'elsewhere' }, here, probe(false, null, 'new-boot'))).toBe(false);
    expect(isOwnerGone({ ...owner(null, null), owner_pid: null }, here, probe(true, null, null))).toBe(true);
  });
});
