// Runs Electronegativity's scanner through its programmatic API and prints its findings as one JSON line (see
// electronegativity-gate.js, which starts this with the scanner fetched by npx: `npx -p ... -c "node this"`).
// Its CLI's CSV report is not used: the scanner writes the CSV header and the rows with two unordered asynchronous
// writes, so the header sometimes lands over the first row (seen on a clean clone: "Invalid Opening Quote").
// Usage: node scripts/electronegativity-scan.mjs INPUT ELECTRON_VERSION
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join, resolve } from 'node:path';

/** Marks the line of findings (electronegativity-gate.js looks for it). */
const RESULT_MARK = 'ELECTRONEGATIVITY_RESULT ';

const [input, electronVersion] = process.argv.slice(2);
// npx puts the fetched package's .bin folder on PATH; the package sits beside it.
const runnerFile = (process.env.PATH ?? '')
  .split(delimiter)
  .map((dir) => join(dir, '..', '@doyensec', 'electronegativity', 'dist', 'runner.js'))
  .find((file) => existsSync(file));
if (!runnerFile || !input || !electronVersion) {
  console.error(runnerFile ? 'usage: electronegativity-scan.mjs INPUT ELECTRON_VERSION' : 'electronegativity-scan: the scanner is not on PATH (run it through npx -p @doyensec/electronegativity)');
  process.exit(2);
}
const run = createRequire(import.meta.url)(runnerFile);
const options = {
  input: resolve(input),
  isRelative: true,
  customScan: [],
  // Fetches Electron's release list from the network; the gate checks the app's code, not Electron's versions.
  excludeFromScan: ['availablesecurityfixesglobalcheck'],
  electronVersionOverride: electronVersion,
  parserPlugins: [],
  isVerbose: false,
};
const result = await run(options, false);
const findings = result.issues.map((issue) => ({
  issue: issue.id,
  severity: issue.severity.name,
  confidence: issue.confidence.name,
  filename: issue.file,
  location: `${issue.location.line}:${issue.location.column}`,
  sample: issue.sample ?? '',
}));
process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(findings)}\n`);
