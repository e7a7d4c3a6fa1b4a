import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadTable } from '../../src-main/datasets';
import { filesIn, refusal, useCatalogue } from './helpers';
import { idxImages, idxLabels, jpg, png, writeIdxFolder, writeImageFolder } from './image-files';

const useIt = useCatalogue();

describe('importing IDX files', () => {
  it('imports the training pair and keeps the t10k pair as the test part, as bytes, with the labels in order', async () => {
    const { catalogue, tempDir, userDir } = useIt();
    const dir = writeIdxFolder(join(tempDir, 'idx'), { train: 30, test: 9, gzip: true });
    const { info, skipped } = await catalogue.importImages({ name: 'tiny', path: dir });
    expect(skipped).toEqual([]);
    expect(info).toMatchObject({ name: 'tiny', kind: 'image', rows: 39, test_rows: 9, features: 16, classes: ['0', '1', '2'], image_shape: [1, 4, 4], origin: 'imported' });
    expect(info.source).toContain('train-images-idx3-ubyte.gz (SHA-256');
    expect(filesIn(userDir)).toEqual(['tiny.images', 'tiny.json']);
    // Stored as one byte per pixel plus two per label: 39 x 16 + 39 x 2.
    expect(readFileSync(join(userDir, 'tiny.images')).length).toBe(39 * 16 + 39 * 2);
    const table = loadTable(catalogue.source('tiny'));
    expect(table.features).toBeInstanceOf(Uint8Array);
    expect(table.testRows).toBe(9);
    expect(Array.from(table.labels.slice(0, 4))).toEqual([0, 1, 2, 0]);
    expect(Array.from(table.labels.slice(30, 33))).toEqual([0, 1, 2]);
    // Image 1 (class 1) lights its second row.
    expect(Array.from(table.features.slice(16, 32))).toEqual([0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(catalogue.source('tiny')).toMatchObject({ kind: 'images', preprocessing: { kind: 'scale', divisor: 255 }, imageShape: { channels: 1, height: 4, width: 4 } });
  });

  it('takes the class names it is given, and finds the files from one of them, gzipped or not', async () => {
    const { catalogue, tempDir } = useIt();
    const dir = writeIdxFolder(join(tempDir, 'idx'), { train: 12 });
    const { info } = await catalogue.importImages({ name: 'named', path: join(dir, 'train-images-idx3-ubyte'), classes: ['cat', 'dog', 'bird'] });
    expect(info.classes).toEqual(['cat', 'dog', 'bird']);
    expect(info.test_rows).toBe(0);
  });

  it.each([
    ['a wrong magic number', (dir: string) => writeFileSync(join(dir, 'train-images-idx3-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 0])), 'train-images-idx3-ubyte: its magic number is 0x00000801, not 0x00000803'],
    ['a file shorter than its header says', (dir: string) => writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxImages(12, 4, 4, () => 1).subarray(0, 100)), 'its header says 12 x 4 x 4 = 192 bytes of data but it holds 84 (truncated?)'],
    ['dimensions of zero', (dir: string) => writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxImages(0, 4, 4, () => 1)), 'its dimensions 0 x 4 x 4 hold no data'],
    ['more labels than images', (dir: string) => writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxLabels(Array(13).fill(1))), 'it holds 13 labels but train-images-idx3-ubyte holds 12 images'],
    ['a truncated .gz', (dir: string) => writeFileSync(join(dir, 'train-images-idx3-ubyte'), gzipSync(idxImages(12, 4, 4, () => 1)).subarray(0, 30)), 'the .gz file is truncated (unexpected end of file); download it again'],
    ['an empty image file', (dir: string) => writeFileSync(join(dir, 'train-images-idx3-ubyte'), ''), 'it is 0 bytes long, too short for an IDX image file'],
    ['a t10k image file without its labels', (dir: string) => writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxImages(3, 4, 4, () => 1)), 'holds IDX files but not t10k-labels-idx1-ubyte[.gz]'],
    ['test images of another size', (dir: string) => {
      writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxImages(3, 5, 5, () => 1));
      writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxLabels([0, 1, 2]));
    }, 'the test images are 5 x 5 but the training images 4 x 4'],
  ])('refuses %s, naming the file and the problem, and keeps nothing', async (_what, spoil, message) => {
    const { catalogue, tempDir, userDir } = useIt();
    const dir = writeIdxFolder(join(tempDir, 'idx'), { train: 12 });
    spoil(dir);
    const error = await refusal(catalogue.importImages({ name: 'spoilt', path: dir }));
    expect(error.message).toContain(message);
    expect(filesIn(userDir).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('refuses class names that do not cover the labels', async () => {
    const { catalogue, tempDir } = useIt();
    const dir = writeIdxFolder(join(tempDir, 'idx'), { train: 12 });
    const error = await refusal(catalogue.importImages({ name: 'few', path: dir, classes: ['a', 'b'] }));
    expect(error.message).toContain('the labels go up to 2 but 2 class names were given');
  });
});

const red: [number, number, number] = [220, 20, 20];
const blue: [number, number, number] = [20, 20, 220];

describe('importing an image folder', () => {
  it('takes one class per folder, decodes PNG and JPEG, resizes to the first image, keeps colour, skips what it cannot read', async () => {
    const { catalogue, tempDir, userDir } = useIt();
    const dir = writeImageFolder(join(tempDir, 'pets'), {
      cats: { 'a.png': png(8, 8, () => red), 'b.jpg': jpg(16, 16, () => red), 'broken.png': 'not an image', 'notes.txt': 'hello' },
      dogs: { 'c.png': png(8, 8, () => blue), 'd.jpeg': jpg(4, 4, () => blue) },
    });
    const { info, skipped } = await catalogue.importImages({ name: 'pets', path: dir });
    expect(info).toMatchObject({ kind: 'image', rows: 4, test_rows: 0, classes: ['cats', 'dogs'], image_shape: [3, 8, 8] });
    expect(skipped.map((s) => s.file).sort()).toEqual([join('cats', 'broken.png'), join('cats', 'notes.txt')].sort());
    expect(skipped.find((s) => s.file.endsWith('broken.png'))?.reason).toBe('not a PNG or JPEG image');
    expect(filesIn(userDir)).toEqual(['pets.images', 'pets.json']);
    const table = loadTable(catalogue.source('pets'));
    expect(Array.from(table.labels)).toEqual([0, 0, 1, 1]);
    // Every image 8 x 8 x 3, channels last: the red cats are red, the JPEG within its compression error.
    for (const [image, colour] of [[0, red], [1, red], [2, blue], [3, blue]] as const) {
      const pixel = Array.from(table.features.slice(image * 192 + 27 * 3, image * 192 + 28 * 3));
      pixel.forEach((value, c) => expect(Math.abs(value - (colour[c] as number))).toBeLessThan(12));
    }
  });

  it('keeps one grey channel when every image is grey, and resizes to --size with an area average', async () => {
    const { catalogue, tempDir } = useIt();
    // Left half black, right half white: shrunk to 2 x 2, each pixel averages its own half.
    const halves = (x: number): [number, number, number] => (x < 4 ? [0, 0, 0] : [255, 255, 255]);
    const dir = writeImageFolder(join(tempDir, 'grey'), { a: { '1.png': png(8, 8, halves) }, b: { '2.png': png(8, 8, (x) => halves(7 - x)) } });
    const { info } = await catalogue.importImages({ name: 'grey', path: dir, size: { width: 2, height: 2 } });
    expect(info.image_shape).toEqual([1, 2, 2]);
    const table = loadTable(catalogue.source('grey'));
    expect(Array.from(table.features)).toEqual([0, 255, 0, 255, 255, 0, 255, 0]);
  });

  it('turns colour images grey when asked, with PIL\'s luma weights', async () => {
    const { catalogue, tempDir } = useIt();
    const dir = writeImageFolder(join(tempDir, 'colour'), { a: { '1.png': png(2, 2, () => [255, 0, 0]) }, b: { '2.png': png(2, 2, () => [0, 0, 255]) } });
    const { info } = await catalogue.importImages({ name: 'colour', path: dir, grayscale: true });
    expect(info.image_shape).toEqual([1, 2, 2]);
    expect(Array.from(loadTable(catalogue.source('colour')).features)).toEqual([76, 76, 76, 76, 29, 29, 29, 29]);
  });

  it.each([
    ['a folder without class folders', {} as Record<string, Record<string, Buffer | string>>, 'holds no class folders'],
    ['class folders without images', { a: { 'x.txt': 'hi' }, b: { 'y.txt': 'hi' } }, 'holds no PNG or JPEG images in its class folders (a, b)'],
    ['one class', { only: { '1.png': png(2, 2, () => red) } }, 'holds one class folder (only); a classifier needs at least two'],
    ['a class left empty by unreadable files', { a: { '1.png': png(2, 2, () => red) }, b: { 'bad.png': 'garbage' } }, 'class "b" has no readable image (skipped: b/bad.png: not a PNG or JPEG image)'],
  ])('refuses %s, saying why, and keeps nothing', async (_what, classes, message) => {
    const { catalogue, tempDir, userDir } = useIt();
    const dir = writeImageFolder(join(tempDir, 'images'), classes);
    const error = await refusal(catalogue.importImages({ name: 'bad', path: dir }));
    expect(error.message).toContain(message);
    // The folder the user gave is named, whichever the reason.
    expect(error.message).toContain(dir);
    expect(filesIn(userDir).filter((f) => !f.startsWith('.'))).toEqual([]);
  });
});

describe('an image cut short', () => {
  it('is skipped saying the file is damaged or cut short, with the decoder\'s own words after', async () => {
    const { catalogue, tempDir } = useIt();
    const whole = png(8, 8, () => red);
    const dir = writeImageFolder(join(tempDir, 'cut'), {
      a: { '1.png': whole, '2.png': whole.subarray(0, whole.length - 20) },
      b: { '1.png': png(8, 8, () => blue) },
    });
    const { info, skipped } = await catalogue.importImages({ name: 'cut', path: dir });
    expect(info.rows).toBe(2);
    expect(skipped).toEqual([{ file: join('a', '2.png'), reason: expect.stringMatching(/^a damaged or cut-short PNG file \(the decoder says: .+\)$/) as string }]);
  });
});

describe('dataset views', () => {
  it('keep some classes, renumbered, in both parts, and a stratified sample of the training part that is the same every time', async () => {
    const { catalogue, tempDir } = useIt();
    await catalogue.importImages({ name: 'tiny', path: writeIdxFolder(join(tempDir, 'idx'), { train: 60, test: 12, classes: 4 }) });
    const info = catalogue.info('tiny:classes=1-2,n=10');
    expect(info).toMatchObject({ name: 'tiny:classes=1-2,n=10', rows: 16, test_rows: 6, classes: ['1', '2'] });
    const labels = catalogue.labels('tiny:classes=1-2,n=10');
    expect(Array.from(labels.subarray(0, 10)).filter((l) => l === 0)).toHaveLength(5);
    const table = loadTable(catalogue.source('tiny:classes=1-2,n=10'));
    expect(table.rows).toBe(16);
    expect(Array.from(table.labels)).toEqual(Array.from(labels));
    // Class 1 (now 0) lights row 1, class 2 (now 1) row 2.
    table.labels.forEach((label, row) => expect(table.features[row * 16 + (label + 1) * 4]).toBe(255));
    expect(Array.from(loadTable(catalogue.source('tiny:classes=1-2,n=10')).features)).toEqual(Array.from(table.features));
  });

  it.each([
    ['tiny:classes=3-5', 'tiny has classes 0-3 (0 0, 1 1, 2 2, 3 3); class 4, 5 does not exist'],
    ['tiny:n=1000', 'n=1000 is more than the 40 training samples of tiny'],
    ['tiny:classes=2', 'keeps one class; a classifier needs at least two'],
    ['tiny:colour=red', 'unknown option "colour" for tiny; one of classes, n'],
  ])('refuse %s with the reason', async (dataset, message) => {
    const { catalogue, tempDir } = useIt();
    await catalogue.importImages({ name: 'tiny', path: writeIdxFolder(join(tempDir, 'idx'), { train: 40, classes: 4 }) });
    expect(() => catalogue.info(dataset)).toThrow(message);
  });

  it('work on the built-in digits too', () => {
    const { catalogue } = useIt();
    expect(catalogue.info('digits:classes=0-4')).toMatchObject({ classes: ['0', '1', '2', '3', '4'], image_shape: [1, 8, 8] });
  });
});
