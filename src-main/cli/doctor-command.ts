import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BackendName } from '../../src-shared/entities/train-config';
import { appVersion, resolveDbLocation } from '../paths';
import { inspectDatabase } from '../store/inspect-database';
import { AUTO_ORDER, NATIVE_PACKAGES, hasNvidiaDevice, isPackageInstalled, notInstalledReason } from '../training/backend-diagnosis';
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

async function probeAll(): Promise<ProbeResult[]> {
  const launcher = new NodeWorkerLauncher();
  const results: ProbeResult[] = [];
  for (const backend of AUTO_ORDER) {
    if (backend === 'tensorflow-cuda' || backend === 'tensorflow') {
      if (!isPackageInstalled(NATIVE_PACKAGES[backend])) {
        results.push({ backend, ok: false, device: null, error: notInstalledReason(backend) });
        continue;
      }
    }
    results.push(await probeBackend(backend, launcher));
  }
  return results;
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
  const backends = await probeAll();
  const auto: BackendName | null = backends.find((b) => b.ok && (b.backend !== 'tensorflow-cuda' || gpu))?.backend ?? null;
  const database = inspectDatabase(resolveDbLocation(flags.db, io.env).path);
  const report = {
    runboard: appVersion(),
    node: process.version,
    node_abi: process.versions.modules,
    node_requirements: nodeReport,
    platform: `${process.platform} ${process.arch}`,
    electron,
    nvidia_gpu: gpu,
    backends,
    auto_backend: auto,
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
    'Backends (fastest first; --backend auto takes the first that loads):',
    ...backends.map((b) => `  ${b.backend.padEnd(16)} ${b.ok ? `ok    ${b.device ?? ''}` : `no    ${b.error ?? ''}`}`),
    `  auto picks: ${auto ?? 'none'}`,
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
