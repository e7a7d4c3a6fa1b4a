import { existsSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TINY, assertCliIsBuilt, killAll, makeTempDir, removeTempDirs, runCli, sha256 } from './helpers';
import { SWIFTSHADER_ICD, swiftShaderEnv, webgpuMissing, webgpuRequired, webgpuRuns, webgpuSuiteTitle } from '../helpers/webgpu';

const BACKENDS = ['tensorflow-cuda', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
const NATIVE = { 'tensorflow-cuda': '@tensorflow/tfjs-node-gpu', tensorflow: '@tensorflow/tfjs-node' } as const;

function installed(pkg: string): boolean {
  return existsSync(join(ROOT, 'node_modules', ...pkg.split('/'), 'package.json'));
}

interface DoctorJson {
  node: string;
  backends: { backend: string; ok: boolean; device: string | null; error: string | null }[];
  webgpu: { adapters: { vendor: string; architecture: string; description: string; software: boolean }[]; noHardware: string | null; dawn_said: string[] };
  auto_backend: string | null;
  auto_passed_over: { backend: string; reason: string }[];
  database: { path: string; exists: boolean; schemaVersion: number | null; latestSchemaVersion: number; runs: number | null; problem: string | null };
}

beforeAll(() => assertCliIsBuilt());
afterEach(() => killAll());
afterAll(() => removeTempDirs());

describe('runboard doctor', () => {
  it('prints the Node version, each backend with whether it loads (and why not), and the database path, without creating the database', async () => {
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(['doctor', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(new RegExp(`^Node\\.js\\s+${process.version.replace(/\./g, '\\.')}\\b`, 'm'));
    for (const backend of BACKENDS) expect(out).toMatch(new RegExp(`^\\s+${backend}\\s+(ok|no)\\b`, 'm'));
    // The pure-JavaScript backends always load.
    expect(out).toMatch(/^\s+wasm\s+ok\b/m);
    expect(out).toMatch(/^\s+cpu\s+ok\b/m);
    for (const [backend, pkg] of Object.entries(NATIVE)) {
      if (installed(pkg)) continue;
      expect(out).toMatch(new RegExp(`^\\s+${backend}\\s+no\\s+package ${pkg.replace('/', '\\/')} is not installed`, 'm'));
    }
    expect(out).toMatch(new RegExp(`^Database\\s+${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
    expect(existsSync(db)).toBe(false);
  });

  it('--json prints one parsable report with the same facts', async () => {
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(['doctor', '--json', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as DoctorJson;
    expect(report.node).toBe(process.version);
    expect(report.backends.map((b) => b.backend)).toEqual([...BACKENDS]);
    for (const b of report.backends) {
      expect(typeof b.ok).toBe('boolean');
      if (!b.ok) expect(b.error, b.backend).toMatch(/\S/);
    }
    for (const [backend, pkg] of Object.entries(NATIVE)) {
      if (installed(pkg)) continue;
      const entry = report.backends.find((b) => b.backend === backend);
      expect(entry?.ok).toBe(false);
      expect(entry?.error).toContain(`package ${pkg} is not installed`);
    }
    expect(report.backends.find((b) => b.backend === 'wasm')?.ok).toBe(true);
    expect(report.auto_backend).not.toBeNull();
    expect(report.database).toMatchObject({ path: db, exists: false });
    expect(existsSync(db)).toBe(false);
  });

  it('reports the schema version and run count of an existing database', async () => {
    const db = join(makeTempDir(), 'x.db');
    const trained = await runCli(['train', ...TINY, '--json', '--db', db]);
    expect(trained.code, trained.stderr).toBe(0);
    const result = await runCli(['doctor', '--json', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as DoctorJson;
    expect(report.database).toMatchObject({ path: db, exists: true, runs: 1, problem: null });
    expect(report.database.schemaVersion).toBe(report.database.latestSchemaVersion);
  });

  it('reports a database from a newer version as a problem, leaving it unchanged', async () => {
    const db = join(makeTempDir(), 'future.db');
    const handle = new BetterSqlite3(db);
    handle.exec('CREATE TABLE whatever (x)');
    handle.pragma('user_version = 999');
    handle.close();
    const before = sha256(db);
    const result = await runCli(['doctor', '--json', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as DoctorJson;
    expect(report.database.schemaVersion).toBe(999);
    expect(report.database.problem).toMatch(/newer/);
    expect(sha256(db)).toBe(before);
  });
});

describe.skipIf(!webgpuRuns)(webgpuSuiteTitle('runboard doctor on WebGPU'), () => {
  it('lists the SwiftShader adapter as software, says why there is no hardware one, and that auto passes it over', async () => {
    const missing = webgpuMissing();
    if (webgpuRequired && missing) throw new Error(`RUNBOARD_REQUIRE_WEBGPU=1 requires the WebGPU tests: ${missing}`);
    const db = join(makeTempDir(), 'x.db');
    const result = await runCli(['doctor', '--db', db], { env: swiftShaderEnv() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\s+software\s+SwiftShader driver [\d.]+ \(vendor google, architecture swiftshader\)$/m);
    expect(result.stdout).toMatch(/^\s+webgpu\s+ok\s+GPU \(WebGPU, software adapter on the CPU\): SwiftShader/m);
    expect(result.stdout).toMatch(/^\s+no hardware adapter: /m);
    expect(result.stdout).toMatch(/^\s+passed over webgpu: only a software adapter was found \(SwiftShader/m);
    expect(result.stdout).not.toMatch(/auto picks: webgpu/);

    const json = JSON.parse((await runCli(['doctor', '--json', '--db', db], { env: swiftShaderEnv() })).stdout) as DoctorJson;
    expect(json.webgpu.adapters).toEqual([{ vendor: 'google', architecture: 'swiftshader', description: expect.stringMatching(/^SwiftShader driver/), software: true }]);
    expect(json.webgpu.noHardware).toMatch(/\S/);
    expect(json.auto_backend).not.toBe('webgpu');
    expect(json.auto_passed_over.map((p) => p.backend)).toContain('webgpu');
  });

  it('says what is missing when Dawn finds no adapter at all, in its own words', async () => {
    const db = join(makeTempDir(), 'x.db');
    // A driver list naming nothing that exists: the loader finds no driver, as on a machine without any.
    const result = await runCli(['doctor', '--json', '--db', db], { env: { ...process.env, VK_ICD_FILENAMES: `${SWIFTSHADER_ICD}.absent` } });
    const json = JSON.parse(result.stdout) as DoctorJson;
    expect(json.webgpu.adapters).toEqual([]);
    expect(json.webgpu.noHardware).toMatch(/found no Vulkan driver \(VK_ICD_FILENAMES limits the loader to files that do not exist; unset it.*\): install your GPU's Vulkan driver/);
    expect(json.webgpu.dawn_said.join('\n')).toMatch(/Found no drivers/);
    expect(json.backends.find((b) => b.backend === 'webgpu')?.error).toMatch(/found no Vulkan driver/);
  });
});
