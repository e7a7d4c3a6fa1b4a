/**
 * `runboard datasets`, `datasets import` and `datasets delete`, run as the user runs them: the built CLI as a
 * subprocess, on a database path in a temporary folder (the database itself is never opened by these commands).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliIsBuilt, killAll, makeTempDir, removeTempDirs, runCli } from '../cli/helpers';
import { filesIn, linearModelCsv } from './helpers';

beforeAll(() => assertCliIsBuilt());
afterAll(() => {
  killAll();
  removeTempDirs();
});

/** A database path in a fresh folder, and a CSV file in another. */
function workspace(csv: string, fileName = 'data.csv'): { db: string; datasets: string; file: string } {
  const dir = makeTempDir();
  const file = join(makeTempDir(), fileName);
  writeFileSync(file, csv);
  return { db: join(dir, 'runs.db'), datasets: join(dir, 'datasets'), file };
}

describe.concurrent('runboard datasets', () => {
  it('imports a CSV file next to the database and lists it with the built-in and synthetic datasets', async () => {
    const { db, datasets, file } = workspace(linearModelCsv({ rows: 300, features: 12, classes: 3, seed: 5 }), 'flowers.csv');
    const imported = await runCli(['datasets', 'import', file, '--name', 'flowers', '--db', db]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Imported "flowers" from');
    expect(imported.stdout).toContain('300 rows, 12 features, 3 classes (setosa, versicolor, virginica)');
    expect(imported.stdout).toContain('runboard train --dataset flowers --standardize');
    expect(filesIn(datasets)).toEqual(['flowers.csv', 'flowers.json']);
    expect(existsSync(db)).toBe(false); // listing and importing never open (or create) the database

    const text = await runCli(['datasets', '--db', db]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^name +origin +kind +rows +features +classes$/m);
    expect(text.stdout).toMatch(/^digits +builtin +image +1797 +64 +10$/m);
    expect(text.stdout).toMatch(/^spirals +synthetic +tabular +600 +2 +3$/m);
    expect(text.stdout).toMatch(/^flowers +imported +tabular +300 +12 +3$/m);

    const json = await runCli(['datasets', '--json', '--db', db]);
    const list = JSON.parse(json.stdout) as { name: string; origin: string; rows: number }[];
    expect(list.map((d) => `${d.name}:${d.origin}`)).toEqual(['digits:builtin', 'iris:builtin', 'spirals:synthetic', 'moons:synthetic', 'blobs:synthetic', 'flowers:imported']);
  });

  it('prints the imported dataset as JSON with --json, and takes the label column by name', async () => {
    const { db, file } = workspace('species,length,width\nsetosa,1.5,0.2\nvirginica,5.1,1.8\n');
    const result = await runCli(['datasets', 'import', file, '--name', 'tiny', '--label', 'species', '--json', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ name: 'tiny', origin: 'imported', rows: 2, features: 2, classes: ['setosa', 'virginica'] });
  });

  it('refuses a ragged file with exit status 2, naming the line and column, and keeps nothing', async () => {
    const { db, datasets, file } = workspace('a,b,label\n1,2,x\n3,4,y\n5,z\n6,7,x\n');
    const result = await runCli(['datasets', 'import', file, '--name', 'ragged', '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('runboard: Cannot import data.csv: line 4, column 3: 2 fields where the header has 3');
    expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(result.stdout).toBe('');
    expect(filesIn(datasets)).toEqual([]);
  });

  it('refuses a name that is taken with exit status 2, then deletes the dataset', async () => {
    const { db, datasets, file } = workspace('a,label\n1,x\n2,y\n');
    expect((await runCli(['datasets', 'import', file, '--name', 'twice', '--db', db])).code).toBe(0);
    const again = await runCli(['datasets', 'import', file, '--name', 'twice', '--db', db]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/a dataset named "twice" already exists; delete it first or choose another name/);

    const deleted = await runCli(['datasets', 'delete', 'twice', '--db', db]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('Deleted dataset "twice"');
    expect(filesIn(datasets)).toEqual([]);
    const missing = await runCli(['datasets', 'delete', 'twice', '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No imported dataset is named "twice"/);
    const builtin = await runCli(['datasets', 'delete', 'iris', '--db', db]);
    expect(builtin.code).toBe(2);
    expect(builtin.stderr).toMatch(/"iris" is a built-in dataset; only imported datasets can be deleted/);
  });

  it('refuses to import next to a database whose folder does not exist, creating nothing', async () => {
    const { file } = workspace('a,label\n1,x\n2,y\n');
    const missing = join(makeTempDir(), 'no', 'such');
    const result = await runCli(['datasets', 'import', file, '--name', 'lost', '--db', join(missing, 'runs.db')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the folder .*no\/such of the database does not exist/);
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a file that does not exist, and a missing --name, with exit status 2', async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, 'db'));
    const db = join(dir, 'db', 'runs.db');
    const noFile = await runCli(['datasets', 'import', join(dir, 'nope.csv'), '--name', 'x', '--db', db]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/nope\.csv: no such file/);
    const noName = await runCli(['datasets', 'import', join(dir, 'nope.csv'), '--db', db]);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/--name/);
  });
});
