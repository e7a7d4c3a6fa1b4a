#!/usr/bin/env node
// The `runboard` command. The CLI is built to out/main/cli.js by `npm install` (the prepare script) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('runboard: the CLI is not built yet. Run `npm install` (or `npm run build`) in the Runboard folder first.\n');
  process.exit(2);
}
await import(pathToFileURL(cli).href);
