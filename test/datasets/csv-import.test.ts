import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_IMPORT_BYTES } from '../../src-shared/entities/dataset';
import { convertCsv } from '../../src-main/datasets/csv-import';
import { filesIn, linearModelCsv, refusal, useCatalogue } from './helpers';

const setup = useCatalogue();

describe('a CSV is parsed right (reliability 26)', () => {
  it('reads quoted commas, doubled quotes and CRLF inside quotes as parts of one value', async () => {
    const { catalogue } = setup();
    const csv = 'x,y,label\r\n1,2,"red, dark"\r\n3,4,"say ""hi"""\r\n5,6,"two\r\nlines"\r\n7,8,plain\r\n';
    const info = await catalogue.import({ name: 'quoted', csv });
    expect(info.rows).toBe(4);
    expect(info.classes).toEqual(['plain', 'red, dark', 'say "hi"', 'two\r\nlines']);
    const table = catalogue.table('quoted');
    expect([...table.features]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...table.labels].map((l) => table.classes[l])).toEqual(['red, dark', 'say "hi"', 'two\r\nlines', 'plain']);
  });

  it('skips a UTF-8 byte order mark: the first header is "x", not "\\uFEFFx"', async () => {
    const { catalogue } = setup();
    await catalogue.import({ name: 'bom', csv: '\uFEFFx,label\n1,a\n2,b\n', label: 'label' });
    expect(catalogue.table('bom').featureNames).toEqual(['x']);
  });

  it('keeps the last row when the file has no final newline, and skips blank lines', async () => {
    const { catalogue } = setup();
    const info = await catalogue.import({ name: 'nonewline', csv: 'x,label\n1,a\n\n\n2,b\n3,a' });
    expect(info.rows).toBe(3);
    expect([...catalogue.table('nonewline').features]).toEqual([1, 2, 3]);
  });

  it('counts lines as a text editor does: after blank lines and CRLF inside quotes, a bad cell is on the line shown', async () => {
    const { catalogue } = setup();
    // Lines: 1 header, 2-3 one quoted record, 4 blank, 5 good, 6 bad.
    const csv = 'x,label\r\n1,"a\r\nb"\r\n\r\n2,c\r\noops,d\r\n';
    const error = await refusal(catalogue.import({ name: 'lines', csv }));
    expect(error.message).toMatch(/column 1 "x": 1 value is not a number: line 6 "oops"/);
  });

  it('reads a file in chunks that split records, CRLF pairs and multi-byte characters the same as in one piece', async () => {
    const { catalogue, tempDir } = setup();
    const csv = '\uFEFFlängd,höjd,art\r\n1.5,2,"café, ""noir"""\r\n3,4,日本\r\n5,6,"multi\r\nline"\r\n7,8,🌸\r\n9,10,café, "noir"\r\n'.replace(
      'café, "noir"\r\n',
      '"café, ""noir"""\r\n',
    );
    const file = join(tempDir, 'unicode.csv');
    writeFileSync(file, csv);
    const whole = await catalogue.import({ name: 'whole', csv });
    for (const chunkSize of [1, 2, 3, 7]) {
      const info = await catalogue.import({ name: `chunks${chunkSize}`, file }, { chunkSize });
      expect({ ...info, name: 'whole', title: 'whole', source: '' }).toEqual({ ...whole, source: '' });
      expect(catalogue.table(`chunks${chunkSize}`)).toEqual(catalogue.table('whole'));
    }
    expect(whole.classes).toEqual(['🌸', 'café, "noir"', 'multi\r\nline', '日本']);
    expect(catalogue.table('whole').featureNames).toEqual(['längd', 'höjd']);
  });
});

interface BadCase {
  what: string;
  csv: string;
  label?: string;
  /** The line and column the message must name, and what else it must say. */
  says: RegExp;
}

const BAD: BadCase[] = [
  { what: 'an empty file', csv: '', says: /line 1, column 1: the file is empty/ },
  { what: 'a file of blank lines', csv: '\n\r\n\n', says: /line 1, column 1: the file is empty/ },
  { what: 'a header with no data rows', csv: 'x,y,label\n', says: /line 2, column 1: there are no data rows after the header/ },
  { what: 'a row with a missing field', csv: 'x,y,label\n1,2,a\n3,b\n4,5,c\n', says: /line 3, column 3: 2 fields where the header has 3 \(column 3 is missing\)/ },
  { what: 'a row with an extra field', csv: 'x,y,label\n1,2,a\n3,4,5,b\n', says: /line 3, column 4: 4 fields where the header has 3/ },
  { what: 'several ragged rows (all named)', csv: 'x,y,label\n1,a\n2,3,b\n4,5,6,c\n', says: /line 2, column 3: 2 fields .*1 more row with the wrong number of fields: line 4 \(4 fields\)/ },
  { what: 'an unclosed quote', csv: 'x,y,label\n1,2,a\n3,"4,b\n5,6,c\n', says: /line 3, column 2: a quoted value is never closed/ },
  { what: 'a quote inside an unquoted value', csv: 'x,y,label\n1,2,a\n3,4"5,b\n', says: /line 3, column 2: a " inside a value that is not quoted/ },
  { what: 'text after a closing quote', csv: 'x,y,label\n1,"2"3,a\n', says: /line 2, column 2: text after the closing quote/ },
  { what: 'a duplicate header', csv: 'x,y,x\n1,2,a\n3,4,b\n', says: /line 1, column 3: duplicate header "x" \(also column 1\)/ },
  { what: 'an empty header name', csv: 'x,,label\n1,2,a\n3,4,b\n', says: /line 1, column 2: a column has no name/ },
  { what: 'a trailing comma in the header (an empty last name)', csv: 'x,label,\n1,a,\n', says: /line 1, column 3: a column has no name/ },
  { what: 'a single column', csv: 'x\n1\n2\n', says: /line 1, column 1: only one column \("x"\)/ },
  { what: 'a label column that does not exist', csv: 'x,y,label\n1,2,a\n', label: 'species', says: /line 1: no column is named "species"; columns 1-3 are "x", "y", "label"/ },
  { what: 'a single class', csv: 'x,label\n1,a\n2,a\n3,a\n', says: /column 2 "label", lines 2-4: every row has the label "a"; a classifier needs at least 2 classes/ },
  { what: 'a row without a label', csv: 'x,label\n1,a\n2,\n3,b\n', says: /column 2 "label" \(the label\): 1 row has no label: line 3/ },
];

describe('a bad CSV is refused with its line and column, and nothing is kept (reliability 27)', () => {
  for (const c of BAD) {
    it(`refuses ${c.what}`, async () => {
      const { catalogue, userDir } = setup();
      const error = await refusal(catalogue.import({ name: 'bad', csv: c.csv, filename: 'data.csv', ...(c.label ? { label: c.label } : {}) }));
      expect(error.message).toMatch(/^Cannot import data\.csv:/);
      expect(error.message).toMatch(c.says);
      expect(error.fields?.[0]?.field).toBe(c.label ? 'label' : 'csv'); // the form highlights the input to fix
      expect(filesIn(userDir)).toEqual([]);
      expect(catalogue.list().filter((d) => d.origin === 'imported')).toEqual([]);
      expect(() => catalogue.info('bad')).toThrow(/Unknown dataset "bad"/);
    });
  }

  it('suggests the header that differs only in case', async () => {
    const { catalogue } = setup();
    const error = await refusal(catalogue.import({ name: 'bad', csv: 'x,Species\n1,a\n2,b\n', label: 'species' }));
    expect(error.message).toMatch(/did you mean "Species"\?/);
  });
});

describe('cells that are not numbers are reported per column (reliability 28)', () => {
  it('names every bad column with its count, first lines and values, and keeps nothing', async () => {
    const { catalogue, userDir } = setup();
    const csv = ['a,b,c,label', '1,NA,3,x', ',2,3,y', '"1,5",abc,3,x', '4,5,6,y', '7,,9,x', '1,2,3,y', '1,n/a,3,x', '1,?,3,y', '1,-,3,x', '1,null,3,y'].join('\n');
    const error = await refusal(catalogue.import({ name: 'cells', csv }));
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('Cannot import the CSV:');
    expect(lines[1]).toBe('  column 1 "a": 2 values are not numbers: line 3 (empty), line 4 "1,5" (decimal commas are not read as numbers: write 1.5, not 1,5; missing values: fill them in or drop those rows first).');
    expect(lines[2]).toBe('  column 2 "b": 7 values are not numbers: line 2 "NA", line 4 "abc", line 6 (empty), line 8 "n/a", line 9 "?", ... (2 more) (missing values: fill them in or drop those rows first).');
    expect(lines).toHaveLength(3); // column c is clean
    expect(error.fields?.map((f) => f.field)).toEqual(['csv', 'csv']);
    expect(filesIn(userDir)).toEqual([]);
  });

  it('refuses what Number() would quietly accept: hexadecimal, Infinity, and values beyond a 32-bit float', async () => {
    const { catalogue } = setup();
    const error = await refusal(catalogue.import({ name: 'sneaky', csv: 'a,label\n0x10,x\nInfinity,y\n1e39,x\n NaN ,y\n1.5,x\n' }));
    expect(error.message).toMatch(/column 1 "a": 4 values are not numbers: line 2 "0x10", line 3 "Infinity", line 4 "1e39", line 5 "NaN" \(.*numbers beyond ±3.4e38/);
  });

  it('reports ragged rows and bad cells of other rows together', async () => {
    const { catalogue } = setup();
    const error = await refusal(catalogue.import({ name: 'both', csv: 'a,b,label\n1,2\nx,2,y\n1,2,z\n' }));
    expect(error.message).toMatch(/line 2, column 3: 2 fields where the header has 3/);
    expect(error.message).toMatch(/column 1 "a": 1 value is not a number: line 3 "x"/);
  });
});

describe('large files are streamed, limited and cancellable (reliability 29)', () => {
  it('refuses text over the size limit before parsing it', async () => {
    const { catalogue, userDir } = setup();
    const csv = 'a,label\n' + '1,x\n'.repeat(Math.ceil(MAX_IMPORT_BYTES / 4));
    const error = await refusal(catalogue.import({ name: 'huge', csv }), 'PAYLOAD_TOO_LARGE');
    expect(error.message).toMatch(/^Cannot import the CSV: the file is 64 MB, more than the 64 MB an import may be/);
    expect(filesIn(userDir)).toEqual([]);
  });

  it('refuses a file over the size limit without reading it', async () => {
    const { catalogue, userDir, tempDir } = setup();
    const file = join(tempDir, 'huge.csv');
    writeFileSync(file, 'a,label\n');
    truncateSync(file, MAX_IMPORT_BYTES + 1); // sparse: no time spent writing it
    const error = await refusal(catalogue.import({ name: 'huge', file }), 'PAYLOAD_TOO_LARGE');
    expect(error.message).toMatch(/^Cannot import huge\.csv: the file is 64 MB, more than the 64 MB/);
    expect(filesIn(userDir)).toEqual([]);
  });

  it('stops at the row limit with the line it reached', async () => {
    const csv = 'a,label\n' + '1,x\n2,y\n'.repeat(10);
    const error = await refusal(convertCsv({ csv }, async () => undefined, { displayName: 'rows.csv', maxRows: 15 }));
    expect(error.message).toMatch(/line 17, column 1: more than 15 data rows/);
  });

  it('refuses more than 10,000 columns and more than 1,000 classes', async () => {
    const { catalogue } = setup();
    const wide = Array.from({ length: 10_001 }, (_, i) => `c${i}`).join(',') + '\n' + Array.from({ length: 10_001 }, () => '1').join(',') + '\n';
    expect((await refusal(catalogue.import({ name: 'wide', csv: wide }))).message).toMatch(/line 1, column 10001: 10001 columns, more than the 10000/);
    const labels = 'a,label\n' + Array.from({ length: 1_001 }, (_, i) => `1,class${i}`).join('\n');
    expect((await refusal(catalogue.import({ name: 'many', csv: labels }))).message).toMatch(/line 1002, column 2: the label column "label" has more than 1000 different values/);
  });

  it('reports progress as it reads: the share read rises to 1, with the rows so far', async () => {
    const { catalogue, tempDir } = setup();
    const file = join(tempDir, 'big.csv');
    writeFileSync(file, linearModelCsv({ rows: 20_000, features: 12, classes: 3, seed: 1 }));
    const seen: { fraction: number; rows: number }[] = [];
    const info = await catalogue.import({ name: 'big', file }, { onProgress: (p) => seen.push(p) });
    expect(info.rows).toBe(20_000);
    expect(seen.length).toBeGreaterThan(10); // streamed in chunks, not read whole
    expect(seen.map((p) => p.fraction)).toEqual([...seen.map((p) => p.fraction)].sort((a, b) => a - b));
    expect(seen.at(-1)).toEqual({ fraction: 1, rows: 20_000 });
  });

  it('is cancelled by its signal: it rejects with an AbortError and keeps nothing', async () => {
    const { catalogue, userDir, tempDir } = setup();
    const file = join(tempDir, 'big.csv');
    writeFileSync(file, linearModelCsv({ rows: 20_000, features: 12, classes: 3, seed: 2 }));
    const controller = new AbortController();
    const onProgress = ({ fraction }: { fraction: number }) => {
      if (fraction > 0.3) controller.abort();
    };
    const error = await catalogue.import({ name: 'cancelled', file }, { signal: controller.signal, onProgress }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(filesIn(userDir)).toEqual([]);
    expect(() => catalogue.info('cancelled')).toThrow(/Unknown dataset/);
  });

  it('refuses a file that is not UTF-8, naming the line', async () => {
    const { catalogue, userDir, tempDir } = setup();
    const file = join(tempDir, 'latin1.csv');
    writeFileSync(file, Buffer.concat([Buffer.from('x,label\n1,a\n2,'), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('\n3,b\n')]));
    for (const chunkSize of [4, 64 * 1024]) {
      const error = await refusal(catalogue.import({ name: 'latin', file }, { chunkSize }));
      expect(error.message).toMatch(/line 3: the file is not UTF-8 text \(character 6 of the line/);
    }
    const utf16 = join(tempDir, 'utf16.csv');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x,label\n1,a\n', 'utf16le')]));
    expect((await refusal(catalogue.import({ name: 'wide', file: utf16 }))).message).toMatch(/line 1: the file is not UTF-8 text \(it starts with a UTF-16 byte order mark\)/);
    expect(filesIn(userDir)).toEqual([]);
  });

  it('refuses a file that does not exist', async () => {
    const { catalogue, tempDir } = setup();
    const error = await refusal(catalogue.import({ name: 'missing', file: join(tempDir, 'nope.csv') }));
    expect(error.message).toMatch(/nope\.csv: no such file/);
  });
});

describe('the label column', () => {
  it('is the last column by default', async () => {
    const { catalogue } = setup();
    const info = await catalogue.import({ name: 'last', csv: 'a,b,kind\n1,2,x\n3,4,y\n' });
    expect(info.features).toBe(2);
    expect(catalogue.table('last').featureNames).toEqual(['a', 'b']);
  });

  it('can be any column, named by its header; the features keep their order and the label is stored last', async () => {
    const { catalogue, userDir } = setup();
    const info = await catalogue.import({ name: 'middle', csv: 'a,kind,b\n1,x,2\n3,y,4\n', label: 'kind' });
    expect(info.classes).toEqual(['x', 'y']);
    const table = catalogue.table('middle');
    expect(table.featureNames).toEqual(['a', 'b']);
    expect([...table.features]).toEqual([1, 2, 3, 4]);
    expect(readFileSync(join(userDir, 'middle.csv'), 'utf8')).toBe('a,b,kind\n1,2,x\n3,4,y\n');
  });

  it('orders classes naturally (2 before 10), whatever order the rows come in', async () => {
    const { catalogue } = setup();
    const info = await catalogue.import({ name: 'natural', csv: 'a,label\n1,10\n2,2\n3,1\n4,2\n' });
    expect(info.classes).toEqual(['1', '2', '10']);
    expect([...catalogue.labels('natural')]).toEqual([2, 1, 0, 1]);
  });
});

describe('names', () => {
  it('refuses a name that is taken, saying to delete it first or choose another name', async () => {
    const { catalogue, userDir } = setup();
    await catalogue.import({ name: 'mine', csv: 'a,label\n1,x\n2,y\n' });
    const before = filesIn(userDir);
    const error = await refusal(catalogue.import({ name: 'mine', csv: 'b,label\n5,p\n6,q\n' }), 'CONFLICT');
    expect(error.message).toMatch(/a dataset named "mine" already exists; delete it first or choose another name/);
    expect(error.fields?.[0]?.field).toBe('name');
    await refusal(catalogue.import({ name: 'MINE', csv: 'b,label\n5,p\n6,q\n' }), 'CONFLICT'); // one file on macOS and Windows
    expect(filesIn(userDir)).toEqual(before);
    expect(catalogue.table('mine').featureNames).toEqual(['a']);
  });

  it('lets only one of two simultaneous imports of a name win', async () => {
    const { catalogue } = setup();
    const results = await Promise.allSettled([
      catalogue.import({ name: 'race', csv: 'a,label\n1,x\n2,y\n' }),
      catalogue.import({ name: 'race', csv: 'a,label\n1,x\n2,y\n' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('refuses the names of built-in and synthetic datasets', async () => {
    const { catalogue } = setup();
    for (const name of ['digits', 'iris', 'spirals', 'Moons', 'blobs']) {
      const error = await refusal(catalogue.import({ name, csv: 'a,label\n1,x\n2,y\n' }), 'CONFLICT');
      expect(error.message).toMatch(/choose another name/);
    }
  });

  it('refuses a name that cannot name a file', async () => {
    const { catalogue, userDir } = setup();
    for (const name of ['../escape', '1abc', 'has space', 'a'.repeat(65), '']) {
      const error = await refusal(catalogue.import({ name, csv: 'a,label\n1,x\n2,y\n' }));
      expect(error.fields?.[0]?.field).toBe('name');
    }
    expect(filesIn(userDir)).toEqual([]);
  });

  it('is refused by a catalogue without a data folder', async () => {
    const { DatasetCatalogue } = await import('../../src-main/datasets/catalogue');
    await refusal(new DatasetCatalogue({ userDir: null }).import({ name: 'x', csv: 'a,label\n1,x\n2,y\n' }));
  });
});

describe('storage', () => {
  it('writes <name>.csv in the stored form (numbers as parsed) and <name>.json with the provenance, nothing else', async () => {
    const { catalogue, userDir } = setup();
    const csv = '\uFEFF "first" , second,label\r\n1.50,+3,"a, b"\r\n1e3,-0.25,c\r\n';
    await catalogue.import({ name: 'stored', csv, filename: 'original.csv' });
    expect(filesIn(userDir)).toEqual(['stored.csv', 'stored.json']);
    expect(readFileSync(join(userDir, 'stored.csv'), 'utf8')).toBe('first,second,label\n1.5,3,"a, b"\n1000,-0.25,c\n');
    const metadata = JSON.parse(readFileSync(join(userDir, 'stored.json'), 'utf8')) as Record<string, unknown>;
    expect(metadata).toEqual({
      format: 1,
      name: 'stored',
      features: ['first', 'second'],
      label: 'label',
      classes: ['a, b', 'c'],
      rows: 2,
      filename: 'original.csv',
      imported_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      sha256: createHash('sha256').update(csv, 'utf8').digest('hex'),
      bytes: Buffer.byteLength(csv),
    });
  });

  it('describes an imported dataset in the catalogue with its origin and provenance', async () => {
    const { catalogue } = setup();
    const info = await catalogue.import({ name: 'described', csv: 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n', filename: 'mine.csv' });
    expect(info).toMatchObject({ name: 'described', kind: 'tabular', rows: 3, features: 2, classes: ['x', 'y'], image_shape: null, builtin: false, origin: 'imported' });
    expect(info.source).toMatch(/^Imported from mine\.csv on \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(catalogue.info('described')).toEqual(info);
  });

  it('deletes an imported dataset and both its files; a new import of the name is read fresh', async () => {
    const { catalogue, userDir } = setup();
    await catalogue.import({ name: 'gone', csv: 'a,label\n1,x\n2,y\n' });
    expect(catalogue.table('gone').rows).toBe(2);
    expect(catalogue.delete('gone')).toBe(true);
    expect(filesIn(userDir)).toEqual([]);
    expect(() => catalogue.info('gone')).toThrow(/Unknown dataset "gone"/);
    expect(catalogue.delete('gone')).toBe(false);
    await catalogue.import({ name: 'gone', csv: 'a,label\n1,x\n2,y\n3,z\n' });
    expect(catalogue.table('gone').rows).toBe(3);
  });

  it('refuses to delete a built-in or synthetic dataset', () => {
    const { catalogue } = setup();
    expect(() => catalogue.delete('digits')).toThrow(/"digits" is a built-in dataset; only imported datasets can be deleted/);
    expect(() => catalogue.delete('spirals')).toThrow(/"spirals" is a synthetic dataset/);
  });

  it('shows nothing of an import a crash interrupted, and a new import of that name succeeds', async () => {
    const { catalogue, userDir } = setup();
    mkdirSync(userDir, { recursive: true });
    // Killed while streaming (a temporary file), and between the two renames (a CSV without its metadata).
    writeFileSync(join(userDir, '.half.4242-00ff00ff.csv.tmp'), 'a,label\n1,x\n');
    writeFileSync(join(userDir, 'half.csv'), 'a,label\n1,x\n');
    expect(catalogue.list().filter((d) => d.origin === 'imported')).toEqual([]);
    expect(() => catalogue.info('half')).toThrow(/Unknown dataset "half"/);
    const info = await catalogue.import({ name: 'half', csv: 'b,label\n1,x\n2,y\n' });
    expect(info.rows).toBe(2);
    expect(catalogue.table('half').featureNames).toEqual(['b']);
  });

  it('clears temporary files a crashed import left more than a day ago', async () => {
    const { catalogue, userDir } = setup();
    mkdirSync(userDir, { recursive: true });
    const old = join(userDir, '.old.1-00000000.csv.tmp');
    const recent = join(userDir, '.recent.2-00000000.csv.tmp'); // perhaps another process importing right now
    writeFileSync(old, '');
    writeFileSync(recent, '');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    await catalogue.import({ name: 'fresh', csv: 'a,label\n1,x\n2,y\n' });
    expect(filesIn(userDir)).toEqual(['.recent.2-00000000.csv.tmp', 'fresh.csv', 'fresh.json']);
  });

  it('notices a stored file changed on disk since the import', async () => {
    const { catalogue, userDir } = setup();
    await catalogue.import({ name: 'edited', csv: 'a,label\n1,x\n2,y\n' });
    writeFileSync(join(userDir, 'edited.csv'), 'a,label\n1,x\n2,y\n3,y\n');
    expect(() => catalogue.table('edited')).toThrow(/was changed on disk since it was imported/);
  });
});

describe('a tabular dataset for training (a few hundred rows, a dozen features)', () => {
  it('imports from a seeded linear model with 3 classes and has the right shape', async () => {
    const { catalogue } = setup();
    const csv = linearModelCsv({ rows: 300, features: 12, classes: 3, seed: 7 });
    const info = await catalogue.import({ name: 'linear', csv, filename: 'linear.csv' });
    expect(info).toMatchObject({ rows: 300, features: 12, classes: ['setosa', 'versicolor', 'virginica'], kind: 'tabular', origin: 'imported' });
    const table = catalogue.table('linear');
    expect(table.featureNames).toEqual(Array.from({ length: 12 }, (_, j) => `f${j + 1}`));
    expect(table.features).toHaveLength(300 * 12);
    expect(table.labels).toHaveLength(300);
    const counts = [0, 1, 2].map((c) => [...table.labels].filter((l) => l === c).length);
    for (const count of counts) expect(count).toBeGreaterThan(30); // every class well represented
    // The first row reads back as written (to float32 precision).
    const firstRow = (csv.split('\n')[1] as string).split(',').slice(0, 12).map(Number);
    expect([...table.features.slice(0, 12)]).toEqual(firstRow.map(Math.fround));
    expect(catalogue.source('linear').preprocessing).toEqual({ kind: 'none' });
  });
});
