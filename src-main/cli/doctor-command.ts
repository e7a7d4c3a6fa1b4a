import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { appVersion, resolveDbLocation } from '../paths';
import { inspectStore } from '../store/inspect-database';
import { AUTO_ORDER, NATIVE_PACKAGES, hasNvidiaDevice, isPackageInstalled, notInstalledReason, webGpuNotInstalledReason } from '../training/backend-diagnosis';
import { dawnReasons, explainNoHardwareAdapter, findVulkanSetup } from '../training/webgpu-diagnosis';
import type { AdapterList } from '../training/worker-protocol';
import { probeBackend, type ProbeResult } from '../training/host/probe-backend';
import { NodeWorkerLauncher } from '../training/host/worker-launcher';
import { EXIT, type CliIo } from './io';
import { nodeRequirements } from './node-requirements';

const requireModule = createRequire(import.meta.url);

export interface ElectronStatus {
  installed: boolean;
  version: string | null;
  binary: boolean;
  note: string;
}

/** Whether Electron's package and its binary (downloaded separately, on first use) are present. */
export function electronStatus(): ElectronStatus {
  let manifest: string;
  try {
    manifest = requireModule.resolve('electron/package.json');
  } catch {
    return { installed: false, version: null, binary: false, note: 'not installed: `npm start` serves the UI in your browser instead' };
  }
  const folder = dirname(manifest);
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  const pathFile = join(folder, 'path.txt');
  const binary = existsSync(pathFile) && existsSync(join(folder, 'dist', readFileSync(pathFile, 'utf8').trim()));
  return {
    installed: true,
    version,
    binary,
    note: binary
      ? 'binary present: `npm start` opens the desktop window'
      : "binary not downloaded (it comes from github.com on first use): `npm start` tries, and serves the UI in your browser if it cannot",
  };
}

/** The WebGPU part of the report: the adapters Dawn offers, and why no hardware one, in Dawn's words too. */
export interface WebGpuReport extends AdapterList {
  /** What Dawn printed about refused drivers or a missing loader (its stderr), deduplicated. */
  dawn_said: string[];
}

/**
 * Loads every backend in a throwaway training process of its own, fastest first (the WebGPU one also lists Dawn's
 * adapters, its stderr captured for Dawn's reasons), then lets `auto` choose as a run would.
 */
async function probeAll(): Promise<{ backends: ProbeResult[]; webgpu: WebGpuReport; auto: ProbeResult }> {
  // Dawn writes its warnings to stderr: read for the WebGPU probe, kept off the report for the others.
  const launcher = new NodeWorkerLauncher(undefined, { onStderr: () => {} });
  const backends: ProbeResult[] = [];
  const notInstalled = (backend: ProbeResult['backend'], error: string): ProbeResult => ({ backend, chosen: null, ok: false, device: null, error, skipped: [], adapters: null });
  let webgpu: WebGpuReport = { adapters: [], noHardware: null, dawn_said: [] };
  for (const backend of AUTO_ORDER) {
    if (backend === 'tensorflow-cuda' || backend === 'tensorflow') {
      if (!isPackageInstalled(NATIVE_PACKAGES[backend])) {
        backends.push(notInstalled(backend, notInstalledReason(backend)));
        continue;
      }
    }
    if (backend === 'webgpu') {
      const missing = webGpuNotInstalledReason();
      if (missing) {
        backends.push(notInstalled(backend, missing));
        webgpu = { adapters: [], noHardware: missing, dawn_said: [] };
        continue;
      }
      let stderr = '';
      const result = await probeBackend('webgpu', new NodeWorkerLauncher(undefined, { onStderr: (text) => (stderr += text) }), { listAdapters: true });
      const dawnSaid = dawnReasons(stderr);
      const adapters = result.adapters ?? { adapters: [], noHardware: result.error };
      // Dawn's own words sharpen the diagnosis made from the files on disk (which driver it refused, and why).
      const noHardware = adapters.adapters.some((a) => !a.software) ? null : result.adapters ? explainNoHardwareAdapter(findVulkanSetup(), dawnSaid).message : adapters.noHardware;
      webgpu = { adapters: adapters.adapters, noHardware, dawn_said: dawnSaid };
      backends.push(result);
      continue;
    }
    backends.push(await probeBackend(backend, launcher));
  }
  const auto = await probeBackend('auto', launcher);
  return { backends, webgpu, auto };
}

/** Text as lines of at most 110 characters, indented under the report's labels. */
function wrap(text: string, indent = ' '.repeat(11), width = 110): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** `runboard doctor`: versions, each backend and whether it loads (and why not), the database and its schema. */
export async function doctorCommand(flags: { db?: string; json?: boolean }, io: CliIo): Promise<number> {
  const electron = electronStatus();
  const nodeReport = nodeRequirements();
  const gpu = hasNvidiaDevice();
  const { backends, webgpu, auto } = await probeAll();
  const database = await inspectStore(resolveDbLocation(flags.db, io.env));
  const report = {
    runboard: appVersion(),
    node: process.version,
    node_abi: process.versions.modules,
    node_requirements: nodeReport,
    platform: `${process.platform} ${process.arch}`,
    electron,
    nvidia_gpu: gpu,
    backends: backends.map(({ backend, ok, device, error }) => ({ backend, ok, device, error })),
    webgpu,
    auto_backend: auto.chosen,
    auto_device: auto.device,
    /** Why `auto` passed over the faster backends. */
    auto_passed_over: auto.skipped,
    database,
  };
  if (flags.json) {
    io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return EXIT.ok;
  }
  const lines = [
    `Runboard   ${report.runboard}`,
    `Node.js    ${report.node} (ABI ${report.node_abi}, ${report.platform})`,
    ...wrap(
      `Runboard needs ${nodeReport.runboard.requires ?? '?'}: ${nodeReport.runboard.ok === false ? `too old, install Node.js ${nodeReport.runboard.requires} or newer` : 'ok (the CLI, serve and the tests run on this Node)'}`,
    ),
    ...(nodeReport.electron_tooling.requires === null
      ? []
      : wrap(`Electron's tools ask ${nodeReport.electron_tooling.requires}: ${nodeReport.electron_tooling.ok === false ? nodeReport.electron_tooling.note : 'ok'}`)),
    `Electron   ${electron.version ?? '-'}: ${electron.note}`,
    `GPU        ${gpu ? 'NVIDIA driver found' : 'no NVIDIA GPU or driver found'}`,
    'Backends (fastest first; --backend auto takes the first that loads, WebGPU only on a hardware adapter):',
    ...backends.map((b) => `  ${b.backend.padEnd(16)} ${b.ok ? `ok    ${b.device ?? ''}` : `no    ${b.error ?? ''}`}`),
    `  auto picks: ${auto.chosen ? `${auto.chosen} (${auto.device ?? ''})` : `none: ${auto.error ?? ''}`}`,
    ...auto.skipped.flatMap((s) => wrap(`passed over ${s.backend}: ${s.reason}`, '    ')),
    'WebGPU adapters (Dawn; a software one runs on the CPU and only --backend webgpu takes it):',
    ...(webgpu.adapters.length === 0
      ? ['  none']
      : webgpu.adapters.map((a) => `  ${(a.software ? 'software' : 'hardware').padEnd(9)} ${a.description} (vendor ${a.vendor}, architecture ${a.architecture})`)),
    ...(webgpu.noHardware ? wrap(`no hardware adapter: ${webgpu.noHardware}`, '  ') : []),
    'CUDA       tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1 exactly; newer GPUs (Ada, Hopper) run only through slow PTX JIT.',
    `Database   ${database.path}`,
    `           ${
      database.exists
        ? database.problem
          ? `problem: ${database.problem}`
          : `schema version ${database.schemaVersion} (this Runboard: ${database.latestSchemaVersion}), ${database.runs ?? 0} run(s)`
        : 'not created yet (it is created on first use)'
    }`,
  ];
  io.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}
