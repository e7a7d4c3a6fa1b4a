/**
 * `runboard datasets fetch` against a local HTTP server, never the internet: a mirror serving Debian's copy of
 * Fashion-MNIST (the same images, compressed again, so only the decompressed content has the official checksum), a
 * damaged file, and the unit behind it with files whose official checksums are the tests' own.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchKnownDataset } from '../../src-main/datasets/fetch';
import { importIdx } from '../../src-main/datasets/image-dataset';
import { ImportedDatasetFolder } from '../../src-main/datasets/imported-datasets';
import type { KnownDataset } from '../../src-main/datasets/known-datasets';
import { assertCliIsBuilt, killAll, makeTempDir, removeTempDirs, runCli } from '../cli/helpers';
import { refusal } from './helpers';
import { idxImages, idxLabels } from './image-files';

const DEBIAN_FASHION = '/usr/share/datasets/fashion-mnist';

/** Serves files by name from a map (so a test can swap one for a damaged copy), and counts requests. */
function fileServer(files: Map<string, Buffer>): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const name = decodeURIComponent((request.url ?? '/').slice(1));
    const body = files.get(name);
    if (!body) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-length': body.length }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` })));
}

const files = new Map<string, Buffer>();
let mirror: { server: Server; url: string };

beforeAll(async () => {
  assertCliIsBuilt();
  if (!existsSync(DEBIAN_FASHION)) throw new Error(`${DEBIAN_FASHION} is missing: install Debian's dataset-fashion-mnist (.ci/run does).`);
  for (const name of readdirSync(DEBIAN_FASHION)) files.set(name, readFileSync(join(DEBIAN_FASHION, name)));
  mirror = await fileServer(files);
});
afterAll(() => {
  mirror.server.close();
  killAll();
  removeTempDirs();
});

describe('runboard datasets fetch', () => {
  it('downloads Fashion-MNIST from a mirror, checks every file, and imports it with its class names and test set', async () => {
    const dir = makeTempDir();
    const result = await runCli(['datasets', 'fetch', 'fashion-mnist', '--mirror', mirror.url, '--db', join(dir, 'runs.db')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Fetched "fashion-mnist": 70000 images (10000 of them its test set), 10 classes (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot)');
    expect(readdirSync(join(dir, 'datasets')).sort()).toEqual(['fashion-mnist.images', 'fashion-mnist.json']);
    const listed = await runCli(['datasets', '--json', '--db', join(dir, 'runs.db')]);
    const info = (JSON.parse(listed.stdout) as { name: string; source: string; image_shape: number[] }[]).find((d) => d.name === 'fashion-mnist');
    expect(info?.image_shape).toEqual([1, 28, 28]);
    expect(info?.source).toContain('checksums verified');
    expect(info?.source).toContain('MIT licence');
  }, 120_000);

  it('refuses a file whose checksum does not match, removes it, and imports nothing', async () => {
    const dir = makeTempDir();
    const damaged = new Map(files);
    const labels = gzipSync(Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0xea, 0x60]), Buffer.alloc(60000, 3)]));
    damaged.set('train-labels-idx1-ubyte.gz', labels);
    const bad = await fileServer(damaged);
    try {
      const result = await runCli(['datasets', 'fetch', 'fashion-mnist', '--db', join(dir, 'runs.db')], { env: { RUNBOARD_DATASETS_MIRROR: bad.url } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`train-labels-idx1-ubyte.gz from ${bad.url}train-labels-idx1-ubyte.gz has SHA-256 ${createHash('sha256').update(labels).digest('hex')}, not the official a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845`);
      expect(result.stderr).toContain('it was removed and nothing was imported');
      expect(existsSync(join(dir, 'datasets')) ? readdirSync(join(dir, 'datasets')) : []).toEqual([]);
    } finally {
      bad.server.close();
    }
  });

  it('refuses a dataset it does not know, and says which it does', async () => {
    const result = await runCli(['datasets', 'fetch', 'cifar-10', '--db', join(makeTempDir(), 'runs.db')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"cifar-10" cannot be fetched; one of mnist, fashion-mnist');
  });

  it('says what went wrong when the server cannot be reached', async () => {
    const closed = await fileServer(new Map());
    await new Promise((resolve) => closed.server.close(resolve));
    const result = await runCli(['datasets', 'fetch', 'mnist', '--mirror', closed.url, '--db', join(makeTempDir(), 'runs.db')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Cannot download ${closed.url}train-images-idx3-ubyte.gz: ECONNREFUSED. Check the network, or download from a mirror (runboard datasets fetch --mirror URL, or RUNBOARD_DATASETS_MIRROR=URL for the app and serve).`);
  });
});

describe('fetching a known dataset', () => {
  it('accepts files with the official checksums and hands them over, then removes the downloads', async () => {
    const images = gzipSync(idxImages(6, 2, 2, (i) => i * 10));
    const labels = gzipSync(idxLabels([0, 1, 0, 1, 0, 1]));
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const served = new Map([
      ['train-images-idx3-ubyte.gz', images],
      ['train-labels-idx1-ubyte.gz', labels],
      ['t10k-images-idx3-ubyte.gz', images],
      ['t10k-labels-idx1-ubyte.gz', labels],
    ]);
    const known: KnownDataset = {
      name: 'pairs',
      title: 'Pairs',
      description: '',
      baseUrl: '',
      files: [...served].map(([name, bytes]) => ({ name: name.replace(/\.gz$/, ''), bytes: bytes.length, sha256: sha(bytes), rawSha256: 'unused' })),
      classes: ['even', 'odd'],
      source: 'the tests',
    };
    const server = await fileServer(served);
    const work = makeTempDir();
    try {
      const folder = new ImportedDatasetFolder(join(work, 'datasets'));
      const progress: number[] = [];
      const metadata = await fetchKnownDataset(known, work, { mirror: server.url, onProgress: (p) => progress.push(p.bytes) }, (idx) => importIdx(folder, 'pairs', idx, known.classes));
      expect(metadata).toMatchObject({ train_rows: 6, test_rows: 6, classes: ['even', 'odd'] });
      expect(progress.at(-1)).toBe(known.files.reduce((sum, f) => sum + f.bytes, 0));
      expect(readdirSync(work).filter((f) => f.startsWith('.fetch'))).toEqual([]);
    } finally {
      server.server.close();
    }
  });

  it('refuses a file that matches neither the official checksum nor the official content', async () => {
    const work = makeTempDir();
    const served = new Map([['train-images-idx3-ubyte.gz', gzipSync(Buffer.from('not it'))]]);
    const server = await fileServer(served);
    const known: KnownDataset = { name: 'x', title: 'X', description: '', baseUrl: '', files: [{ name: 'train-images-idx3-ubyte', bytes: 1, sha256: '0'.repeat(64), rawSha256: '1'.repeat(64) }], classes: ['a', 'b'], source: '' };
    try {
      await refusal(fetchKnownDataset(known, work, { mirror: server.url }, async () => undefined));
      expect(readdirSync(work)).toEqual([]);
    } finally {
      server.server.close();
    }
  });
});
