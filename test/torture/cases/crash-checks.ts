/**
 * The checks the crash cases make on a store after a kill or of a copy: committed epochs kept with their values,
 * no partial epoch, checkpoints whole or absent. Each returns one line per problem found (empty when none).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatValue } from '../../../src-main/cli/format';
import { readManifest } from '../../../src-main/training/checkpoint';
import type { MetricRow, SummaryRow } from './store-reader';

const rowKey = (row: MetricRow) => `${row.run_id}/${row.key}/${row.step}/${row.wall_time}`;

/** Adds what a reader saw to the witness (every row a reader of committed data saw). */
export function witness(into: Map<string, MetricRow>, rows: readonly MetricRow[]): void {
  for (const row of rows) into.set(rowKey(row), row);
}

/** Every witnessed row is still there with its value. */
export function lostRows(seen: ReadonlyMap<string, MetricRow>, after: readonly MetricRow[]): string[] {
  const now = new Map(after.map((row) => [rowKey(row), row]));
  const problems: string[] = [];
  for (const [key, row] of seen) {
    const found = now.get(key);
    if (!found) problems.push(`run ${row.run_id} ${row.key} at epoch ${row.step} was committed (seen by another connection) and is gone`);
    else if (found.value !== row.value || found.special !== row.special) problems.push(`run ${row.run_id} ${row.key} at epoch ${row.step} was ${row.value ?? row.special}, now ${found.value ?? found.special}`);
  }
  return problems;
}

/**
 * The epochs the CLI printed (`epoch N: train_loss X  train_accuracy Y ...`) are in the store with the values printed
 * (to the 4 significant digits printed). `train` prints an epoch only after `store.logEpoch` resolved, which is after
 * its transaction committed (trainer-host.ts emits `run/epoch-logged` after the write), so each line is a committed epoch.
 */
export function lostPrintedEpochs(stdout: string, runId: number, after: readonly MetricRow[]): { epochs: number; problems: string[] } {
  const stored = new Map(after.filter((row) => row.run_id === runId).map((row) => [`${row.key}/${row.step}`, row]));
  const problems: string[] = [];
  let epochs = 0;
  for (const line of stdout.split('\n')) {
    const match = /^(?:\r\x1b\[K)?epoch (\d+): (.*)$/.exec(line);
    if (!match) continue;
    epochs++;
    const step = Number(match[1]);
    for (const [, key, printed] of (match[2] as string).matchAll(/(\w+) (\S+)/g)) {
      const row = stored.get(`${key}/${step}`);
      const value = row ? formatValue(row.value ?? (row.special as string)) : undefined;
      if (printed === '-' && !row) continue;
      if (value !== printed) problems.push(`run ${runId} epoch ${step}: the CLI printed ${key} ${printed}, the store has ${value ?? 'nothing'}`);
    }
  }
  return { epochs, problems };
}

/**
 * No partial epoch: every run's steps are 1..n without a gap, each with every metric the run logs, and its summaries
 * count n epochs ending at n.
 */
export function partialEpochs(metrics: readonly MetricRow[], summaries: readonly SummaryRow[]): string[] {
  const problems: string[] = [];
  const byRun = new Map<number, Map<number, Set<string>>>();
  for (const row of metrics) {
    const steps = byRun.get(row.run_id) ?? new Map<number, Set<string>>();
    byRun.set(row.run_id, steps);
    const keys = steps.get(row.step) ?? new Set<string>();
    steps.set(row.step, keys);
    keys.add(row.key);
  }
  for (const [runId, steps] of byRun) {
    const all = new Set([...steps.values()].flatMap((keys) => [...keys]));
    const numbers = [...steps.keys()].sort((a, b) => a - b);
    numbers.forEach((step, index) => {
      if (step !== index + 1) problems.push(`run ${runId}: epoch ${index + 1} is missing before epoch ${step}`);
    });
    for (const [step, keys] of steps) {
      if (keys.size !== all.size) problems.push(`run ${runId} epoch ${step} is partial: ${[...all].filter((k) => !keys.has(k)).join(', ')} missing`);
    }
    for (const summary of summaries.filter((s) => s.run_id === runId)) {
      if (summary.last_step !== numbers.length || summary.count !== numbers.length) {
        problems.push(`run ${runId} ${summary.key}: its summary says ${summary.count} epochs up to ${summary.last_step}, the metrics have ${numbers.length}`);
      }
    }
  }
  return problems;
}

/**
 * Checkpoints on disk are whole or absent: each manifest (`checkpoints/<run>/<name>.json`) reads as a Runboard
 * checkpoint and its `.bin` holds exactly the float32 weights it names, which is what loading needs (the worker
 * writes both to temporary files and renames them). A leftover `.tmp` is a write that never finished: harmless,
 * as nothing reads it. `expected` lists checkpoints a finished run's outcome says it saved: they must be there.
 */
export function brokenCheckpoints(filesDir: string, expected: ReadonlyArray<{ runId: number; name: 'final' | 'best' }>): string[] {
  const problems: string[] = [];
  const root = join(filesDir, 'checkpoints');
  const dirs = existsSync(root) ? readdirSync(root) : [];
  for (const dir of dirs) {
    for (const file of readdirSync(join(root, dir)).filter((name) => name.endsWith('.json'))) {
      const manifestFile = join(root, dir, file);
      try {
        const manifest = readManifest(manifestFile);
        const floats = Math.max(0, ...manifest.weights.flatMap((layer) => layer.tensors.map((t) => t.offset + t.shape.reduce((a, b) => a * b, 1))));
        const weights = manifestFile.replace(/\.json$/, '.bin');
        const size = existsSync(weights) ? statSync(weights).size : -1;
        if (size !== floats * 4) problems.push(`checkpoint ${manifestFile}: its weights file has ${size} bytes, the manifest names ${floats * 4}`);
      } catch (error) {
        problems.push(`checkpoint ${manifestFile} does not load: ${(error as Error).message}`);
      }
    }
  }
  for (const { runId, name } of expected) {
    if (!existsSync(join(root, String(runId), `${name}.json`))) problems.push(`run ${runId} says it saved its ${name} checkpoint, which is not on disk`);
  }
  return problems;
}
