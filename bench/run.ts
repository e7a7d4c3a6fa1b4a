/**
 * `npm run bench [-- --json] [-- --rounds N] [-- --only logging,training,table,scale,sweeps,tpe,cnn,fashion,webgpu,mlflow,import,pg]
 * [-- --fashion-epochs N] [-- --pg-parts logging,table,claims,distributed]`: the speed targets, each measured
 * side by side with its anchor in this one process (alternating rounds, medians), so shared-machine noise hits
 * both sides alike. `pg` starts a throwaway PostgreSQL server (skipped, saying why, where PostgreSQL is not installed).
 * Prints one JSON object with --json.
 */
import { cpus, loadavg } from 'node:os';
import { benchLogging } from './logging';
import { benchRunsAtScale } from './runs-at-scale';
import { benchRunsTable } from './runs-table';
import { benchAshaVsRandom, benchSweepBookkeeping, benchSweepParallelism } from './sweeps';
import { benchCnnOverhead, benchFashionAccuracy, benchPytorchCnn } from './cnn-training';
import { benchTrainingOverhead } from './training-overhead';
import { benchImport, benchMlflowServers } from './mlflow';
import { benchWebGpu } from './webgpu';
import { PG_PARTS, benchPostgres, type PgPart } from './postgres';
import { benchTpeVsOptuna } from './tpe-vs-optuna';

const args = process.argv.slice(2);
const json = args.includes('--json');
const roundsArg = args.indexOf('--rounds');
const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 5;
const onlyArg = args.indexOf('--only');
const only = onlyArg >= 0 ? new Set((args[onlyArg + 1] ?? '').split(',')) : null;
const wanted = (name: string) => !only || only.has(name);
const say = (text: string) => {
  if (!json) process.stderr.write(text + '\n');
};

const results: Record<string, number | string> = { rounds, cpus: cpus().length, load_before: loadavg()[0]?.toFixed(2) ?? '' };
if (wanted('logging')) {
  say('logging: store (logBatch, and per-epoch commits) vs raw bulk insert...');
  Object.assign(results, await benchLogging(rounds));
}
if (wanted('table')) {
  say('runs table: listRuns vs raw SQL pivot over 10,000 runs (seeding first)...');
  Object.assign(results, await benchRunsTable(rounds));
}
if (wanted('scale')) {
  say('runs at scale: a sorted page and a filter round trip over 10,000 runs x 20 params x 6 metrics x 50 epochs vs raw SQL...');
  Object.assign(results, await benchRunsAtScale(rounds));
}
if (wanted('training')) {
  say('training: Runboard run vs bare model.fit (digits, 64-256-256-10, wasm)...');
  Object.assign(results, await benchTrainingOverhead(Math.max(3, Math.min(rounds, 5))));
}
if (wanted('sweeps')) {
  say('sweeps: --parallel 2 vs 1 throughput, bookkeeping vs bare runs, ASHA vs random search (digits)...');
  Object.assign(results, await benchSweepParallelism(Math.max(3, Math.min(rounds, 5))));
  Object.assign(results, await benchSweepBookkeeping(Math.max(3, Math.min(rounds, 5))));
  Object.assign(results, await benchAshaVsRandom([1, 2, 3]));
}
if (wanted('tpe')) {
  say("tpe: Runboard's TPE vs Optuna's TPESampler (driving `runboard train`) vs random search, digits, 4 params, 30 trials x 5 epochs, 5 seeds (about 20 minutes)...");
  Object.assign(results, await benchTpeVsOptuna([1, 2, 3, 4, 5]));
}
if (wanted('cnn')) {
  say('cnn: Runboard run of the cnn preset vs bare model.fit (Fashion-MNIST 6,000 images, wasm), and PyTorch on one thread...');
  Object.assign(results, await benchCnnOverhead(Math.max(3, Math.min(rounds, 5))));
  Object.assign(results, await benchPytorchCnn());
}
if (wanted('webgpu')) {
  say('webgpu: agreement with cpu (digits MLP); on a hardware adapter, samples per second vs wasm and tfjs-node (digits MLP, cnn preset on Fashion-MNIST)...');
  Object.assign(results, await benchWebGpu());
}
if (wanted('mlflow')) {
  say("mlflow: the same client script through MLflow's own tracking server and through runboard serve (per-point log_metric takes MLflow minutes)...");
  Object.assign(results, await benchMlflowServers(rounds));
}
if (wanted('import')) {
  say('import: a TensorBoard folder of 100 runs, points per second, beside logBatch...');
  Object.assign(results, await benchImport(Math.max(3, Math.min(rounds, 5))));
}
if (wanted('pg')) {
  say('pg: the PostgreSQL store on a throwaway server: logging, the runs table, claim latency and a sweep on two workers vs one...');
  const partsArg = args.indexOf('--pg-parts');
  const parts = partsArg >= 0 ? (args[partsArg + 1] ?? '').split(',') : [...PG_PARTS];
  const unknown = parts.filter((part) => !(PG_PARTS as readonly string[]).includes(part));
  if (unknown.length) {
    process.stderr.write(`--pg-parts: no part named ${unknown.join(', ')}; the parts are ${PG_PARTS.join(', ')}\n`);
    process.exit(2);
  }
  Object.assign(results, await benchPostgres(rounds, say, new Set(parts as PgPart[])));
}
if (wanted('fashion')) {
  const epochsArg = args.indexOf('--fashion-epochs');
  const epochs = epochsArg >= 0 ? Number(args[epochsArg + 1]) : 10;
  say(`fashion: the cnn preset on all 60,000 Fashion-MNIST training images for ${epochs} epochs, test accuracy on the 10,000 test images (about 15 minutes)...`);
  Object.assign(results, await benchFashionAccuracy(epochs));
}
if (json) process.stdout.write(JSON.stringify(results) + '\n');
else for (const [key, value] of Object.entries(results)) process.stdout.write(`${key.padEnd(34)} ${value}\n`);
