/**
 * `runboard report` through the built CLI (a subprocess, as a user runs it): each flag reaches the file (--runs,
 * --filter, --sweep, --columns, --title, --note, --note-file, --out), and each bad input (no runs, unknown ids, an
 * unknown sweep, a folder that does not exist, a note file that cannot be read, no selection or two) gives one line
 * on stderr, a non-zero exit, and writes nothing: no file, no temporary file, an existing file left as it was.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { assertCliIsBuilt, killAll, makeTempDir, removeTempDirs, runCli } from './helpers';

/** Runs 1-3 by hand (lr differs; run 2 is named with markup); runs 4-6 are the trials of sweep 1. */
const RUNS = [
  { name: 'slow', lr: 0.001, optimizer: 'sgd' },
  { name: '<b>bold</b> & co', lr: 0.1, optimizer: 'adam' },
  { name: 'middle', lr: 0.01, optimizer: 'sgd' },
] as const;

let dir: string;
let db: string;

beforeAll(async () => {
  assertCliIsBuilt();
  dir = makeTempDir();
  db = join(dir, 'runs.db');
  const store = SqliteStore.open({ path: db, explicit: true });
  try {
    const log = async (runId: number, accuracy: number) => {
      await store.markRunning(runId, { backend: 'wasm', device: 'cpu', time: Date.UTC(2026, 10, 1) });
      for (const epoch of [1, 2, 3]) await store.logEpoch(runId, { step: epoch, time: epoch, metrics: { train_loss: 1 / epoch, val_loss: 1.2 / epoch, val_accuracy: (accuracy * epoch) / 3 } });
      await store.endRun(runId, { status: 'finished', time: Date.UTC(2026, 10, 1) + 1000 });
    };
    for (const r of RUNS) {
      const run = await store.createRun({ experiment: 'default', name: r.name, config: {}, params: { lr: r.lr, optimizer: r.optimizer }, seed: 1, backend: 'wasm' });
      await log(run.run_id, 0.5 + r.lr);
    }
    const lrs = [0.002, 0.02, 0.2];
    const sweepId = await store.sweeps.create({
      name: 'lr-search',
      experiment: 'default',
      strategy: 'random',
      space: [{ name: 'lr', distribution: 'loguniform(0.001,0.3)' }],
      fixed: {},
      objective: { metric: 'val_accuracy', direction: 'max' },
      trials: lrs.map((lr) => ({ lr })),
      seed: 1,
      parallel: 1,
      asha: null,
    });
    for (const [i, lr] of lrs.entries()) {
      const run = await store.createRun({ experiment: 'default', config: {}, params: { lr }, seed: 1, backend: 'wasm', sweep: { sweepId, trial: i + 1 } });
      await log(run.run_id, 0.6 + i * 0.1);
    }
    await store.sweeps.create({ name: 'empty', experiment: 'default', strategy: 'grid', space: [{ name: 'lr', distribution: '[0.1]' }], fixed: {}, objective: { metric: 'val_accuracy', direction: 'max' }, trials: [{ lr: 0.1 }], seed: 1, parallel: 1, asha: null });
  } finally {
    store.close();
  }
});

afterAll(() => {
  killAll();
  removeTempDirs();
});

/** Runs `runboard report ... --db db` and returns the written file's text. */
async function report(args: readonly string[]): Promise<{ html: string; stderr: string }> {
  const out = join(makeTempDir(), 'report.html');
  const result = await runCli(['report', ...args, '--out', out, '--db', db]);
  expect(result.code, result.stderr).toBe(0);
  return { html: readFileSync(out, 'utf8'), stderr: result.stderr };
}

/** The run ids of the runs table's rows. */
function tableRuns(html: string): number[] {
  const table = html.slice(html.indexOf('<section id="runs">'), html.indexOf('</section>', html.indexOf('<section id="runs">')));
  return [...table.matchAll(/<tr data-run="(\d+)">/g)].map((m) => Number(m[1]));
}

describe('runboard report', () => {
  it('--runs reports those runs, --out names the file, and stderr says where it went', async () => {
    const out = join(makeTempDir(), 'compared.html');
    const result = await runCli(['report', '--runs', '3,1', '--out', out, '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^Wrote a report of 2 runs to ${out.replace(/[.]/g, '\\.')} \\(\\d+ KiB\\)\\n$`));
    const html = readFileSync(out, 'utf8');
    expect(tableRuns(html)).toEqual([1, 3]);
    expect(html).toContain('<title>2 runs compared</title>');
    expect(readdirSync(join(out, '..'))).toEqual(['compared.html']);
  });

  it('--filter reports the runs that match, with the filter language of runs and export', async () => {
    expect(tableRuns((await report(['--filter', 'params.lr >= 0.01 and params.lr < 0.15'])).html)).toEqual([2, 3, 5]);
  });

  it("--sweep reports a sweep's trials with its plots and importance", async () => {
    const { html } = await report(['--sweep', '1']);
    expect(tableRuns(html)).toEqual([4, 5, 6]);
    expect(html).toContain('<title>Sweep #1 lr-search</title>');
    for (const id of ['sweep', 'sampled', 'parallel', 'importance']) expect(html, id).toContain(`<section id="${id}">`);
  });

  it('--columns chooses the runs table\'s columns, in order', async () => {
    const { html } = await report(['--runs', '1,2', '--columns', 'name,params.lr,best.val_accuracy']);
    const table = html.slice(html.indexOf('<table class="runs">'), html.indexOf('</thead>', html.indexOf('<table class="runs">')));
    const names = [...table.matchAll(/<th scope="col"[^>]*>(.+?)<\/th>/g)].map((m) => (m[1] as string).replace(/<wbr>/g, ''));
    expect(names).toEqual(['name', 'params.lr', 'best.val_accuracy']);
  });

  it('--title and --note (or --note-file) head the report, escaped, the note in paragraphs', async () => {
    const { html } = await report(['--runs', '2', '--title', 'Learning <rates>', '--note', 'Adam wins.\n\nTry <script>x</script> & more.']);
    expect(html).toContain('<h1>Learning &#60;rates&#62;</h1>');
    expect(html).toContain('<div class="note"><p>Adam wins.</p>\n<p>Try &#60;script&#62;x&#60;/script&#62; &#38; more.</p></div>');
    expect(html).toContain('&#60;b&#62;bold&#60;/b&#62; &#38; co');
    expect(html).not.toMatch(/<script|<b>/i);
    const noteFile = join(makeTempDir(), 'note.txt');
    writeFileSync(noteFile, 'From a file.\nSecond line.\n');
    expect((await report(['--runs', '2', '--note-file', noteFile])).html).toContain('<div class="note"><p>From a file.<br>Second line.</p></div>');
  });

  describe('bad input: one line on stderr, a non-zero exit, nothing written', () => {
    const cases: [string, (folder: string) => string[], RegExp][] = [
      ['a filter that matches no run', () => ['--filter', 'params.lr > 5'], /^runboard: Cannot write the report: no run matches the filter "params\.lr > 5"\.$/],
      ['unknown run ids', () => ['--runs', '1,98,99'], /^runboard: Cannot write the report: no run with id 98, 99\.$/],
      ['an unknown sweep', () => ['--sweep', '9'], /^runboard: Cannot write the report: sweep 9 does not exist\.$/],
      ['a sweep without runs', () => ['--sweep', '2'], /^runboard: Cannot write the report: sweep 2 has no runs yet\.$/],
      ['an unknown column', () => ['--runs', '1', '--columns', 'name,params.nope'], /^runboard: Cannot write the report: unknown column params\.nope; valid columns: /],
      ['a note file that does not exist', (folder) => ['--runs', '1', '--note-file', join(folder, 'missing.txt')], /^runboard: --note-file: cannot read .*missing\.txt: it does not exist\.$/],
      ['a note file that is a folder', (folder) => ['--runs', '1', '--note-file', folder], /^runboard: --note-file: cannot read .*: it is a folder\.$/],
      ['no selection', () => [], /^runboard: Say which runs to report with one of --filter EXPR, --runs 1,2,3 or --sweep ID \(none was given\)\.$/],
      ['two selections', () => ['--runs', '1', '--sweep', '1'], /^runboard: Say which runs to report with one of --filter EXPR, --runs 1,2,3 or --sweep ID \(not --runs and --sweep together\)\.$/],
      ['bad run ids', () => ['--runs', '1,two'], /^runboard: --runs: write run ids separated by commas, e.g\. 1,2,3, not "two"\.$/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const folder = makeTempDir();
        const out = join(folder, 'report.html');
        writeFileSync(out, 'the old report');
        const result = await runCli(['report', ...args(folder), '--out', out, '--db', db]);
        expect(result.code).not.toBe(0);
        expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
        expect(result.stderr.trimEnd()).toMatch(message);
        expect(readFileSync(out, 'utf8')).toBe('the old report');
        expect(readdirSync(folder)).toEqual(['report.html']);
      });
    }

    it('an --out in a folder that does not exist', async () => {
      const folder = makeTempDir();
      const out = join(folder, 'missing', 'report.html');
      const result = await runCli(['report', '--runs', '1', '--out', out, '--db', db]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toBe(`runboard: --out: cannot write ${out}: the folder ${join(folder, 'missing')} does not exist.\n`);
      expect(readdirSync(folder)).toEqual([]);
    });

    it('an --out that is a folder, and no --out', async () => {
      const folder = makeTempDir();
      mkdirSync(join(folder, 'taken.html'));
      const taken = await runCli(['report', '--runs', '1', '--out', join(folder, 'taken.html'), '--db', db]);
      expect([taken.code, taken.stderr]).toEqual([2, `runboard: --out: cannot write ${join(folder, 'taken.html')}: it is a folder.\n`]);
      const none = await runCli(['report', '--runs', '1', '--db', db]);
      expect([none.code, none.stderr]).toEqual([2, 'runboard: --out: name the HTML file to write, e.g. --out report.html.\n']);
    });
  });
});
