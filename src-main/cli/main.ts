import { processIo } from './io';
import { run } from './program';

const code = await run(process.argv.slice(2), processIo());
process.exitCode = code;
