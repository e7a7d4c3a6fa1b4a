import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import { AppError } from '../../src-shared/api/errors';
import { checkpointDirectory } from '../paths';
import type { RunStore } from './run-store';

/** How far a copy is: runs looked at of all the source's runs, and the run at hand. */
export interface CopyProgress {
  done: number;
  total: number;
  name: string;
}

/** What a copy did. */
export interface CopySummary {
  from: string;
  to: string;
  /** Runs written by this copy, and their metric points. */
  runs: number;
  points: number;
  /** Sweeps written by this copy (with their trials and rung reports). */
  sweeps: number;
  /** Runs and sweeps that were in the destination already: copied before, first logged there, or imported there from the same external run. */
  skippedRuns: number;
  skippedSweeps: number;
  /** Runs still queued or running in the source: not copied (a copy is taken once, so it would stay incomplete); copy again when they end. */
  unfinished: { id: number; name: string; status: string }[];
  /** Saved weights (`checkpoints/<run id>/` in the stores' files folders). */
  checkpoints: {
    /** Folders copied to the destination's files folder under the run's id there. */
    copied: number;
    /** Folders not copied, with why. */
    notCopied: { runId: number; reason: string }[];
  };
}

/**
 * Copies everything of `source` into `destination` (`runboard db copy`): experiments, sweeps with their trials, claim states and
 * rung reports, then every run (the trash too) with its params, every metric point, summaries, artifacts, tags, notes
 * and archive state, each in one transaction, and the saved weights folder of each run. The destination gives its own
 * ids (parent, sweep and trial links follow them) and records each thing's origin, so copying again adds nothing and
 * an interrupted copy goes on where it stopped. Runs still queued or running are left for a later copy. Holds the
 * destination's copy lock throughout.
 * @throws AppError(BAD_INPUT) when both are the same store; AppError(CONFLICT) when another copy writes into the destination.
 */
export async function copyStore(source: RunStore, destination: RunStore, options: { onProgress?: (progress: CopyProgress) => void } = {}): Promise<CopySummary> {
  const [from, to] = await Promise.all([source.copies.identity(), destination.copies.identity()]);
  if (from === to) {
    throw new AppError('BAD_INPUT', `--from ${source.path} and --to ${destination.path} are the same store (one may be a file copy of the other): there is nothing to copy.`);
  }
  const release = await destination.copies.lock();
  try {
    const summary: CopySummary = { from: source.path, to: destination.path, runs: 0, points: 0, sweeps: 0, skippedRuns: 0, skippedSweeps: 0, unfinished: [], checkpoints: { copied: 0, notCopied: [] } };
    const { runIds, sweepIds } = await source.copies.contents();
    // Experiments by name, those without runs too (an MLflow script may have made one and logged nothing yet).
    for (const { name } of await source.listExperiments()) {
      const experiment = await source.findExperiment({ name });
      if (experiment) await destination.copies.writeExperiment(experiment);
    }
    const sweepIdHere = new Map<number, number>();
    for (const sweepId of sweepIds) {
      const sweep = await source.copies.readSweep(sweepId);
      if (!sweep) continue;
      const landed = await destination.copies.writeSweep(sweep);
      sweepIdHere.set(sweepId, landed.id);
      if (landed.created) summary.sweeps++;
      else summary.skippedSweeps++;
    }
    const runIdHere = new Map<number, number>();
    let done = 0;
    for (const runId of runIds) {
      const run = await source.copies.readRun(runId);
      options.onProgress?.({ done, total: runIds.length, name: run?.row.name ?? '' });
      done++;
      if (!run) continue;
      if (run.row.status === 'queued' || run.row.status === 'running') {
        summary.unfinished.push({ id: runId, name: run.row.name, status: run.row.status });
        continue;
      }
      // A parent always has a lower id than its children (it exists when they are created), so it was copied first.
      const landed = await destination.copies.writeRun(run, {
        parentRunId: run.parentRunId === null ? null : (runIdHere.get(run.parentRunId) ?? null),
        sweepId: run.sweepId === null ? null : (sweepIdHere.get(run.sweepId) ?? null),
      });
      runIdHere.set(runId, landed.id);
      if (landed.created) {
        summary.runs++;
        summary.points += run.metrics.length;
      } else summary.skippedRuns++;
      copyCheckpoints(source, destination, runId, landed.id, summary);
    }
    options.onProgress?.({ done, total: runIds.length, name: '' });
    return summary;
  } finally {
    await release();
  }
}

/**
 * Copies a run's saved weights folder into the destination's files folder under its id there, unless there is one
 * already (a copy that was interrupted after the run's transaction copies it when run again). Written to a temporary
 * name and renamed, so a folder is whole or absent.
 */
function copyCheckpoints(source: RunStore, destination: RunStore, sourceId: number, destinationId: number, summary: CopySummary): void {
  const from = checkpointDirectory(source.filesDir, sourceId);
  if (!existsSync(from)) return;
  if (source.filesDir === destination.filesDir) {
    summary.checkpoints.notCopied.push({ runId: sourceId, reason: `both stores keep their files in ${source.filesDir}, where run ids would share folders` });
    return;
  }
  const to = checkpointDirectory(destination.filesDir, destinationId);
  if (existsSync(to)) return;
  const partial = `${to}.partial-${process.pid}`;
  try {
    cpSync(from, partial, { recursive: true });
    renameSync(partial, to);
    summary.checkpoints.copied++;
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    summary.checkpoints.notCopied.push({ runId: sourceId, reason: (error as Error).message });
  }
}
