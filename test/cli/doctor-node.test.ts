import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { satisfiesRange } from '../../src-main/cli/node-requirements';
import { ROOT, assertCliIsBuilt, killAll, makeTempDir, removeTempDirs, runCli } from './helpers';

/** What Runboard and Electron's npm package declare in `engines.node`, read here independently of the CLI. */
const runboardRange = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
const electronRange = (JSON.parse(readFileSync(createRequire(join(ROOT, 'package.json')).resolve('electron/package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
/** Whether this Node is at least `major.minor` (both ranges are `>=` ranges). */
const atLeast = (range: string) => {
  const [major, minor] = (/(\d+)\.(\d+)/.exec(range) as RegExpExecArray).slice(1).map(Number) as [number, number];
  const [ourMajor, ourMinor] = process.versions.node.split('.').map(Number) as [number, number];
  return ourMajor > major || (ourMajor === major && ourMinor >= minor);
};

interface DoctorNode {
  node_requirements: {
    version: string;
    runboard: { requires: string | null; ok: boolean | null };
    electron_tooling: { requires: string | null; ok: boolean | null; note: string };
  };
}

beforeAll(() => assertCliIsBuilt());
afterEach(() => killAll());
afterAll(() => removeTempDirs());

describe('runboard doctor: the Node version against what Runboard and Electron need', () => {
  it('--json reports this Node against Runboard\'s engines and Electron\'s, and says what an older Node means', async () => {
    const result = await runCli(['doctor', '--json', '--db', join(makeTempDir(), 'x.db')]);
    expect(result.code, result.stderr).toBe(0);
    const { node_requirements: report } = JSON.parse(result.stdout) as DoctorNode;
    expect(report.version).toBe(process.version);
    expect(report.runboard).toEqual({ requires: runboardRange, ok: atLeast(runboardRange) });
    expect(report.electron_tooling).toMatchObject({ requires: electronRange, ok: atLeast(electronRange) });
    if (!atLeast(electronRange)) {
      expect(report.electron_tooling.note).toMatch(/EBADENGINE/);
      expect(report.electron_tooling.note).toMatch(/@electron\/get/);
      expect(report.electron_tooling.note).toMatch(/Harmless/);
    }
  });

  it('prints both requirements under the Node.js line', async () => {
    const result = await runCli(['doctor', '--db', join(makeTempDir(), 'x.db')]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const node = lines.findIndex((line) => line.startsWith('Node.js '));
    expect(lines[node + 1]).toBe(`           Runboard needs ${runboardRange}: ${atLeast(runboardRange) ? 'ok (the CLI, serve and the tests run on this Node)' : `too old, install Node.js ${runboardRange} or newer`}`);
    expect(lines[node + 2]).toMatch(new RegExp(`^ {11}Electron's tools ask ${electronRange.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${atLeast(electronRange) ? 'ok$' : 'this Node is older, so npm install warns EBADENGINE'}`));
  });
});

describe('Node version ranges as packages declare them', () => {
  it.each([
    ['v20.20.2', '>= 22.12.0', false],
    ['v22.12.0', '>= 22.12.0', true],
    ['v24.1.0', '>=22.12.0', true],
    ['v20.19.0', '>=20.19', true],
    ['v20.18.3', '>=20.19', false],
    ['v20.20.2', '^20.19.0 || >=22.12.0', true],
    ['v21.7.0', '^20.19.0 || >=22.12.0', false],
    ['v20.20.2', '20 || >=22', true],
    ['v20.20.2', '20.x || 22.x', true],
    ['v18.20.0', '20.x || 22.x', false],
  ])('%s in %s: %s', (version, range, expected) => {
    expect(satisfiesRange(version, range)).toBe(expected);
  });

  it('claims nothing for a form it does not read', () => {
    expect(satisfiesRange('v20.20.2', '~20.1 - 22')).toBeNull();
  });
});
