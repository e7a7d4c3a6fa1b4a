import { openCore } from '../core';
import { resolveDbLocation } from '../paths';
import { runsAsText } from './format';
import { EXIT, type CliIo } from './io';

/** `runboard runs`: the runs table, or with `--json` an array of runs (params, final metrics, best metrics, epochs). */
export async function runsCommand(flags: { experiment?: string; db?: string; json?: boolean }, io: CliIo): Promise<number> {
  const core = await openCore({ db: resolveDbLocation(flags.db, io.env), host: 'cli' });
  try {
    const runs = await core.store.listRuns({ experiment: flags.experiment });
    if (flags.json) io.stdout.write(JSON.stringify(runs) + '\n');
    else io.stdout.write(runsAsText(runs));
    return EXIT.ok;
  } finally {
    await core.dispose();
  }
}
