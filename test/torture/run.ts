/**
 * `npm run torture [-- --quick] [-- --only a,b] [-- --iterations N] [-- --json] [-- --require-all]`: the torture
 * harness (issue 15). Runs each case, prints a table of cases, iterations and failures, and exits 1 on any loss.
 * A case that cannot run on this machine says why in the table; with `--require-all` (CI) that is a failure too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TortureResult } from './case';
import { cases } from './cases/index';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const quick = flag('--quick');
const json = flag('--json');
const requireAll = flag('--require-all');
const only = value('--only')?.split(',').filter(Boolean);
const iterationsText = value('--iterations');
const iterations = iterationsText === undefined ? undefined : Number(iterationsText);
if (iterations !== undefined && !(Number.isInteger(iterations) && iterations > 0)) {
  process.stderr.write(`--iterations must be a positive whole number, not ${iterationsText}\n`);
  process.exit(2);
}
const unknown = (only ?? []).filter((name) => !cases.some((c) => c.name === name));
if (unknown.length) {
  process.stderr.write(`no torture case named ${unknown.join(', ')}; the cases are: ${cases.map((c) => c.name).join(', ')}\n`);
  process.exit(2);
}

const selected = cases.filter((c) => !only || only.includes(c.name));
if (!selected.length) {
  process.stderr.write('no torture case is registered (test/torture/cases/index.ts): nothing was tested\n');
  process.exit(1);
}

const rows: Array<{ name: string; seconds: number } & TortureResult> = [];
for (const torture of selected) {
  const workDir = mkdtempSync(join(tmpdir(), `runboard-torture-${torture.name}-`));
  const started = performance.now();
  process.stderr.write(`${torture.name}: ${torture.description}\n`);
  let result: TortureResult;
  try {
    result = await torture.run({ quick, iterations, workDir, log: (line) => process.stderr.write(`  ${line}\n`) });
  } catch (error) {
    // A case that throws has broken, not found a loss: still a failure, with what it said.
    result = { status: 'failed', iterations: 0, failures: [`the case itself failed: ${(error as Error).stack ?? String(error)}`] };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  rows.push({ name: torture.name, seconds: (performance.now() - started) / 1000, ...result });
  for (const failure of result.failures) process.stderr.write(`  FAILED ${failure}\n`);
}

const failed = rows.filter((row) => row.status === 'failed' || (requireAll && row.status === 'cannot-run'));
if (json) {
  process.stdout.write(JSON.stringify({ quick, rows }) + '\n');
} else {
  const header = ['case', 'status', 'iterations', 'failures', 'seconds', 'figures / reason'];
  const lines = rows.map((row) => [
    row.name,
    row.status,
    String(row.iterations),
    String(row.failures.length),
    row.seconds.toFixed(1),
    [row.reason, ...Object.entries(row.figures ?? {}).map(([key, figure]) => `${key}=${figure}`)].filter(Boolean).join(', '),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const print = (cells: string[]) => process.stdout.write(cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd() + '\n');
  print(header);
  for (const line of lines) print(line);
  process.stdout.write(`${rows.length - failed.length} passed, ${failed.length} failed\n`);
}
process.exit(failed.length ? 1 : 0);
