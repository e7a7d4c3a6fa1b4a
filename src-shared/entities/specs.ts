/**
 * The small text specs that training options are written in, the same in the CLI, the New run form and the
 * logged params: `--init uniform:0,1`, `--lr-schedule step:10,0.5`, `--augment shift=1,noise=0.05`,
 * `--early-stopping 5:0.001`, `--freeze 0,1`, `--dataset spirals:n=600,noise=0.2`. Each parser returns the
 * structured value or a message that says what is wrong.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

function numbers(text: string): number[] | null {
  if (text.trim() === '') return [];
  const values = text.split(',').map((part) => (part.trim() === '' ? NaN : Number(part)));
  return values.every(Number.isFinite) ? values : null;
}

// ---------------------------------------------------------------- initialisers

export const INITIALISERS = ['glorot-uniform', 'glorot-normal', 'he-uniform', 'he-normal', 'uniform', 'normal', 'zeros', 'constant'] as const;
export type InitName = (typeof INITIALISERS)[number];
/**
 * `uniform` draws from [a, b) (default [0, 1), as `nn.init.uniform_`), `normal` from N(mean, std) (default 0, 1),
 * `constant` fills with a value (default 0); the Glorot and He initialisers take no arguments.
 */
export type InitSpec =
  | { name: 'uniform'; low: number; high: number }
  | { name: 'normal'; mean: number; std: number }
  | { name: 'constant'; value: number }
  | { name: Exclude<InitName, 'uniform' | 'normal' | 'constant'> };

export function parseInit(text: string): Parsed<InitSpec> {
  const [rawName = '', rawArgs, ...rest] = text.trim().split(':');
  const name = rawName.trim().toLowerCase();
  if (rest.length > 0) return fail(`"${text}" has more than one ":"; write NAME or NAME:a,b`);
  if (!(INITIALISERS as readonly string[]).includes(name)) return fail(`unknown initialiser "${rawName}"; one of ${INITIALISERS.join(', ')}`);
  const args = rawArgs === undefined ? [] : numbers(rawArgs);
  if (args === null) return fail(`"${rawArgs}" is not a list of numbers (write ${name}:a,b)`);
  switch (name) {
    case 'uniform': {
      if (args.length !== 0 && args.length !== 2) return fail('uniform takes a range: uniform:LOW,HIGH (default 0,1)');
      const [low = 0, high = 1] = args;
      if (!(low < high)) return fail(`uniform:${low},${high} is an empty range: LOW must be below HIGH`);
      return ok({ name, low, high });
    }
    case 'normal': {
      if (args.length > 2) return fail('normal takes at most a mean and a standard deviation: normal:MEAN,STD');
      const [mean = 0, std = 1] = args;
      if (!(std > 0)) return fail(`normal needs a standard deviation above 0, not ${std}`);
      return ok({ name, mean, std });
    }
    case 'constant': {
      if (args.length > 1) return fail('constant takes one value: constant:VALUE');
      return ok({ name, value: args[0] ?? 0 });
    }
    default:
      if (args.length > 0) return fail(`${name} takes no arguments`);
      return ok({ name: name as Exclude<InitName, 'uniform' | 'normal' | 'constant'> });
  }
}

// ---------------------------------------------------------------- learning-rate schedules

/** `constant`; `step:EVERY,GAMMA` multiplies the rate by GAMMA every EVERY epochs; `cosine` anneals to 0 over the run. */
export type LrSchedule = { kind: 'constant' } | { kind: 'step'; every: number; gamma: number } | { kind: 'cosine' };

export function parseLrSchedule(text: string): Parsed<LrSchedule> {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'constant') return ok({ kind: 'constant' });
  if (trimmed === 'cosine') return ok({ kind: 'cosine' });
  if (trimmed.startsWith('step:')) {
    const args = numbers(trimmed.slice(5));
    if (!args || args.length !== 2) return fail('step needs EVERY,GAMMA, e.g. step:10,0.5');
    const [every, gamma] = args as [number, number];
    if (!Number.isInteger(every) || every < 1) return fail(`step: EVERY must be a whole number of epochs from 1, not ${every}`);
    if (!(gamma > 0 && gamma <= 1)) return fail(`step: GAMMA must be in (0, 1], not ${gamma}`);
    return ok({ kind: 'step', every, gamma });
  }
  return fail(`unknown schedule "${text}"; one of constant, step:EVERY,GAMMA, cosine`);
}

/**
 * The learning rate of an epoch (counted from 1). Cosine follows PyTorch's CosineAnnealingLR with
 * T_max = epochs and eta_min = 0, evaluated at the start of each epoch.
 */
export function learningRateAt(schedule: LrSchedule, baseLr: number, epoch: number, epochs: number): number {
  switch (schedule.kind) {
    case 'constant':
      return baseLr;
    case 'step':
      return baseLr * schedule.gamma ** Math.floor((epoch - 1) / schedule.every);
    case 'cosine':
      return (baseLr * (1 + Math.cos((Math.PI * (epoch - 1)) / Math.max(1, epochs)))) / 2;
  }
}

// ---------------------------------------------------------------- augmentation

/**
 * On-the-fly augmentation of training samples, fresh every epoch. For images: `rotate` (degrees, either way, up to
 * 180), `shift` (whole pixels in each direction, up to 16), `scale` (a zoom of up to ± that fraction, at most 0.5),
 * `flip` (`h` mirrors left-right, `v` upside down, `hv` either, each with probability 1/2), `crop` (pad by that many
 * pixels and crop back at random, as torchvision's `RandomCrop(size, padding)`: up to 16); for every dataset, `noise`
 * (standard deviation of added Gaussian noise, in units of the scaled inputs, up to 1).
 */
export interface Augmentation {
  shift: number;
  rotate: number;
  scale: number;
  flip: 'none' | 'h' | 'v' | 'hv';
  crop: number;
  noise: number;
}
export const NO_AUGMENTATION: Augmentation = { shift: 0, rotate: 0, scale: 0, flip: 'none', crop: 0, noise: 0 };
const AUGMENTATION_KEYS = 'rotate, shift, scale, flip, crop, noise';

export function parseAugment(text: string): Parsed<Augmentation> {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'none' || trimmed === '') return ok({ ...NO_AUGMENTATION });
  const out = { ...NO_AUGMENTATION };
  const seen = new Set<string>();
  for (const part of trimmed.split(',')) {
    const [key = '', raw, ...rest] = part.split('=').map((s) => s.trim());
    if (raw === undefined || rest.length > 0) return fail(`"${part}" should be KEY=VALUE (rotate=15, shift=2, scale=0.1, flip=h, crop=4, noise=0.05)`);
    if (seen.has(key)) return fail(`${key} is given twice`);
    seen.add(key);
    if (key === 'flip') {
      if (raw !== 'h' && raw !== 'v' && raw !== 'hv' && raw !== 'none') return fail(`flip must be h (left-right), v (upside down) or hv, not ${raw}`);
      out.flip = raw;
      continue;
    }
    const value = raw === '' ? NaN : Number(raw);
    if (!Number.isFinite(value)) return fail(`${key}=${raw}: not a number`);
    if (key === 'shift' || key === 'crop') {
      if (!Number.isInteger(value) || value < 0 || value > 16) return fail(`${key} must be a whole number of pixels from 0 to 16, not ${raw}`);
      out[key] = value;
    } else if (key === 'rotate') {
      if (value < 0 || value > 180) return fail(`rotate must be from 0 to 180 degrees, not ${raw}`);
      out.rotate = value;
    } else if (key === 'scale') {
      if (value < 0 || value > 0.5) return fail(`scale must be a fraction from 0 to 0.5, not ${raw}`);
      out.scale = value;
    } else if (key === 'noise') {
      if (value < 0 || value > 1) return fail(`noise must be from 0 to 1, not ${raw}`);
      out.noise = value;
    } else {
      return fail(`unknown augmentation "${key}"; one of ${AUGMENTATION_KEYS}`);
    }
  }
  return ok(out);
}

export function isAugmenting(a: Augmentation): boolean {
  return isGeometric(a) || a.noise > 0;
}

/** Whether the augmentation moves pixels (anything but noise): it applies to images only. */
export function isGeometric(a: Augmentation): boolean {
  return a.shift > 0 || a.rotate > 0 || a.scale > 0 || a.flip !== 'none' || a.crop > 0;
}

/** The canonical text of an augmentation (what a run records). */
export function formatAugment(a: Augmentation): string {
  const parts: string[] = [];
  if (a.rotate > 0) parts.push(`rotate=${a.rotate}`);
  if (a.shift > 0) parts.push(`shift=${a.shift}`);
  if (a.scale > 0) parts.push(`scale=${a.scale}`);
  if (a.flip !== 'none') parts.push(`flip=${a.flip}`);
  if (a.crop > 0) parts.push(`crop=${a.crop}`);
  if (a.noise > 0) parts.push(`noise=${a.noise}`);
  return parts.length === 0 ? 'none' : parts.join(',');
}

// ---------------------------------------------------------------- early stopping

/** Stop when validation loss has not improved by more than `minDelta` for `patience` epochs; restore the best weights. */
export type EarlyStopping = { patience: number; minDelta: number } | null;

/**
 * Early stopping's defaults: the patience the forms offer first (`5`), and the min-delta of `PATIENCE` written alone.
 * The overfitting marker judges runs that set no early stopping by the same numbers (src-shared/overfitting.ts).
 */
export const EARLY_STOPPING_DEFAULTS = { patience: 5, minDelta: 0 } as const;

export function parseEarlyStopping(text: string): Parsed<EarlyStopping> {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'off' || trimmed === '') return ok(null);
  const [rawPatience = '', rawDelta, ...rest] = trimmed.split(':');
  if (rest.length > 0) return fail('write PATIENCE or PATIENCE:MIN_DELTA, e.g. 5:0.001');
  const patience = Number(rawPatience);
  if (!Number.isInteger(patience) || patience < 1) return fail(`patience must be a whole number of epochs from 1, not "${rawPatience}"`);
  const minDelta = rawDelta === undefined ? EARLY_STOPPING_DEFAULTS.minDelta : rawDelta.trim() === '' ? NaN : Number(rawDelta);
  if (!Number.isFinite(minDelta) || minDelta < 0) return fail(`min delta must be a number from 0, not "${rawDelta}"`);
  return ok({ patience, minDelta });
}

// ---------------------------------------------------------------- frozen layers

/**
 * Layers whose weights do not train. Indices count the model's layers with weights (convolutions, linear layers,
 * batch normalisations) from the input, the output layer last; for an MLP, hidden layers 0..H-1 and the output H.
 * `conv` freezes the convolutional part (every layer with weights before the first linear layer); `all-but-last`
 * every layer but the output layer.
 */
export type FreezeSpec = { kind: 'none' } | { kind: 'all-but-last' } | { kind: 'conv' } | { kind: 'layers'; indices: number[] };

export function parseFreeze(text: string): Parsed<FreezeSpec> {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'none' || trimmed === '') return ok({ kind: 'none' });
  if (trimmed === 'all-but-last') return ok({ kind: 'all-but-last' });
  if (trimmed === 'conv') return ok({ kind: 'conv' });
  const indices = numbers(trimmed);
  if (!indices || indices.length === 0 || indices.some((i) => !Number.isInteger(i) || i < 0)) {
    return fail(`"${text}" is not a list of layer indices (0 is the first layer with weights), conv or all-but-last`);
  }
  return ok({ kind: 'layers', indices: [...new Set(indices)].sort((a, b) => a - b) });
}

// ---------------------------------------------------------------- datasets

export const SYNTHETIC_DATASETS = ['spirals', 'moons', 'blobs'] as const;
export type SyntheticName = (typeof SYNTHETIC_DATASETS)[number];

/** A generated dataset: `n` points in 2-D, `classes` classes (moons: always 2), Gaussian `noise`, its own `seed`. */
export interface SyntheticSpec {
  name: SyntheticName;
  n: number;
  classes: number;
  noise: number;
  seed: number;
}

export const SYNTHETIC_DEFAULTS: Record<SyntheticName, Omit<SyntheticSpec, 'name'>> = {
  spirals: { n: 600, classes: 3, noise: 0.2, seed: 0 },
  moons: { n: 500, classes: 2, noise: 0.15, seed: 0 },
  blobs: { n: 500, classes: 3, noise: 1, seed: 0 },
};

/** Parses `spirals`, `moons:n=800,noise=0.1`, `blobs:classes=4,seed=3`; returns null for a name that is not synthetic. */
export function parseSyntheticDataset(text: string): Parsed<SyntheticSpec> | null {
  const [rawName = '', rawOptions, ...rest] = text.trim().split(':');
  const name = rawName.trim().toLowerCase();
  if (!(SYNTHETIC_DATASETS as readonly string[]).includes(name)) return null;
  const spec: SyntheticSpec = { name: name as SyntheticName, ...SYNTHETIC_DEFAULTS[name as SyntheticName] };
  if (rest.length > 0) return fail(`write ${name} or ${name}:n=600,noise=0.2`);
  if (rawOptions !== undefined && rawOptions.trim() !== '') {
    for (const part of rawOptions.split(',')) {
      const [key = '', raw = '', ...more] = part.split('=').map((s) => s.trim());
      const value = raw === '' ? NaN : Number(raw);
      if (more.length > 0 || !Number.isFinite(value)) return fail(`"${part}" should be KEY=NUMBER (n, classes, noise, seed)`);
      if (key === 'n') {
        if (!Number.isInteger(value) || value < 10 || value > 100_000) return fail(`n must be a whole number from 10 to 100000, not ${raw}`);
        spec.n = value;
      } else if (key === 'classes') {
        if (!Number.isInteger(value) || value < 2 || value > 10) return fail(`classes must be a whole number from 2 to 10, not ${raw}`);
        if (name === 'moons' && value !== 2) return fail('moons always has 2 classes');
        spec.classes = value;
      } else if (key === 'noise') {
        if (value < 0 || value > 10) return fail(`noise must be from 0 to 10, not ${raw}`);
        spec.noise = value;
      } else if (key === 'seed') {
        if (!Number.isInteger(value) || value < 0) return fail(`seed must be a whole number from 0, not ${raw}`);
        spec.seed = value;
      } else {
        return fail(`unknown option "${key}" for ${name}; one of n, classes, noise, seed`);
      }
    }
  }
  return ok(spec);
}

// ---------------------------------------------------------------- dataset views

/**
 * Part of a stored dataset: `fashion-mnist:classes=0-4,n=12000` keeps classes 0 to 4 (indices into the dataset's
 * class list, renumbered from 0 in that order) and then a stratified sample of `n` of the training part (the dataset's
 * own test part, when it has one, keeps every image of those classes). The sample is the same for every run.
 */
export interface DatasetView {
  name: string;
  /** Class indices kept, ascending; null for every class. */
  classes: number[] | null;
  /** Training samples kept; null for all. */
  n: number | null;
}

/** The canonical text of a view: what a run records as its dataset. */
export function formatDatasetView(view: DatasetView): string {
  const options: string[] = [];
  if (view.classes) options.push(`classes=${compactRanges(view.classes)}`);
  if (view.n !== null) options.push(`n=${view.n}`);
  return options.length === 0 ? view.name : `${view.name}:${options.join(',')}`;
}

/** Every class index the ranges cover, ascending, each once. */
function classesIn(ranges: Array<[number, number]>): number[] {
  const classes: number[] = [];
  let next = 0;
  for (const [from, to] of [...ranges].sort((a, b) => a[0] - b[0])) {
    for (let c = Math.max(from, next); c <= to; c++) classes.push(c);
    next = Math.max(next, to + 1);
  }
  return classes;
}

/** 0,1,2,3,5 -> `0-3,5`. */
function compactRanges(values: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && (values[j + 1] as number) === (values[j] as number) + 1) j++;
    parts.push(j > i ? `${values[i]}-${values[j]}` : `${values[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Parses `NAME` or `NAME:classes=0-4,n=12000` (`classes` takes indices and ranges separated by commas: `classes=0,2,5-7`).
 * Does not check that the classes exist: the catalogue does, knowing the dataset.
 */
export function parseDatasetView(text: string): Parsed<DatasetView> {
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  const view: DatasetView = { name, classes: null, n: null };
  if (colon < 0) return ok(view);
  const options = text.slice(colon + 1).trim();
  if (options === '') return fail(`write ${name} or ${name}:classes=0-4,n=1000`);
  let key: string | null = null;
  // Ranges as written, merged once at the end: a long list of wide ranges (`0-65535,0-65535,...`) costs its length,
  // not its length times 65,536 (which held a request for seconds per kilobyte).
  const ranges: Array<[number, number]> = [];
  let classesGiven = false;
  for (const part of options.split(',').map((p) => p.trim())) {
    const eq = part.indexOf('=');
    let value = part;
    if (eq >= 0) {
      key = part.slice(0, eq).trim().toLowerCase();
      value = part.slice(eq + 1).trim();
      if (key === 'classes' && classesGiven) return fail('classes is given twice');
      if (key === 'classes') classesGiven = true;
      if (key === 'n' && view.n !== null) return fail('n is given twice');
    } else if (key !== 'classes') {
      return fail(`"${part}" should be KEY=VALUE (classes, n)`);
    }
    if (key === 'classes') {
      const range = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(value);
      if (!range) return fail(`classes takes class indices and ranges such as 0-4 or 0,2,5, not "${value}"`);
      const from = Number(range[1]);
      const to = Number(range[2] ?? range[1]);
      if (to < from) return fail(`classes ${value} is an empty range`);
      if (to > 65_535) return fail(`class ${to} is out of range`);
      ranges.push([from, to]);
    } else if (key === 'n') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 2) return fail(`n must be a whole number of samples from 2, not "${value}"`);
      view.n = n;
    } else {
      return fail(`unknown option "${key}" for ${name}; one of classes, n`);
    }
  }
  if (classesGiven) view.classes = classesIn(ranges);
  if (view.classes && view.classes.length < 2) return fail(`classes=${compactRanges(view.classes)} keeps one class; a classifier needs at least two`);
  return ok(view);
}
