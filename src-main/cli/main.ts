import { processIo } from './io';
import { run } from './program';

// A reader that goes away (`runboard export | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await run(process.argv.slice(2), processIo());
process.exitCode = code;
