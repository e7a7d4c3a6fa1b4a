import { describe, expect, it } from 'vitest';
import { describeSystemError, run } from '../../src-main/cli/program';
import type { CliIo } from '../../src-main/cli/io';

/** A file-system error as Node throws it, `code`, `syscall` and `path` included. */
function systemError(code: string, path?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: no space left on device, write`), { code, syscall: 'write', errno: -28, ...(path ? { path } : {}) });
}

describe('an error of the machine that reaches the CLI undescribed', () => {
  it('is told in one line when the disk is full, naming the folder, with no stack trace', () => {
    expect(describeSystemError(systemError('ENOSPC', '/data/runs/out.csv'))?.message).toBe(
      'The disk is full: /data/runs/out.csv could not be written to /data/runs (ENOSPC). Free some space there and try again.',
    );
    expect(describeSystemError(systemError('EDQUOT', '/home/ana/x.bin'))?.message).toBe(
      'The disk is full (or your disk quota is used up): /home/ana/x.bin could not be written to /home/ana (EDQUOT). Free some space there and try again.',
    );
    expect(describeSystemError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))?.code).toBe('DISK_FULL');
  });

  it('is left as a bug (its stack printed) when it is anything else', () => {
    expect(describeSystemError(new TypeError('x is undefined'))).toBeNull();
    expect(describeSystemError(systemError('EACCES', '/x'))).toBeNull();
  });

  it('exits 1 with the one line when a command meets a full disk', async () => {
    let stderr = '';
    const io: CliIo = { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) }, env: {} };
    // `runboard --version` writes through commander; a stdout that fails with ENOSPC plays the full disk.
    io.stdout.write = () => {
      throw systemError('ENOSPC', '/full/version.txt');
    };
    expect(await run(['--version'], io)).toBe(1);
    expect(stderr).toBe('runboard: The disk is full: /full/version.txt could not be written to /full (ENOSPC). Free some space there and try again.\n');
  });
});
