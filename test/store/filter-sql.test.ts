/**
 * How a filter becomes SQL (`store/filter-sql.ts`), beyond the field-by-field checks of filter-fields.test.ts: a
 * param compares with the value of its own type, each metric group reads its own summary, text search escapes
 * LIKE's wildcards, and every refusal says what is wrong and where.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { compileFilter, type KnownColumns } from '../../src-main/store/filter-sql';
import type { RunStore } from '../../src-main/store/run-store';
import type { ParamValue } from '../../src-shared/entities/train-config';
import { AppError } from '../../src-shared/api/errors';
import { describeStores } from '../helpers/stores';

describeStores('filters compiled to SQL', ({ open: openStore }) => {
  let store: RunStore;

  /**
   * | name       | params                              | val_accuracy by epoch | val_loss by epoch | tags         | notes      |
   * | num-one    | x = 1, flag = 1, opt = "sgd"        | 0.5, 0.9, 0.7         | 0.8, 0.2, 0.4     | stage = final | a_b        |
   * | text-one   | x = "1", flag = true, opt = "adam"  | 0.6, 0.65             | 0.5, 0.45         |              | 50% done   |
   * | none       | flag = false                        | 0.3                   | 1.5               | stage = draft | back\slash |
   * | plain      | x = 2, backend = "WASM"             |                       |                   |              |            |
   */
  beforeEach(async () => {
    store = await openStore();
    const add = async (name: string, params: Record<string, ParamValue>, accuracy: number[], loss: number[], tags: Record<string, string>, notes: string | null) => {
      const run = await store.createRun({ experiment: 'default', name, config: {}, params, seed: 1, backend: 'wasm' });
      for (const [i, value] of accuracy.entries()) await store.logEpoch(run.run_id, { step: i + 1, time: i + 1, metrics: { val_accuracy: value, val_loss: loss[i] as number } });
      if (Object.keys(tags).length > 0) await store.annotations.setTags(run.run_id, tags);
      if (notes !== null) await store.annotations.setNotes(run.run_id, notes);
    };
    await add('num-one', { x: 1, flag: 1, opt: 'sgd' }, [0.5, 0.9, 0.7], [0.8, 0.2, 0.4], { stage: 'final' }, 'a_b');
    await add('text-one', { x: '1', flag: true, opt: 'adam' }, [0.6, 0.65], [0.5, 0.45], {}, '50% done');
    await add('none', { flag: false }, [0.3], [1.5], { stage: 'draft' }, 'back\\slash');
    await add('plain', { x: 2, backend: 'WASM' }, [], [], {}, null);
  });

  const select = async (filter: string) => (await store.queryRuns({ filter, sort: { column: 'run_id', direction: 'asc' }, offset: 0, limit: 100 })).runs.map((r) => r.name);
  const refusal = async (filter: string) => {
    const error = await select(filter).catch((e: unknown) => e);
    if (!(error instanceof AppError)) throw new Error(`expected "${filter}" to be refused`);
    return error;
  };

  describe('params compare with the value of their own type', () => {
    it('a number with number params; text with any param written as text (MLflow compares params as text)', async () => {
      expect(await select('params.x = 1')).toEqual(['num-one']);
      expect(await select('params.x = "1"')).toEqual(['num-one', 'text-one']);
      expect(await select('params.x >= 1')).toEqual(['num-one', 'plain']);
      expect(await select('params.x in (1, 2)')).toEqual(['num-one', 'plain']);
      expect(await select('params.x in ("1", "2")')).toEqual(['num-one', 'text-one', 'plain']);
    });

    it('true and false with boolean params only', async () => {
      expect(await select('params.flag = true')).toEqual(['text-one']);
      expect(await select('params.flag = false')).toEqual(['none']);
      expect(await select('params.flag = 1')).toEqual(['num-one']);
    });

    it('compares text params exactly, even one named like a caseless attribute', async () => {
      expect(await select('params.backend = "WASM"')).toEqual(['plain']);
      expect(await select('params.backend = "wasm"')).toEqual([]);
      expect(await select('params.opt = "SGD"')).toEqual([]);
    });

    it('searches text params ignoring case', async () => {
      expect(await select('params.opt ~ "AD"')).toEqual(['text-one']);
      expect(await select('params.opt !~ "AD"')).toEqual(['num-one']);
    });
  });

  describe('each metric group reads its own summary', () => {
    it('metrics.* the final value, min.* the lowest, max.* the highest', async () => {
      expect(await select('metrics.val_accuracy >= 0.65')).toEqual(['num-one', 'text-one']);
      expect(await select('metrics.val_accuracy > 0.68')).toEqual(['num-one']);
      expect(await select('max.val_accuracy > 0.8')).toEqual(['num-one']);
      expect(await select('min.val_accuracy < 0.55')).toEqual(['num-one', 'none']);
    });

    it('metrics.* is not the highest value, and max.* is not the best of a loss', async () => {
      expect(await select('metrics.val_accuracy > 0.8')).toEqual([]);
      expect(await select('max.val_loss > 0.7')).toEqual(['num-one', 'none']);
    });

    it('best.* is the highest accuracy and the lowest loss', async () => {
      expect(await select('best.val_accuracy >= 0.9')).toEqual(['num-one']);
      expect(await select('best.val_accuracy < 0.62')).toEqual(['none']);
      expect(await select('best.val_loss <= 0.2')).toEqual(['num-one']);
      expect(await select('best.val_loss > 1')).toEqual(['none']);
    });
  });

  describe('text search', () => {
    it('takes % and _ literally, and a backslash as itself', async () => {
      expect(await select('notes ~ "_"')).toEqual(['num-one']);
      expect(await select('notes ~ "%"')).toEqual(['text-one']);
      expect(await select('notes ~ "\\\\"')).toEqual(['none']);
      expect(await select('notes ~ "a_b"')).toEqual(['num-one']);
    });

    it('ignores case beyond ASCII, and finds accented text written as it is', async () => {
      await store.createRun({ experiment: 'default', name: 'École-Ünïcode', config: {}, params: {}, seed: 1, backend: 'wasm' });
      for (const text of ['École', 'école', 'ÉCOLE', 'ünï', 'ÜNÏCODE']) expect(await select(`name ~ "${text}"`), text).toEqual(['École-Ünïcode']);
      expect(await select('name !~ "éCOLE"')).not.toContain('École-Ünïcode');
    });

    it('searches tags, and "!~" keeps runs without the text, those without a value included', async () => {
      expect(await select('tags.stage ~ "FIN"')).toEqual(['num-one']);
      expect(await select('notes !~ "DONE"')).toEqual(['num-one', 'none', 'plain']);
    });

    it('combines conditions with and, or and not, and negates in (...) with not in', async () => {
      expect(await select('tags.stage = "final" or tags.stage = "draft"')).toEqual(['num-one', 'none']);
      expect(await select('not (tags.stage = "final") and params.flag = false')).toEqual(['none']);
      // A run without the param is not in the list either.
      expect(await select('params.opt not in ("sgd")')).toEqual(['text-one', 'none', 'plain']);
    });
  });

  describe('refusals say what is wrong and where', () => {
    it('a value of the wrong type for a param or attribute, at the column of the condition', async () => {
      expect((await refusal('run_id = "x"')).message).toBe('Filter: run_id is a number: compare it with a number, not "x" (at column 1).');
      expect((await refusal('name = "a" or metrics.val_loss < "low"')).message).toBe('Filter: metrics.val_loss is a number: compare it with a number, not "low" (at column 15).');
      expect((await refusal('name = 3')).message).toBe('Filter: name is text: compare it with a quoted string (at column 1).');
      expect((await refusal('archived = "yes"')).message).toBe('Filter: archived is true or false (at column 1).');
    });

    it('refuses a value of the wrong type for every attribute', async () => {
      for (const attribute of ['run_id', 'sweep', 'trial', 'parent', 'seed', 'epochs', 'duration']) {
        expect((await refusal(`${attribute} = "a"`)).message, attribute).toBe(`Filter: ${attribute} is a number: compare it with a number, not "a" (at column 1).`);
      }
      for (const attribute of ['name', 'experiment', 'status', 'kind', 'backend', 'device', 'notes']) {
        expect((await refusal(`${attribute} = 1`)).message, attribute).toBe(`Filter: ${attribute} is text: compare it with a quoted string (at column 1).`);
      }
      expect((await refusal('archived = "a"')).message).toBe('Filter: archived is true or false (at column 1).');
      expect((await refusal('created = "a"')).message).toBe('Filter: created compares with a date like "2026-11-28" or "2026-11-28T10:00", or ms since 1970 (at column 1).');
    });

    it('compares created with a number of milliseconds as well as a date', async () => {
      expect(await select('created > 0')).toEqual(['num-one', 'text-one', 'none', 'plain']);
      expect(await select('created < 0')).toEqual([]);
    });

    it('refuses a kind that does not exist with = and != alike', async () => {
      expect((await refusal('kind != "eval"')).message).toBe('Filter: there is no kind "eval"; one of train, sanity, external (at column 1).');
    });

    it('refuses a kind that does not exist, naming the kinds, and a substring search on a date', async () => {
      expect((await refusal('kind = "killed"')).message).toBe('Filter: there is no kind "killed"; one of train, sanity, external (at column 1).');
      expect((await refusal('created ~ "2026"')).message).toBe('Filter: "~" searches text; created is a number (at column 1).');
    });

    it('refuses in (...) mixing numbers and strings', async () => {
      expect((await refusal('name = "a" and params.x in (1, "1")')).message).toBe('Filter: the values of "in (...)" must all be numbers or all be strings (at column 16).');
    });

    it('carries the field and the column in the error, and the column once in the message', async () => {
      const error = await refusal('name ~ 3');
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toMatch(/^Filter: .* \(at column 6\)\.$/);
      expect(error.message.match(/at column/g)).toHaveLength(1);
      expect(error.fields).toEqual([{ field: 'filter', message: error.message.replace(/^Filter: /, '').replace(/\.$/, '') }]);
    });

    it('writes the column of a syntax error once, whatever its number of digits', async () => {
      const message = (await refusal('params.x >> 1')).message;
      expect(message).toMatch(/^Filter: .* \(at column 11\)\.$/);
      expect(message.match(/at column/g)).toHaveLength(1);
    });

    it('lists the known names, sorted, with an unknown param, metric or tag; at most twenty', async () => {
      expect((await refusal('params.y = 1')).message).toBe('Filter: unknown param "y"; known: backend, flag, opt, x (at column 1).');
      expect((await refusal('tags.owner = "a"')).message).toBe('Filter: unknown tag "owner"; known: stage (at column 1).');
      expect((await refusal('max.f1 > 0')).message).toBe('Filter: unknown metric "f1"; known: val_accuracy, val_loss (at column 1).');
      const many: KnownColumns = { params: new Set(Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`)), metrics: new Set(), tags: new Set() };
      const listed = (() => {
        try {
          compileFilter('params.q = 1', many);
          return '';
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect(listed).toBe(`Filter: unknown param "q"; known: ${Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}`).join(', ')} (at column 1).`);
      expect(() => compileFilter('metrics.m = 1', { params: new Set(), metrics: new Set(), tags: new Set() })).toThrow(/^Filter: unknown metric "m" \(at column 1\)\.$/);
    });
  });

});

describe('known names', () => {
  const none: KnownColumns = { params: new Set(), metrics: new Set(), tags: new Set() };

  it('asks for fresh names once when a name is missing from a cached list', () => {
    let refreshed = 0;
    const fresh: KnownColumns = { params: new Set(['lr', 'dropout']), metrics: new Set(['loss']), tags: new Set() };
    const refresh = () => {
      refreshed++;
      return fresh;
    };
    expect(compileFilter('params.lr > 0 and params.dropout < 1 and metrics.loss < 1', none, refresh)?.args).toEqual(['lr', 0, 'dropout', 1, 'loss', 1]);
    expect(refreshed).toBe(1);
    expect(() => compileFilter('params.nope > 0', none, refresh)).toThrow(/unknown param "nope"; known: dropout, lr/);
    expect(refreshed).toBe(2);
    // A name missing from the fresh list too is refused without asking a third time.
    expect(() => compileFilter('params.lr > 0 and params.gone > 0', none, refresh)).toThrow(/unknown param "gone"/);
    expect(refreshed).toBe(3);
  });

  it('does not ask again when the cached list has the names, nor for attributes', () => {
    const known: KnownColumns = { params: new Set(['lr']), metrics: new Set(), tags: new Set() };
    let refreshed = 0;
    compileFilter('params.lr > 0 and status = "finished" and run_id > 1', known, () => {
      refreshed++;
      return known;
    });
    expect(refreshed).toBe(0);
  });

  it('compiles an empty filter to nothing', () => {
    expect(compileFilter('', none)).toBeNull();
    expect(compileFilter('   ', none)).toBeNull();
  });
});
