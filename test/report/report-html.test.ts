/**
 * The HTML report, generated from a store: what it shows (the runs table with its columns, one overlaid curve per run
 * and metric in the app's run colours, only the params that differ, a sweep's figures with the sweep page's own
 * importance), that every text from the store or the user is escaped, that nothing in it loads or runs, its size for
 * 50 runs of 50 epochs (and of 2,000), and its refusals.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runColor } from '../../src-shared/charts/run-colors';
import { AppError } from '../../src-shared/api/errors';
import { hyperparameterImportance } from '../../src-shared/search/importance';
import { seedRuns } from '../../src-main/dev/seed-runs';
import { buildReport, reportPoints } from '../../src-main/report';
import { noteHtml } from '../../src-main/report/html-text';
import { SqliteStore } from '../../src-main/store/sqlite-store';
import { useTempDir } from '../helpers/temp';

const tempDir = useTempDir();
const VERSION = '9.9.9';
const NASTY = `<script>alert("x")</script> & 'quoted' "double"`;

function openStore(): SqliteStore {
  return SqliteStore.open({ path: join(tempDir(), 'runs.db'), explicit: true });
}

/** Runs that differ in lr (and run 3 in its optimizer), share momentum and epochs; one has a hostile name and note. */
async function comparedRuns(store: SqliteStore): Promise<void> {
  const runs = [
    { name: NASTY, params: { lr: 0.1, optimizer: 'sgd', momentum: 0.9, epochs: 3, hidden: NASTY } },
    { name: 'second', params: { lr: 0.01, optimizer: 'sgd', momentum: 0.9, epochs: 3, hidden: '64' } },
    { name: 'third', params: { lr: 0.001, optimizer: 'adam', momentum: 0.9, epochs: 3, hidden: '64' } },
  ];
  for (const [i, r] of runs.entries()) {
    const run = await store.createRun({ experiment: 'default', name: r.name, config: {}, params: r.params, seed: 1, backend: 'wasm' });
    await store.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: Date.UTC(2026, 10, 1) });
    for (let epoch = 1; epoch <= 3; epoch++) {
      await store.logEpoch(run.run_id, { step: epoch, time: epoch, metrics: { train_loss: 1 / (epoch + i), val_loss: 1.1 / (epoch + i), val_accuracy: 0.5 + 0.1 * epoch - 0.01 * i } });
    }
    await store.endRun(run.run_id, { status: 'finished', time: Date.UTC(2026, 10, 1) + 1000 });
  }
  await store.annotations.setTags(1, { stage: NASTY });
}

/** The text between `<section id="ID">` and its `</section>`. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('the HTML report', () => {
  it('escapes run names, params, tags and notes with <script>, & and quotes, and holds no script and loads nothing', async () => {
    const store = openStore();
    try {
      await comparedRuns(store);
      const { html } = await buildReport(store, { runIds: [1, 2, 3], columns: ['run_id', 'name', 'params.hidden', 'tags.stage'] }, { version: VERSION, title: `Title ${NASTY}`, note: `Note ${NASTY}` });
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/\son\w+=/i); // no event handler attributes
      expect(html).not.toMatch(/(src|href)=/i); // nothing linked or loaded
      expect(html).not.toMatch(/url\((?!#)/); // no CSS that fetches (only SVG clip paths by id)
      const escaped = '&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;quoted&#39; &#34;double&#34;';
      expect(html).toContain(`<title>Title ${escaped}</title>`);
      expect(html).toContain(`<p>Note ${escaped}</p>`);
      const runs = section(html, 'runs');
      // The name, the param and the tag columns of run 1: each escaped once, never raw.
      expect(runs.split(escaped).length - 1).toBe(3);
      expect(section(html, 'differences')).toContain(`<td>${escaped}</td>`);
      expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`);
    } finally {
      store.close();
    }
  });

  it('writes the note as plain text: paragraphs at blank lines, line breaks kept, markup shown as text', () => {
    expect(noteHtml('First line\nsecond line\n\n\n  Next <b>paragraph</b> & more  \n\n')).toBe('<p>First line<br>second line</p>\n<p>Next &#60;b&#62;paragraph&#60;/b&#62; &#38; more</p>');
    expect(noteHtml('  \n \n')).toBe('');
  });

  it('shows only the params that differ between the runs, a row per run', async () => {
    const store = openStore();
    try {
      await comparedRuns(store);
      const { html } = await buildReport(store, { runIds: [1, 2, 3] }, { version: VERSION });
      const differences = section(html, 'differences');
      const headers = [...differences.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]);
      // In the app's param order (the Compare page's), not alphabetical.
      expect(headers).toEqual(['run', 'hidden', 'optimizer', 'lr']);
      expect(differences).toContain('3 params differ between the runs; 2 others are the same in every run.');
      expect([...differences.matchAll(/<tr data-run="(\d+)">/g)].map((m) => Number(m[1]))).toEqual([1, 2, 3]);
      // The default runs table leaves the params to this table (it stays narrow enough to print).
      expect(section(html, 'runs')).not.toContain('params.');
    } finally {
      store.close();
    }
  });

  it('overlays one curve per run for each metric logged per epoch, in the app\'s run colours, as inline SVG', async () => {
    const store = openStore();
    try {
      await comparedRuns(store);
      const { html } = await buildReport(store, { filter: 'params.momentum = 0.9' }, { version: VERSION });
      const curves = section(html, 'curves');
      const charts = [...curves.matchAll(/<figure class="chart" data-metric="([^"]+)">([\s\S]*?)<\/figure>/g)];
      expect(charts.map((c) => c[1])).toEqual(['train_loss', 'val_loss', 'val_accuracy']);
      for (const [, metric, svg] of charts) {
        expect(svg, metric).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" id="curve-\d" role="img"/);
        const paths = [...(svg as string).matchAll(/<path data-run="(\d+)" d="([^"]+)" stroke="(#[0-9a-f]{6})"/g)];
        expect(paths.map((p) => [Number(p[1]), p[3]]), metric).toEqual([1, 2, 3].map((id, i) => [id, runColor(i, 3)]));
        for (const p of paths) expect((p[2] as string).match(/[ML]/g)?.length, metric).toBe(3); // three epochs each
      }
      // The legend names each run with its colour.
      expect(curves).toContain(`<span class="swatch" style="background: ${runColor(1, 3)}"></span><span class="id">#2</span> second`);
    } finally {
      store.close();
    }
  });

  it('stays under 2 MB for 50 runs of 50 epochs, and for 50 runs of 2,000 epochs (curves downsampled to a budget for all of them)', async () => {
    for (const epochs of [50, 2000]) {
      const store = openStore();
      try {
        await seedRuns(store, { runs: 50, epochs, seed: 3 });
        const { html, runs } = await buildReport(store, { filter: 'run_id > 0' }, { version: VERSION, note: 'x'.repeat(2000) });
        expect(runs).toBe(50);
        const bytes = Buffer.byteLength(html);
        expect(bytes, `${epochs} epochs: ${bytes} bytes`).toBeLessThan(2 * 1024 * 1024);
        // The seeded runs log 6 metrics a epoch: 250 points per curve.
        const charts = [...section(html, 'curves').matchAll(/<figure class="chart"/g)].length;
        expect(charts).toBe(6);
        const path = /<path data-run="1" d="([^"]+)"/.exec(section(html, 'curves'))?.[1] ?? '';
        expect(path.match(/[ML]/g)?.length, `${epochs} epochs`).toBe(Math.min(epochs, reportPoints(50, 6)));
        expect(reportPoints(50, 6)).toBe(250);
      } finally {
        store.close();
      }
    }
  });

  it('stays under 2 MB for 50 runs of 1,000 epochs that log 16 metrics each', async () => {
    const store = openStore();
    try {
      for (let r = 0; r < 50; r++) {
        const run = await store.createRun({ experiment: 'default', name: `run-${r}`, config: {}, params: { lr: 0.001 * (r + 1) }, seed: r, backend: 'wasm' });
        for (let epoch = 1; epoch <= 1000; epoch++) {
          const metrics = Object.fromEntries(Array.from({ length: 16 }, (_, k) => [`metric_${k}`, Math.sin(epoch / (k + 3) + r) / epoch + k]));
          await store.logEpoch(run.run_id, { step: epoch, time: epoch, metrics });
        }
      }
      const { html } = await buildReport(store, { filter: 'run_id > 0' }, { version: VERSION });
      expect([...section(html, 'curves').matchAll(/<figure class="chart"/g)]).toHaveLength(16);
      const bytes = Buffer.byteLength(html);
      expect(bytes, `${bytes} bytes`).toBeLessThan(2 * 1024 * 1024);
    } finally {
      store.close();
    }
  }, 120_000);

  it("draws a sweep's sampled values, parallel coordinates and importance (the sweep page's forest)", async () => {
    const store = openStore();
    try {
      const lrs = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3];
      const momenta = [0.8, 0.95, 0.85, 0.9, 0.99, 0.82];
      const sweepId = await store.sweeps.create({
        name: `search ${NASTY}`,
        experiment: 'default',
        strategy: 'random',
        space: [
          { name: 'lr', distribution: 'loguniform(0.001,0.3)' },
          { name: 'momentum', distribution: 'uniform(0.8,0.99)' },
        ],
        fixed: {},
        objective: { metric: 'val_accuracy', direction: 'max' },
        trials: lrs.map((lr, i) => ({ lr, momentum: momenta[i] as number })),
        seed: 1,
        parallel: 1,
        asha: null,
      });
      for (const [i, lr] of lrs.entries()) {
        const run = await store.createRun({ experiment: 'default', config: {}, params: { lr, momentum: momenta[i] as number }, seed: 1, backend: 'wasm', sweep: { sweepId, trial: i + 1 } });
        await store.markRunning(run.run_id, { backend: 'wasm', device: 'cpu', time: 1 });
        for (const epoch of [1, 2]) await store.logEpoch(run.run_id, { step: epoch, time: epoch, metrics: { val_accuracy: 0.5 + 0.4 * Math.exp(-((Math.log10(lr) + 1.5) ** 2)) * (epoch / 2) } });
        await store.endRun(run.run_id, { status: 'finished', time: 2 });
      }
      const { html, filename, runs } = await buildReport(store, { sweepId }, { version: VERSION });
      expect(runs).toBe(6);
      expect(filename).toMatch(new RegExp(`^runboard-report-sweep-${sweepId}-\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d\\.html$`));
      expect(html).not.toMatch(/<script/i);
      expect(section(html, 'runs')).toContain('<th scope="col" class="num">trial</th>');
      expect(section(html, 'runs')).toContain('<th scope="col" class="num">best.<wbr>val_accuracy</th>');
      const sampled = section(html, 'sampled');
      expect([...sampled.matchAll(/<svg [^>]*class="sampled"/g)]).toHaveLength(2);
      expect([...sampled.matchAll(/<circle /g)]).toHaveLength(12);
      const parallel = section(html, 'parallel');
      expect(parallel).toContain('aria-label="parallel coordinates: 6 trials across 3 axes"');
      expect([...parallel.matchAll(/<polyline /g)]).toHaveLength(6);
      const detail = await store.sweeps.get(sweepId);
      const expected = hyperparameterImportance(
        (detail?.trials ?? []).map((t) => ({ params: t.params, value: t.value as number })),
        ['lr', 'momentum'],
        new Set(['lr']),
      );
      const importance = section(html, 'importance');
      const shown = [...importance.matchAll(/<tr data-param="(\w+)">.*?<td class="num">(\d+)%<\/td>/g)].map((m) => [m[1], Number(m[2])]);
      expect(shown).toEqual(expected.params.map((p) => [p.name, Math.round(p.importance * 100)]));
    } finally {
      store.close();
    }
  });

  it('refuses no runs, unknown run ids, an unknown sweep and an unknown column, naming what is wrong', async () => {
    const store = openStore();
    try {
      await comparedRuns(store);
      const refusal = (promise: Promise<unknown>) => promise.then(() => 'written', (error: unknown) => (error instanceof AppError ? `${error.code}: ${error.message}` : String(error)));
      expect(await refusal(buildReport(store, { filter: 'params.lr > 5' }, { version: VERSION }))).toBe('NOT_FOUND: Cannot write the report: no run matches the filter "params.lr > 5".');
      expect(await refusal(buildReport(store, { runIds: [2, 41, 42] }, { version: VERSION }))).toBe('NOT_FOUND: Cannot write the report: no run with id 41, 42.');
      expect(await refusal(buildReport(store, { sweepId: 7 }, { version: VERSION }))).toBe('NOT_FOUND: Cannot write the report: sweep 7 does not exist.');
      expect(await refusal(buildReport(store, { runIds: [1], columns: ['run_id', 'nope'] }, { version: VERSION }))).toMatch(/^BAD_INPUT: Cannot write the report: unknown column nope; valid columns: run_id, /);
    } finally {
      store.close();
    }
  });
});
