import { Prng } from '../prng';
import { trainConfigSchema, type TrainConfigInput } from '../entities/train-config';
import type { Parsed } from '../entities/specs';

/**
 * A hyperparameter search space, written as in the CLI's `--param` and the UI's search-space editor:
 * `lr=loguniform(1e-4,1e-2)`, `momentum=uniform(0.85,0.99)`, `batch_size=int(16,128)`,
 * `optimizer=choice(sgd,adam)`, `hidden=choice("256,256","128")`, and a grid list `lr=[0.1,0.01]`.
 */
export type ParamValue = number | string | boolean;

export type Distribution =
  | { kind: 'loguniform'; low: number; high: number }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'int'; low: number; high: number }
  | { kind: 'choice'; values: ParamValue[] }
  | { kind: 'grid'; values: ParamValue[] };

export interface SearchParam {
  /** The training option, as the config names it (`lr`, `batch_size`, `hidden`...). */
  name: string;
  distribution: Distribution;
}

export type SearchSpace = SearchParam[];

/** Training options that cannot be searched: they name the run or the data rather than shape the training. */
const NOT_SEARCHABLE = new Set(['dataset', 'name', 'experiment', 'backend', 'from_run', 'epochs']);
/** Every option a sweep may search. `epochs` is the sweep's budget per trial, not a searched value. */
export const SEARCHABLE = Object.keys(trainConfigSchema.shape).filter((key) => !NOT_SEARCHABLE.has(key));

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

/** Splits `a, "b,c", d` at top-level commas, keeping quoted text whole (a backslash in it escapes the next character). */
function splitArguments(text: string): Parsed<string[]> {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  let escaped = false;
  for (const char of text) {
    if (quote) {
      current += char;
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'") {
      quote = char;
      current += char;
    } else if (char === ',') {
      out.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (quote) return fail(`unclosed quote in "${text}"`);
  if (current.trim() !== '' || out.length > 0) out.push(current.trim());
  return ok(out);
}

function literal(text: string): Parsed<ParamValue> {
  if (text === '') return fail('an empty value');
  const quoted = /^(["'])(.*)\1$/s.exec(text);
  if (quoted) return ok((quoted[2] as string).replace(/\\(.)/gs, '$1'));
  if (text === 'true' || text === 'false') return ok(text === 'true');
  const number = Number(text);
  if (Number.isFinite(number)) return ok(number);
  if (/^[A-Za-z][\w:.,=-]*$/.test(text)) return ok(text);
  return fail(`"${text}" is not a number, true/false, or a word (quote other text: "256,128")`);
}

function bounds(kind: 'loguniform' | 'uniform' | 'int', args: string[]): Parsed<Distribution> {
  if (args.length !== 2) return fail(`${kind} takes two bounds: ${kind}(LOW,HIGH)`);
  const [low, high] = args.map(Number) as [number, number];
  if (!Number.isFinite(low) || !Number.isFinite(high)) return fail(`${kind}(${args.join(',')}): the bounds must be numbers`);
  if (low > high) return fail(`${kind}(${args.join(',')}): the lower bound is above the upper`);
  if (kind === 'loguniform' && low <= 0) return fail(`loguniform(${args.join(',')}): both bounds must be above 0`);
  if (kind === 'int' && (!Number.isInteger(low) || !Number.isInteger(high))) return fail(`int(${args.join(',')}): the bounds must be whole numbers`);
  return ok({ kind, low, high });
}

/** Normalises a flag-style name (`batch-size`, `--weight-decay`) to the config's (`batch_size`). */
export function normaliseParamName(name: string): string {
  return name.trim().replace(/^--/, '').replace(/-/g, '_');
}

/**
 * Parses one `NAME=DISTRIBUTION`. Checks the syntax, the bounds and the name; whether the values are valid for
 * the option (a dropout of 1.5) is checked by `checkSpace` against the training schema.
 */
export function parseParam(text: string): Parsed<SearchParam> {
  const at = text.indexOf('=');
  if (at <= 0) return fail(`"${text}" should be NAME=DISTRIBUTION, e.g. lr=loguniform(1e-4,1e-2)`);
  const name = normaliseParamName(text.slice(0, at));
  const expression = text.slice(at + 1).trim();
  if (!SEARCHABLE.includes(name)) {
    return fail(`unknown parameter "${text.slice(0, at).trim()}"; searchable: ${SEARCHABLE.join(', ')}`);
  }
  const list = /^\[(.*)\]$/s.exec(expression);
  const call = /^(loguniform|uniform|int|choice)\s*\((.*)\)$/s.exec(expression);
  if (!list && !call) return fail(`${name}: "${expression}" is not a distribution: loguniform(a,b), uniform(a,b), int(a,b), choice(a,b,...) or [a,b,...]`);
  const args = splitArguments(((list ? list[1] : call?.[2]) ?? '').trim());
  if (!args.ok) return fail(`${name}: ${args.message}`);
  const kind = list ? 'grid' : (call?.[1] as 'loguniform' | 'uniform' | 'int' | 'choice');
  if (kind === 'grid' || kind === 'choice') {
    if (args.value.length === 0) return fail(`${name}: ${kind === 'grid' ? '[]' : 'choice()'} is empty: give at least one value`);
    const values: ParamValue[] = [];
    for (const arg of args.value) {
      const value = literal(arg);
      if (!value.ok) return fail(`${name}: ${value.message}`);
      values.push(value.value);
    }
    return ok({ name, distribution: { kind, values } });
  }
  const distribution = bounds(kind, args.value);
  return distribution.ok ? ok({ name, distribution: distribution.value }) : fail(`${name}: ${distribution.message}`);
}

/** Parses every `--param`; a parameter given twice is an error. */
export function parseSpace(texts: readonly string[]): Parsed<SearchSpace> {
  const space: SearchSpace = [];
  for (const text of texts) {
    const param = parseParam(text);
    if (!param.ok) return param;
    if (space.some((p) => p.name === param.value.name)) return fail(`${param.value.name} is searched twice`);
    space.push(param.value);
  }
  if (space.length === 0) return fail('no parameter to search: give at least one --param NAME=DISTRIBUTION');
  return ok(space);
}

/** The text form of a distribution, as the user wrote it (stored with the sweep, shown in the UI); `parseParam` reads it back. */
export function formatDistribution(d: Distribution): string {
  // A text that would read back as something else (a boolean, or not a word) is quoted, its backslashes and double quotes escaped.
  const value = (v: ParamValue) =>
    typeof v === 'string' && (!/^[A-Za-z][\w:.=-]*$/.test(v) || v === 'true' || v === 'false') ? `"${v.replace(/[\\"]/g, '\\$&')}"` : String(v);
  switch (d.kind) {
    case 'grid':
      return `[${d.values.map(value).join(',')}]`;
    case 'choice':
      return `choice(${d.values.map(value).join(',')})`;
    default:
      return `${d.kind}(${d.low},${d.high})`;
  }
}

/** Turns a sampled value into what the training option takes (`"128,64"` for hidden becomes [128, 64]). */
function optionValue(name: string, value: ParamValue): unknown {
  if (name === 'hidden') {
    if (typeof value === 'number') return [value];
    if (typeof value === 'string') return value.trim() === '' ? [] : value.split(',').map((s) => Number(s));
  }
  if (name === 'dropout' && typeof value === 'string') return value.split(',').map((s) => Number(s));
  return value;
}

/** A trial's configuration input: the sweep's fixed options with the sampled values on top. */
export function applyParams(base: Partial<TrainConfigInput>, params: Record<string, ParamValue>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(params)) out[name] = optionValue(name, value);
  return out;
}

/** Values a distribution can produce at its edges (and every listed value), to check them before any trial. */
function representatives(d: Distribution): ParamValue[] {
  return d.kind === 'grid' || d.kind === 'choice' ? d.values : [d.low, d.high];
}

/**
 * Checks a space against the training schema: every edge and listed value must make a valid configuration
 * together with the fixed options. Returns the first problem, naming the parameter.
 */
export function checkSpace(space: SearchSpace, base: Partial<TrainConfigInput>): Parsed<SearchSpace> {
  for (const param of space) {
    for (const value of representatives(param.distribution)) {
      const result = trainConfigSchema.safeParse(applyParams(base, { [param.name]: value }));
      if (!result.success) {
        const issue = result.error.issues.find((i) => String(i.path[0]) === param.name) ?? result.error.issues[0];
        if (issue && String(issue.path[0]) === param.name) {
          return fail(`${param.name}=${formatDistribution(param.distribution)}: the value ${JSON.stringify(value)} is not valid: ${issue.message}`);
        }
      }
    }
  }
  return ok(space);
}

/** Draws one value. `loguniform` is uniform in the exponent: `10 ** uniform(log10 a, log10 b)`. */
export function sample(d: Distribution, rng: Prng): ParamValue {
  switch (d.kind) {
    case 'uniform':
      return d.low + (d.high - d.low) * rng.next();
    case 'loguniform':
      return Math.exp(Math.log(d.low) + (Math.log(d.high) - Math.log(d.low)) * rng.next());
    case 'int':
      return d.low + rng.nextInt(d.high - d.low + 1);
    case 'choice':
    case 'grid':
      return d.values[rng.nextInt(d.values.length)] as ParamValue;
  }
}

/**
 * The params of random-search trial `index` (from 0): drawn from a generator seeded by the sweep's seed and the
 * trial's index, so the same seed gives the same trials, and a resumed sweep draws trial 5 exactly as before.
 */
export function randomTrial(space: SearchSpace, seed: number, index: number): Record<string, ParamValue> {
  const rng = new Prng(seed).fork(index + 1);
  return Object.fromEntries(space.map((param) => [param.name, sample(param.distribution, rng)]));
}

/** Every combination of a grid space, in order (the first parameter varies slowest). */
export function gridTrials(space: SearchSpace): Parsed<Record<string, ParamValue>[]> {
  const continuous = space.find((p) => p.distribution.kind !== 'grid' && p.distribution.kind !== 'choice');
  if (continuous) return fail(`${continuous.name}=${formatDistribution(continuous.distribution)}: a grid search needs a list of values, e.g. ${continuous.name}=[0.1,0.01]`);
  let combinations: Record<string, ParamValue>[] = [{}];
  for (const param of space) {
    const values = (param.distribution as { values: ParamValue[] }).values;
    combinations = combinations.flatMap((partial) => values.map((value) => ({ ...partial, [param.name]: value })));
  }
  return ok(combinations);
}

/** How many trials a grid has, without building them. */
export function gridSize(space: SearchSpace): number {
  return space.reduce((n, p) => n * (p.distribution.kind === 'grid' || p.distribution.kind === 'choice' ? p.distribution.values.length : Infinity), 1);
}
