import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isProcessAlive } from './stored-values';

/**
 * Who owns a run or a sweep left `queued` or `running`, and whether that owner still lives. A pid alone cannot say:
 * after a reboot, or once the pid counter wraps, another program may hold the owner's pid, and the run would stay
 * `running` forever. So the owner is recorded with its process's start time and the machine's boot, and judged by
 * all of them.
 *
 * Linux gives both: the start time is field 22 of /proc/PID/stat (clock ticks after boot, fixed for the life of the
 * process), the boot is /proc/sys/kernel/random/boot_id (a new random id at every boot). Elsewhere (macOS, Windows)
 * neither file exists, both are recorded as NULL, and the owner is judged by its pid alone, as before: a reused pid
 * there still keeps a run `running` until that program ends.
 */
export interface ProcessOwner {
  owner_host: string | null;
  owner_pid: number | null;
  /** The owner's start time in clock ticks after boot (/proc/PID/stat field 22); null where unknown. */
  owner_started: number | null;
  /** The boot the owner ran in (/proc/sys/kernel/random/boot_id); null where unknown. */
  owner_boot: string | null;
}

/** How this host answers about its processes; injectable so tests can play a dead or a reused pid. */
export interface ProcessProbe {
  /** Whether some process holds `pid` now. */
  isAlive(pid: number): boolean;
  /** The start time of the process that holds `pid` now, or null (gone, or not Linux). */
  startTime(pid: number): number | null;
  /** This boot's id, or null (not Linux). */
  bootId(): string | null;
}

/** Field 22 of /proc/PID/stat, or null. The command name (field 2) may hold spaces and ')': fields are counted after its last ')'. */
export function processStartTime(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // After the name come field 3 (state) onwards, so field 22 is the 20th of them.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const started = Number(fields[19]);
  return Number.isSafeInteger(started) ? started : null;
}

let cachedBootId: string | null | undefined;

/** The id of this boot, or null where the system has none to give. */
export function currentBootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId;
}

/** This host's answers, from the system itself. */
export const SYSTEM_PROBE: ProcessProbe = { isAlive: isProcessAlive, startTime: processStartTime, bootId: currentBootId };

let cachedOwner: ProcessOwner | undefined;

/** This process as the owner of what it creates or resumes. */
export function thisProcessOwner(): ProcessOwner {
  cachedOwner ??= { owner_host: hostname(), owner_pid: process.pid, owner_started: processStartTime(process.pid), owner_boot: currentBootId() };
  return cachedOwner;
}

/**
 * Whether the owner is gone: no owner recorded; or on this host, a boot other than this one, no process with its
 * pid, or a process with its pid that started at another time (the pid was reused). What is not recorded (NULL: a
 * run from before these columns, or a system without them) is not held against the owner. An owner on another host
 * is never judged gone: this host cannot see its processes.
 */
export function isOwnerGone(owner: ProcessOwner, here: string, probe: ProcessProbe = SYSTEM_PROBE): boolean {
  if (owner.owner_pid === null) return true;
  if (owner.owner_host !== here) return false;
  const boot = probe.bootId();
  if (owner.owner_boot !== null && boot !== null && owner.owner_boot !== boot) return true;
  const self = thisProcessOwner();
  // This very process (same pid, and the same start when one was recorded) is alive whatever the probe says.
  if (owner.owner_pid === process.pid && (owner.owner_started === null || self.owner_started === null || owner.owner_started === self.owner_started)) return false;
  if (!probe.isAlive(owner.owner_pid)) return true;
  if (owner.owner_started === null) return false;
  const started = probe.startTime(owner.owner_pid);
  return started !== null && started !== owner.owner_started;
}

/**
 * Of the runs (or sweeps) left `queued` or `running`, those whose owning process is gone (see `isOwnerGone`).
 * `isAlive` replaces the probe's judgement of pids (tests that play pids): then a pid is judged by it alone, not by
 * the start time of whatever real process holds that pid here.
 */
export function orphanedRuns<T extends ProcessOwner>(candidates: readonly T[], here: string, isAlive?: (pid: number) => boolean, probe: ProcessProbe = SYSTEM_PROBE): T[] {
  const judge = isAlive ? { ...probe, isAlive, startTime: () => null } : probe;
  return candidates.filter((run) => isOwnerGone(run, here, judge));
}
